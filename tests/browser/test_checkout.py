"""Checkout in Chromium: two steps with a saved card, three without, and Other payment
methods while the saved default card stays linked. Screenshots: test-artifacts/."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from shop.models import Order, OrderStatus
from shop.services import cart_add_item, cart_get_or_create_for_user
from tests.factories import (
    DEFAULT_PASSWORD,
    AddressFactory,
    CardFactory,
    ProductFactory,
    SellerFactory,
    UserFactory,
)
from wallet.models import Card

ORDER_URL = re.compile(r"/orders/BZ-\d{6}/$")
PAY_URL = re.compile(r"/orders/BZ-\d{6}/pay/(\?way=other)?$")


@pytest.fixture
def shopper(transactional_db):
    user = UserFactory(email="ada@example.com", full_name="Ada Lovelace")
    AddressFactory(user=user, full_name="Ada Lovelace", line1="12 Analytical Row")
    seller = SellerFactory(
        name="Nordic Home Goods",
        slug="nordic-home-goods",
        shipping_fee=Decimal("6.90"),
        free_shipping_threshold=Decimal("60.00"),
    )
    mug = ProductFactory(seller=seller, title="Stoneware Coffee Mug", price=Decimal("18.50"))
    cart_add_item(cart=cart_get_or_create_for_user(user=user), product=mug, quantity=2)
    return user


def _to_order_page(page, login, screenshot, user):
    login(user.email, DEFAULT_PASSWORD)
    page.goto("/cart/")
    page.get_by_role("link", name="Order from this seller").click()  # step 1
    expect(page.get_by_role("heading", name="Way of payment")).to_be_visible()
    screenshot(page, "order-page")


def _fill_card(page, number: str) -> None:
    page.get_by_label("Card number").fill(number)
    page.get_by_label("Name on card").fill("Ada Lovelace")
    page.get_by_label("Expiry (MM/YY)").fill("12/39")
    page.get_by_label("CVC").fill("123")


def test_two_steps_from_cart_to_a_paid_order_with_a_saved_card(page, login, screenshot, shopper):
    card = CardFactory(owner=shopper)
    _to_order_page(page, login, screenshot, shopper)
    default = page.get_by_label(f"Visa •••• 4242, expires {card.expiry_display}")
    expect(default).to_be_checked()
    expect(page.get_by_test_id("step-count")).to_have_text("Step 1 of 2")

    page.get_by_role("button", name="Accept and pay").click()  # step 2

    expect(page).to_have_url(ORDER_URL)
    order = Order.objects.get()
    expect(page.get_by_text(f"Thank you! Order {order.number} is paid.")).to_be_visible()
    expect(page.get_by_test_id("order-status")).to_have_text("Paid")
    screenshot(page, "paid-order")
    assert order.status == OrderStatus.PAID


def test_three_steps_without_a_saved_card_and_save_card_links_it(page, login, screenshot, shopper):
    _to_order_page(page, login, screenshot, shopper)
    expect(page.get_by_text("You'll enter your card on the next page.")).to_be_visible()
    expect(page.get_by_test_id("step-count")).to_have_text("Step 1 of 3")
    page.get_by_role("button", name="Accept and pay").click()  # step 2

    expect(page).to_have_url(PAY_URL)
    expect(page.get_by_test_id("step-count")).to_have_text("Step 2 of 3")
    # The note by Pay follows the way of paying: none about card details for a transfer.
    card_note = page.get_by_text("card details go straight to the card processor")
    expect(card_note).to_be_visible()
    page.get_by_label("Bank transfer").check()
    expect(card_note).to_be_hidden()
    expect(page.get_by_text("our bank details come next")).to_be_visible()
    save = page.get_by_label("Save card")
    expect(save).not_to_be_checked()
    _fill_card(page, "5555 5555 5555 4444")
    save.check()
    screenshot(page, "payment-page")
    page.get_by_role("button", name="Pay", exact=True).click()  # step 3

    expect(page).to_have_url(ORDER_URL)
    expect(page.get_by_test_id("order-status")).to_have_text("Paid")
    expect(page.get_by_text("Mastercard •••• 4444 is saved in your wallet.")).to_be_visible()
    screenshot(page, "paid-order")
    card = Card.objects.get(owner=shopper)
    assert card.display == "Mastercard •••• 4444"
    assert card.is_default


def test_the_note_by_pay_follows_a_way_picked_before_the_page_script_ran(
    page, login, screenshot, shopper
):
    # On a slow line (or a page the browser restores on Back) the shopper can pick a way
    # before order_pay.js runs: no change event reaches it, and the note must still follow.
    held = []
    page.route(re.compile(r"/js/order_pay[^/]*\.js$"), lambda route: held.append(route))
    _to_order_page(page, login, screenshot, shopper)
    page.get_by_role("button", name="Accept and pay").click()
    expect(page).to_have_url(PAY_URL)

    page.get_by_label("Bank transfer").check()
    for _ in range(100):  # the script was asked for, and is held
        if held:
            break
        page.wait_for_timeout(50)
    assert len(held) == 1
    held[0].continue_()

    expect(page.get_by_text("card details go straight to the card processor")).to_be_hidden()
    expect(page.get_by_text("our bank details come next")).to_be_visible()


def test_other_payment_methods_while_the_saved_default_card_stays_linked(
    page, login, screenshot, shopper
):
    saved = CardFactory(owner=shopper)
    _to_order_page(page, login, screenshot, shopper)
    page.get_by_label("Other payment methods").check()
    page.get_by_role("button", name="Accept and pay").click()

    expect(page).to_have_url(PAY_URL)
    # The saved card was passed over on the order page, so it isn't picked here.
    expect(page.get_by_label("A new card")).to_be_checked()
    _fill_card(page, "4000 0000 0000 9995")
    page.get_by_role("button", name="Pay", exact=True).click()
    expect(page.get_by_text("Your card has insufficient funds.")).to_be_visible()
    # The same page again: the name and expiry kept, the number and CVC typed afresh.
    expect(page.get_by_label("Card number")).to_have_value("")
    expect(page.get_by_label("CVC")).to_have_value("")
    expect(page.get_by_label("Name on card")).to_have_value("Ada Lovelace")
    expect(page.get_by_label("A new card")).to_be_checked()
    screenshot(page, "declined")

    page.get_by_label("Card number").fill("3782 822463 10005")
    page.get_by_label("CVC").fill("7351")
    page.get_by_role("button", name="Pay", exact=True).click()

    expect(page).to_have_url(ORDER_URL)
    expect(page.get_by_test_id("order-status")).to_have_text("Paid")
    expect(page.get_by_text("American Express •••• 0005").first).to_be_visible()
    screenshot(page, "paid-another-way")
    saved.refresh_from_db()
    assert saved.is_active and saved.is_default
    assert Card.objects.filter(owner=shopper).count() == 1


def _sent_once(page, test_id: str):
    """Click the button twice while the processor is slow. The form is sent to a new tab
    so this page stays to be looked at: the button is disabled at once, the second click
    sends nothing, and the first request completes in the other tab. Clicked once the
    page's deferred scripts have run (DOMContentLoaded): before that, nothing disables it
    and only the server's one-time token stops the second request."""
    page.wait_for_load_state("domcontentloaded")
    page.evaluate(
        '(testId) => { document.querySelector(`[data-testid="${testId}"]`).form.target ='
        ' "_blank"; }',
        test_id,
    )
    button = page.get_by_test_id(test_id)
    with page.context.expect_page() as result:
        button.click()
    assert button.is_disabled()
    button.click(force=True, no_wait_after=True)
    result.value.wait_for_url(ORDER_URL)
    return result.value


def test_pay_disables_itself_after_the_first_click(page, login, shopper, settings):
    from wallet.gateways.models import SimulatedCharge

    _to_order_page(page, login, lambda *args: None, shopper)
    page.get_by_role("button", name="Accept and pay").click()
    expect(page).to_have_url(PAY_URL)
    _fill_card(page, "4242 4242 4242 4242")
    settings.SIMULATED_GATEWAY_LATENCY_MS = 1500

    paid = _sent_once(page, "pay")

    expect(paid.get_by_test_id("order-status")).to_have_text("Paid")
    assert SimulatedCharge.objects.count() == 1


def test_accept_and_pay_disables_itself_after_the_first_click(page, login, shopper, settings):
    from wallet.gateways.models import SimulatedCharge

    CardFactory(owner=shopper)
    _to_order_page(page, login, lambda *args: None, shopper)
    settings.SIMULATED_GATEWAY_LATENCY_MS = 1500

    paid = _sent_once(page, "accept-and-pay")

    expect(paid.get_by_test_id("order-status")).to_have_text("Paid")
    assert SimulatedCharge.objects.count() == 1
