"""Accessibility in Chromium: axe-core finds no serious or critical violation on any page a
shopper can reach (tests/browser/shopper_pages.py walks them); errors are announced; every
control shows where the focus is; a purchase can be made with the keyboard alone."""

import re
import time
from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from shop.models import Order, OrderStatus
from shop.services import cart_add_item, cart_get_or_create_for_user
from tests.browser.conftest import ARTIFACTS
from tests.browser.shopper_pages import (
    anonymous_page,
    seed_catalog,
    seed_shopper,
    signed_in_page,
    walk_shopper_pages,
)
from tests.factories import DEFAULT_PASSWORD, CardFactory

SERIOUS = {"serious", "critical"}
SHOTS = {"order page, saved card": "order-page", "order detail": "order-detail", "404": "404"}

# An error is announced when it sits in a live region (role=alert or status, aria-live) or
# when the field it is about points at it with aria-describedby; a field marked invalid must
# say so (aria-invalid) and point at its message.
UNANNOUNCED_ERRORS_JS = """
() => {
  const found = [];
  const shown = (el) => el.getClientRects().length > 0;
  const errors = document.querySelectorAll(
    '.invalid-feedback, .alert-danger, .errorlist, .text-danger[role], [data-testid$=error]');
  for (const el of errors) {
    if (!shown(el) || el.closest('[role=alert], [role=status], [aria-live]')) continue;
    if (el.id && document.querySelector(`[aria-describedby~="${el.id}"]`)) continue;
    found.push(`error not announced: "${el.innerText.trim().slice(0, 60)}"`);
  }
  for (const field of document.querySelectorAll('.is-invalid')) {
    if (!shown(field)) continue;
    const ids = (field.getAttribute('aria-describedby') || '').split(/\\s+/);
    const message = ids.map((id) => document.getElementById(id)).find(
      (el) => el && el.matches('.invalid-feedback, .invalid-feedback *'));
    if (!message) found.push(`${field.name}: invalid, not described by its error`);
    if (field.getAttribute('aria-invalid') !== 'true') found.push(`${field.name}: no aria-invalid`);
  }
  // Messages ("Thank you! Order ... is paid.", a decline) are live regions of their own;
  // a live region inside another is read twice.
  for (const message of document.querySelectorAll('.bz-messages > .alert')) {
    if (!message.matches('[role=alert], [role=status]')) found.push('message not announced');
  }
  const live = '[role=alert], [role=status], [aria-live]';
  for (const inner of document.querySelectorAll(`:is(${live}) :is(${live})`)) {
    found.push(`live region inside another: "${inner.innerText.trim().slice(0, 60)}"`);
  }
  return found;
}
"""

# Every visible control the keyboard can reach is focused in turn (after a key press, so the
# browser treats the focus as keyboard focus and :focus-visible applies) and must draw a
# ring: an outline at least 2 px wide, or a box-shadow.
NO_FOCUS_RING_JS = """
() => {
  const missing = [];
  const controls = document.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]');
  for (const el of controls) {
    const box = el.getBoundingClientRect();
    if (el.disabled || el.tabIndex < 0 || box.width <= 1 || box.height <= 1) continue;
    if (getComputedStyle(el).visibility === 'hidden') continue;
    el.focus();
    if (document.activeElement !== el) continue;
    const style = getComputedStyle(el);
    const ring = (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2)
      || (style.boxShadow !== 'none' && style.boxShadow !== '');
    if (!ring || !el.matches(':focus-visible')) {
      const name = (el.innerText || el.value || el.getAttribute('aria-label') || el.name || '')
        .trim().replace(/\\s+/g, ' ').slice(0, 40);
      missing.push(`no focus ring: ${el.tagName.toLowerCase()} "${name}"`);
    }
  }
  if (document.activeElement) document.activeElement.blur();
  return missing;
}
"""


def axe_serious(axe, page) -> list[str]:
    """axe-core's serious and critical violations on the page: rule id and the nodes."""
    return [
        f"{v['id']} ({v['impact']}): {', '.join(str(n['target']) for n in v['nodes'][:5])}"
        for v in axe.run(page).response["violations"]
        if v["impact"] in SERIOUS
    ]


