"""Accessibility in Chromium: axe-core finds no serious or critical violation on any page a
shopper can reach (tests/browser/shopper_pages.py walks them); errors are announced; every
control shows where the focus is; a purchase can be made with the keyboard alone."""

import time

import pytest
from playwright.sync_api import expect

from shop.models import Order, OrderStatus
from tests.browser.shopper_pages import (
    anonymous_page,
    seed_catalog,
    seed_shopper,
    walk_shopper_pages,
)
from tests.factories import DEFAULT_PASSWORD, CardFactory

SERIOUS = {"serious", "critical"}

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
    started = time.monotonic()

    def check(label, page):
        found[label] = axe_serious(axe, page) + page.evaluate(UNANNOUNCED_ERRORS_JS)

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
