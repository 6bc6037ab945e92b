"""Support in a real browser: find an order by the customer's email, refund part of it
with a reason, cancel another, mark a bank transfer received (each from the action's own
page, linked from the order page); the shopper sees each."""

import re
import uuid
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from shop.services import order_pay
from support.permissions import SUPPORT_GROUP
from tests.factories import (
    DEFAULT_PASSWORD,
    ProductFactory,
    SellerFactory,
    UserFactory,
    card_data,
    order_placed,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def support_agent():
    agent = UserFactory(email="support@example.com", full_name="Sky Support", is_staff=True)
    agent.groups.add(Group.objects.get(name=SUPPORT_GROUP))
    return agent


@pytest.fixture
def shopper():
    from django.utils import timezone

    from tests.factories import WalletAccountFactory

    ada = UserFactory(email="ada@example.com", full_name="Ada Lovelace")
    WalletAccountFactory(user=ada, confirmed_at=timezone.now())
    return ada


def _order(shopper, *, title, method="new_card"):
    seller = SellerFactory(shipping_fee=Decimal("0.00"))
    product = ProductFactory(seller=seller, title=title, price=Decimal("40.00"), stock=5)
    order = order_placed(user=shopper, product=product)
    extra = {"card_data": card_data("4242424242424242")} if method == "new_card" else {}
    return order_pay(order=order, method=method, idempotency_key=uuid.uuid4().hex, **extra)


def _admin_login(page, email):
    page.goto("/admin/")
    page.locator("#id_username").fill(email)
    page.locator("#id_password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Support dashboard")).to_be_visible()


def _find_order(page, term, number):
    page.goto("/admin/shop/order/")
    page.locator("#searchbar").fill(term)
    page.locator("#searchbar").press("Enter")
    page.get_by_role("link", name=number, exact=True).click()
    expect(page.get_by_role("heading", name=re.compile(number))).to_be_visible()


def _open_action(page, label):
    """On the order page, follow the action's link to its page."""
    page.locator("#bz-order-actions").get_by_role("link", name=label, exact=True).click()
    expect(page.get_by_role("form", name=label)).to_be_visible()
    return page.get_by_role("form", name=label)


def _review_and_confirm(page, label):
    """Review: the confirmation page states the money effects; its button does it."""
    page.get_by_role("button", name="Review").click()
    confirm = page.get_by_role("form", name=f"Confirm {label}")
    expect(confirm).to_be_visible()
    confirm.get_by_role("button", name=label, exact=True).click()


def _switch_to_shopper(page, login, shopper):
    page.context.clear_cookies()
    login(shopper.email, DEFAULT_PASSWORD)


def test_support_finds_an_order_by_email_and_refunds_part_the_shopper_sees_it(
    page, screenshot, login, support_agent, shopper
):
    order = _order(shopper, title="Stoneware Teapot")

    _admin_login(page, "support@example.com")
    screenshot(page, "dashboard")
    _find_order(page, "ada@example.com", order.number)
    refund = _open_action(page, "Refund")
    expect(page.locator("#bz-order-summary")).to_contain_text(order.number)
    expect(page.locator("#bz-order-summary")).to_contain_text("$40.00")
    refund.get_by_label("Amount (USD)").fill("15.00")
    refund.get_by_label("Message to the customer").fill("Lid arrived chipped")
    screenshot(page, "refund-filled")
    _review_and_confirm(page, "Refund")

    expect(page.locator(".messagelist")).to_contain_text(
        f"Refunded $15.00 on {order.number}; $25.00 left to refund."
    )
    audit = page.locator("#bz-audit")
    expect(audit).to_contain_text("support@example.com")
    expect(audit).to_contain_text("Lid arrived chipped")
    expect(page.locator("#bz-refunds")).to_contain_text("$25.00 left to refund")
    screenshot(page, "refunded")
    page.goto("/admin/core/auditentry/")
    entry = page.locator("#result_list tbody tr").filter(has_text=order.number)
    expect(entry).to_contain_text("Refund")
    expect(entry).to_contain_text("Lid arrived chipped")
    expect(entry).to_contain_text("support@example.com")

    _switch_to_shopper(page, login, shopper)
    page.goto(f"/orders/{order.number}/")
    refund_row = page.get_by_test_id("refund-row")
    expect(refund_row).to_contain_text("Lid arrived chipped")
    expect(refund_row).to_contain_text("$15.00")
    screenshot(page, "shopper-order")
    page.goto("/wallet/activity/")
    expect(page.locator("body")).to_contain_text("Refund of $15.00")