def test_every_shopper_page_passes_axe_at_1280_px(browser, live_server, settings):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    found: dict[str, list[str]] = {}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()

    def check(label, page):
        if label in SHOTS:
            page.screenshot(path=str(ARTIFACTS / f"desktop--{SHOTS[label]}.png"), full_page=True)
        found[label] = axe_serious(axe, page) + page.evaluate(UNANNOUNCED_ERRORS_JS)
        page.keyboard.press("Shift")
        found[label] += page.evaluate(NO_FOCUS_RING_JS)

    visited = walk_shopper_pages(browser, live_server, settings, 1280, check)
    print(f"{len(visited)} pages in {time.monotonic() - started:.1f}s")
    failures = [f"{label}: {v}" for label, found_here in found.items() for v in found_here]
    assert not failures, "axe at 1280 px:\n" + "\n".join(failures)


# ------------------------------------------------------------------ the keyboard alone
FOCUSED_JS = """
() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const text = (s) => (s || '').trim().replace(/\\s+/g, ' ');
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  return {
    style: `${style.outlineStyle} ${style.outlineWidth} ${style.boxShadow}`,
    what: `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}`,
    name: text(el.getAttribute('aria-label') || el.innerText || el.value),
    label: text(el.labels && el.labels.length ? el.labels[0].innerText : ''),
    ring: (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2)
      || (style.boxShadow !== 'none' && style.boxShadow !== ''),
    shown: box.width > 1 && box.height > 1,
  };
}
"""


def _focused(page) -> dict | None:
    return page.evaluate(FOCUSED_JS)


def _no_ring(stop: dict) -> bool:
    return not (stop["ring"] and stop["shown"])


def tab_to(page, name: str, *, backwards: bool = False, limit: int = 60) -> dict:
    """Press Tab (or Shift+Tab) until the focused control's name or label starts with
    ``name``; every control passed on the way must show a focus ring."""
    passed = []
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        stop = _focused(page)
        if stop is None:
            continue
        passed.append(stop)
        assert not _no_ring(stop), f"no visible focus on {stop} at {page.url}"
        if stop["name"].startswith(name) or stop["label"].startswith(name):
            return stop
    pytest.fail(f"Tab never reached {name!r} on {page.url}; it went through {passed}")


def test_a_purchase_with_a_saved_card_by_keyboard_alone(browser, live_server, settings):
    """Log in, add to cart, Order from this seller, Accept and pay with the saved card:
    Tab, Shift+Tab, Enter and Space only (and typing into the fields), no clicks."""
    seed_catalog()
    ada = seed_shopper("ada@example.com", "Ada Lovelace", wallet=True)
    card = CardFactory(owner=ada, number="4242424242424242", make_default=True)
    page = anonymous_page(browser, live_server, 1280)
    page.goto("/products/stoneware-coffee-mug/")

    # The first Tab reaches the skip link, which shows itself and jumps past the header.
    page.keyboard.press("Tab")
    skip = _focused(page)
    assert skip["name"] == "Skip to content" and skip["shown"] and skip["ring"], skip
    page.keyboard.press("Enter")
    first_in_main = tab_to(page, "", limit=1)
    assert page.evaluate("document.activeElement.closest('main') !== null"), first_in_main

    tab_to(page, "Log in", backwards=True)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    expect(page.get_by_label("Email")).to_be_focused()  # the form's autofocus
    page.keyboard.type(ada.email)
    tab_to(page, "Password")
    page.keyboard.type("not-my-password")
    page.keyboard.press("Enter")
    # The refusal is announced and takes the focus; the form is one Tab away.
    alert = page.locator("main .alert-danger[role=alert]")
    expect(alert).to_be_focused()
    tab_to(page, "Email")
    page.keyboard.press("Control+a")
    page.keyboard.type(ada.email)
    tab_to(page, "Password")
    page.keyboard.type(DEFAULT_PASSWORD)
    tab_to(page, "Log in")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Stoneware Coffee Mug", level=1)).to_be_visible()

    tab_to(page, "Add to cart")
    page.keyboard.press("Space")
    expect(page.get_by_test_id("cart-count")).to_have_text("1")
    tab_to(page, "Cart", backwards=True)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Your cart")).to_be_visible()
    tab_to(page, "Order from this seller")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Way of payment")).to_be_visible()
    expect(page.get_by_label(f"Visa •••• 4242, expires {card.expiry_display}")).to_be_checked()
    tab_to(page, "Accept and pay")
    page.keyboard.press("Enter")

    expect(page.get_by_test_id("order-status")).to_have_text("Paid")
    expect(page.get_by_role("status").filter(has_text="is paid")).to_be_visible()
    assert Order.objects.get(user=ada).status == OrderStatus.PAID


