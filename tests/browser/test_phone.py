"""Phones (375 px wide) in Chromium: on every page a shopper can reach
(tests/browser/shopper_pages.py), axe-core finds no serious or critical violation, nothing
scrolls sideways, every visible control is a touch target at least 44 px tall, and columns
stacked one above the other are one gutter apart, like the cards in them. The cart's
seller groups and the Way of payment block are photographed to be looked at."""

import time

from django.utils import timezone

from tests.browser.conftest import ARTIFACTS
from tests.browser.shopper_pages import walk_shopper_pages
from tests.browser.test_accessibility import axe_serious

PHONE = 375
MIN_TARGET = 44

# Every visible a, button, input, select, textarea, summary and [role=button] is measured.
# The one exception is a link in running text (WCAG 2.5.8's "inline" exception): an <a>
# laid out inline whose block holds text outside the link, like "Forgot your password?"
# inside a sentence. A tick box or radio button is measured together with its label, which
# is what a finger presses. Visually hidden elements (the skip link until focused) are skipped.
SMALL_TARGETS_JS = """
(min) => {
  const controls = document.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button]');
  const small = [];
  const describe = (el) => {
    const text = (el.innerText || el.value || el.getAttribute('aria-label') || el.name || '')
      .trim().replace(/\\s+/g, ' ').slice(0, 40);
    return `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''} "${text}"`;
  };
  const inRunningText = (el) => {
    if (el.tagName !== 'A' || getComputedStyle(el).display !== 'inline') return false;
    let block = el.parentElement;
    while (block && getComputedStyle(block).display === 'inline') block = block.parentElement;
    if (!block) return false;
    const own = el.textContent.replace(/\\s+/g, '');
    const all = block.textContent.replace(/\\s+/g, '');
    return all.length > own.length;
  };
  for (const el of controls) {
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none') continue;
    let box = el.getBoundingClientRect();
    if (box.width <= 1 || box.height <= 1) continue;  // visually hidden
    if (el.type === 'checkbox' || el.type === 'radio') {
      for (const label of el.labels || []) {
        const l = label.getBoundingClientRect();
        const top = Math.min(box.top, l.top), bottom = Math.max(box.bottom, l.bottom);
        box = {height: bottom - top};
      }
    }
    if (inRunningText(el)) continue;
    if (box.height < min - 0.5) small.push(`${describe(el)} ${Math.round(box.height)}px`);
  }
  return small;
}
"""

SIDEWAYS_JS = """
() => {
  const root = document.scrollingElement;
  if (root.scrollWidth <= window.innerWidth) return null;
  const wide = [...document.querySelectorAll('body *')]
    .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 0.5)
    .slice(0, 3).map((el) => el.tagName.toLowerCase() + (el.className ? '.' +
      String(el.className).trim().split(/\\s+/).join('.') : ''));
  return `${root.scrollWidth}px wide (${wide.join(', ')})`;
}
"""

# Columns stacked on a phone: the first card of a column sits one gutter (g-4: 24 px) below
# the last card of the column before it, as the cards within a column do; not a gutter
# and the last card's own margin.
STACKED_GAPS_JS = """
(gutter) => {
  const wide = [];
  for (const row of document.querySelectorAll('main .row.g-4')) {
    const cols = [...row.children].filter((col) => col.getClientRects().length);
    for (let i = 0; i + 1 < cols.length; i++) {
      if (cols[i + 1].getBoundingClientRect().top < cols[i].getBoundingClientRect().bottom - 1)
        continue;  // side by side
      const last = cols[i].lastElementChild, first = cols[i + 1].firstElementChild;
      if (!last?.classList.contains('bz-card') || !first?.classList.contains('bz-card'))
        continue;  // a heading or text between them
      const gap = first.getBoundingClientRect().top - last.getBoundingClientRect().bottom;
      if (gap > gutter + 0.5)
        wide.push(`column ${i + 2} starts ${Math.round(gap)}px below column ${i + 1}'s last card`);
    }
  }
  return wide;
}
"""
GUTTER = 24

SHOTS = {
    "cart, two sellers": "cart-by-seller",
    "order page, saved card": "way-of-payment-saved-card",
    "payment page, CAPTCHA": "payment-page-captcha",
    "account menu open": "account-menu",
    "home": "home",
}