def test_support_cancels_one_order_and_marks_a_transfer_received_both_on_record(
    page, screenshot, login, support_agent, shopper
):
    paid = _order(shopper, title="Oak Lamp")
    transfer = _order(shopper, title="Wool Throw", method="bank_transfer")

    _admin_login(page, "support@example.com")
    _find_order(page, paid.number, paid.number)
    cancel = _open_action(page, "Cancel order")
    cancel.get_by_label("Internal note").fill("Customer called: ordered twice")
    _review_and_confirm(page, "Cancel order")
    expect(page.locator(".messagelist")).to_contain_text(
        f"{paid.number} is cancelled: $40.00 refunded to Visa •••• 4242."
    )

    _find_order(page, "ada@example.com", transfer.number)
    _open_action(page, "Mark bank transfer received")
    _review_and_confirm(page, "Mark bank transfer received")
    expect(page.locator(".messagelist")).to_contain_text(
        f"Bank transfer of $40.00 received: {transfer.number} is paid."
    )

    page.goto("/admin/core/auditentry/")
    rows = page.locator("#result_list tbody tr")
    cancelled = rows.filter(has_text=paid.number)
    expect(cancelled).to_contain_text("Cancel order")
    expect(cancelled).to_contain_text("Customer called: ordered twice")
    expect(rows.filter(has_text=transfer.number)).to_contain_text("Mark bank transfer received")
    screenshot(page, "audit-log")

    _switch_to_shopper(page, login, shopper)
    page.goto(f"/orders/{paid.number}/")
    expect(page.locator("main")).to_contain_text("Cancelled")
    page.goto(f"/orders/{transfer.number}/")
    expect(page.locator("main")).to_contain_text("Paid")
    page.goto("/wallet/activity/")
    activity = page.locator("main")
    expect(activity).to_contain_text(f"Refund of $40.00 for {paid.number}")
    expect(activity).to_contain_text(f"Paid $40.00 for {transfer.number} by bank transfer")
    screenshot(page, "shopper-activity")


def _results_overflow(page) -> int:
    """How far the order list reaches past its box (0: no sideways scrolling)."""
    return page.evaluate(
        "() => { const r = document.querySelector('#changelist .results');"
        " return r.scrollWidth - r.clientWidth; }"
    )


def test_the_order_list_fits_1280_px_with_the_sidebar_closed_or_open(
    page, screenshot, support_agent, shopper
):
    for title in ["Oak Lamp", "Wool Throw", "Linen Apron"]:
        _order(shopper, title=title)
    _order(shopper, title="Clay Mug", method="bank_transfer")
    long_email = UserFactory(email="maximilian.featherstonehaugh@correspondence.example.com")
    _order(long_email, title="Brass Bell")

    page.set_viewport_size({"width": 1280, "height": 900})
    _admin_login(page, "support@example.com")
    page.goto("/admin/shop/order/")
    expect(page.get_by_role("columnheader", name="Paid")).to_be_visible()
    expect(page.locator("#main")).not_to_have_class(re.compile(r"\bshifted\b"))
    assert _results_overflow(page) == 0
    screenshot(page, "order-list-1280")

    page.get_by_role("button", name="Toggle navigation").click()
    expect(page.locator("#nav-sidebar")).to_be_visible()
    assert _results_overflow(page) == 0
    screenshot(page, "order-list-1280-sidebar-open")


def test_on_a_phone_the_order_lists_status_pills_break_between_words_only(
    page, screenshot, support_agent, shopper
):
    _order(shopper, title="Oak Lamp")
    _order(shopper, title="Clay Mug", method="bank_transfer")

    page.set_viewport_size({"width": 390, "height": 844})
    _admin_login(page, "support@example.com")
    page.goto("/admin/shop/order/")
    pills = page.locator("#result_list .bz-status")
    expect(pills).to_have_count(2)
    # Each line of a pill holds whole words: no word is split over two lines ("Pai|d").
    split = page.evaluate(
        """() => [...document.querySelectorAll('#result_list .bz-status')].flatMap((pill) => {
          const words = [];
          const range = document.createRange();
          const text = pill.firstChild;
          let start = 0;
          for (const word of text.textContent.split(' ')) {
            range.setStart(text, start);
            range.setEnd(text, start + word.length);
            if (range.getClientRects().length > 1) words.push(word);
            start += word.length + 1;
          }
          return words;
        })"""
    )
    assert split == []
    expect(pills.filter(has_text="Paid")).to_be_visible()
    expect(pills.filter(has_text="Waiting for payment")).to_be_visible()
    screenshot(page, "order-list-390")


def test_a_refund_refused_because_another_agent_refunded_meanwhile_keeps_what_was_typed(
    page, screenshot, support_agent, shopper
):
    from shop.services import order_refund

    order = _order(shopper, title="Stoneware Jug")
    _admin_login(page, "support@example.com")
    _find_order(page, "ada@example.com", order.number)
    refund = _open_action(page, "Refund")
    order_refund(order=order, amount=Decimal("30.00"), reason="Other agent", by=support_agent)
    refund.get_by_label("Amount (USD)").fill("25.00")
    refund.get_by_label("Message to the customer").fill("Handle came off")
    refund.get_by_role("button", name="Review").click()

    refund = page.get_by_role("form", name="Refund")
    expect(refund).to_contain_text("$25.00 is more than is left to refund ($10.00)")
    expect(refund.get_by_label("Amount (USD)")).to_have_value("25.00")
    expect(refund.get_by_label("Message to the customer")).to_have_value("Handle came off")
    screenshot(page, "refund-refused")