def test_three_steps_with_a_new_card_by_keyboard_alone(browser, live_server, settings):
    """Order from this seller, Accept and pay, then the payment page: a declined card puts
    the focus on the reason, the shopper types another card, ticks Save card with Space and
    pays with Enter, all without a click."""
    shop = seed_catalog()
    bea = seed_shopper("bea@example.com", "Bea Newcomer", wallet=False)
    cart_add_item(cart=cart_get_or_create_for_user(user=bea), product=shop["mouse"], quantity=1)
    page = signed_in_page(browser, live_server, 1280, bea)
    page.goto("/cart/")
    tab_to(page, "Order from this seller")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("step-count")).to_have_text("Step 1 of 3")
    tab_to(page, "Accept and pay")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("step-count")).to_have_text("Step 2 of 3")

    def type_card(number: str) -> None:
        tab_to(page, "Card number")
        page.keyboard.type(number)
        tab_to(page, "Name on card")
        page.keyboard.press("Control+a")
        page.keyboard.type("Bea Newcomer")
        tab_to(page, "Expiry (MM/YY)")
        page.keyboard.press("Control+a")
        page.keyboard.type("12/39")
        tab_to(page, "CVC")
        page.keyboard.type("123")

    type_card("4000 0000 0000 0002")
    page.keyboard.press("Enter")
    declined = page.locator("main .alert-danger[role=alert]")
    expect(declined).to_be_focused()
    expect(declined).to_contain_text("declined")

    type_card("5555 5555 5555 4444")
    tab_to(page, "Save card")
    page.keyboard.press("Space")
    expect(page.get_by_label("Save card")).to_be_checked()
    tab_to(page, "Pay")
    page.keyboard.press("Enter")

    expect(page.get_by_test_id("order-status")).to_have_text("Paid")
    expect(page.get_by_text("Mastercard •••• 4444 is saved in your wallet.")).to_be_visible()
    assert Order.objects.get(user=bea).status == OrderStatus.PAID


def test_a_form_sent_with_errors_puts_the_focus_on_the_first_one(browser, live_server):
    """Add a card sent empty: the first field in error takes the focus, is marked invalid
    and is described by its message, which a screen reader reads with it."""
    ada = seed_shopper("ada@example.com", "Ada Lovelace", wallet=True)
    page = signed_in_page(browser, live_server, 1280, ada)
    page.goto("/wallet/cards/add/")
    tab_to(page, "Save the card")
    page.keyboard.press("Enter")

    number = page.get_by_label("Card number")
    expect(number).to_be_focused()
    expect(number).to_have_attribute("aria-invalid", "true")
    message = page.locator(f"#{number.get_attribute('aria-describedby').split()[0]}")
    expect(message).to_be_visible()
    expect(message).to_have_class(re.compile("invalid-feedback"))
    assert message.inner_text().strip()


def test_the_processing_page_moves_on_by_itself_once_the_bank_answers(
    browser, live_server, settings
):
    """The processor's answer is lost: the page says the payment is being processed, stays
    put (no reload every few seconds to lose the reader's place) and moves on to the paid
    order by itself once reconciliation hears from the bank."""
    shop = seed_catalog()
    bea = seed_shopper("bea@example.com", "Bea Newcomer", wallet=False)
    cart_add_item(cart=cart_get_or_create_for_user(user=bea), product=shop["mouse"], quantity=1)
    page = signed_in_page(browser, live_server, 1280, bea)
    page.goto("/checkout/tokyo-tech-corner/")
    page.get_by_role("button", name="Accept and pay").click()
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_label("Name on card").fill("Bea Newcomer")
    page.get_by_label("Expiry (MM/YY)").fill("12/39")
    page.get_by_label("CVC").fill("123")
    settings.SIMULATED_GATEWAY_FAULT = "timeout"
    page.get_by_role("button", name="Pay", exact=True).click()
    expect(page.get_by_role("heading", name="Your payment is being processed")).to_be_visible()
    settings.SIMULATED_GATEWAY_FAULT = ""
    assert page.locator('meta[http-equiv="refresh"]').count() == 0

    call_command("reconcile_payments", stdout=StringIO())

    expect(page.get_by_test_id("order-status")).to_have_text("Paid", timeout=12_000)
    assert Order.objects.get(user=bea).status == OrderStatus.PAID