def test_every_shopper_page_fits_a_phone(browser, live_server, settings):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    problems: list[str] = []
    started = time.monotonic()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def check(label, page):
        problems.extend(f"{label}: axe {v}" for v in axe_serious(axe, page))
        sideways = page.evaluate(SIDEWAYS_JS)
        if sideways:
            problems.append(f"{label}: scrolls sideways, {sideways}")
        problems.extend(
            f"{label}: under {MIN_TARGET}px tall: {small}"
            for small in page.evaluate(SMALL_TARGETS_JS, MIN_TARGET)
        )
        problems.extend(
            f"{label}: {gap}, not one {GUTTER}px gutter"
            for gap in page.evaluate(STACKED_GAPS_JS, GUTTER)
        )
        if label in SHOTS:
            page.screenshot(path=str(ARTIFACTS / f"phone--{SHOTS[label]}.png"), full_page=True)

    visited = walk_shopper_pages(browser, live_server, settings, PHONE, check)
    print(f"{len(visited)} pages at {PHONE} px in {time.monotonic() - started:.1f}s")
    assert len(visited) >= 50
    assert not problems, f"{len(problems)} problems at {PHONE} px:\n" + "\n".join(problems)


def test_a_place_name_longer_than_the_line_breaks_inside_the_order_page(browser, live_server):
    """An address with one word wider than a phone (a real Welsh place name) wraps inside
    its choice box on the order page; the page does not scroll sideways."""
    from tests.browser.shopper_pages import seed_shopper, signed_in_page
    from tests.factories import AddressFactory, CartFactory, CartLineFactory, ProductFactory

    shopper = seed_shopper("gwen@example.com", "Gwen Pritchard", wallet=False)
    AddressFactory(
        user=shopper,
        full_name="Gwen Pritchard",
        line1="1 Station Road",
        city="Llanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogoch",
        region="",
        postal_code="LL61 5UJ",
        country="GB",
        last_used_at=timezone.now(),
    )
    product = ProductFactory()
    CartLineFactory(cart=CartFactory(user=shopper), product=product)
    page = signed_in_page(browser, live_server, PHONE, shopper)
    try:
        page.goto(f"/checkout/{product.seller.slug}/")
        assert page.get_by_text("Llanfairpwllgwyngyll", exact=False).is_visible()
        assert page.evaluate(SIDEWAYS_JS) is None
    finally:
        page.context.close()


def test_on_a_phone_every_orders_status_and_total_keep_to_the_right(browser, live_server):
    """A long status ("Waiting for your bank transfer") wraps within its half of the row
    instead of pushing the total under the order's details, and an order number never
    breaks after its hyphen."""
    from shop.models import Order, OrderStatus
    from shop.services import order_cancel, order_pay
    from tests.browser.shopper_pages import seed_shopper, signed_in_page
    from tests.factories import order_placed

    shopper = seed_shopper("bea@example.com", "Bea Marsh", wallet=False)
    paid, waiting, cancelled = (order_placed(user=shopper) for _ in range(3))
    order_pay(order=waiting, method="bank_transfer", idempotency_key="phone-transfer")
    order_cancel(order=cancelled)
    Order.objects.filter(pk=paid.pk).update(status=OrderStatus.PAID)
    page = signed_in_page(browser, live_server, PHONE, shopper)
    try:
        page.goto("/orders/")
        rows = page.evaluate(
            """() => [...document.querySelectorAll('[data-testid=order-row]')].map((row) => {
              const box = row.getBoundingClientRect();
              const end = row.querySelector('.fw-semibold.text-nowrap:last-child');
              const number = row.querySelector('a');
              return {status: row.querySelector('[data-testid=order-status]').innerText,
                      right: Math.round(box.right - end.getBoundingClientRect().right),
                      numberLines: number.getClientRects().length};
            })"""
        )
        assert {row["status"] for row in rows} >= {"Paid", "Waiting for your bank transfer"}
        assert len({row["right"] for row in rows}) == 1, rows  # every total at the right edge
        assert all(row["numberLines"] == 1 for row in rows), rows
        assert page.evaluate(SIDEWAYS_JS) is None
    finally:
        page.context.close()
