"""Buy now in Chromium: two steps from the product page with a saved card, three without
(the payment page follows, with Save card); the cart is left as it was."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from shop.models import CartLine, Order, OrderStatus
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
PAY_URL = re.compile(r"/orders/BZ-\d{6}/pay/$")


@pytest.fixture
def shopper(transactional_db):
    user = UserFactory(email="ada@example.com", full_name="Ada Lovelace")
    AddressFactory(user=user, full_name="Ada Lovelace", line1="12 Analytical Row")
    seller = SellerFactory(name="Nordic Home Goods", slug="nordic-home-goods")
    ProductFactory(seller=seller, title="Oak Bedside Lamp", slug="oak-bedside-lamp", stock=4)
    mug = ProductFactory(seller=seller, title="Stoneware Mug", price=Decimal("18.50"))
    cart_add_item(cart=cart_get_or_create_for_user(user=user), product=mug, quantity=1)
    return user


def _buy_now(page, login, user, quantity: str) -> None:
    login(user.email, DEFAULT_PASSWORD)
    page.goto("/products/oak-bedside-lamp/")
    page.get_by_label("Quantity").fill(quantity)
    page.get_by_role("button", name="Buy now").click()  # step 1
    expect(page.get_by_role("heading", name="Buy Oak Bedside Lamp")).to_be_visible()


def test_buy_now_with_a_saved_card_is_two_steps(page, login, screenshot, shopper):
    CardFactory(owner=shopper)
    _buy_now(page, login, shopper, "2")
    expect(page.get_by_text("Qty 2")).to_be_visible()
    screenshot(page, "buy-now-order-page")

    page.get_by_role("button", name="Accept and pay").click()  # step 2

    expect(page).to_have_url(ORDER_URL)
    expect(page.get_by_test_id("order-status")).to_have_text("Paid")
    order = Order.objects.get()
    assert order.status == OrderStatus.PAID
    assert order.lines.get().quantity == 2
    assert list(CartLine.objects.values_list("product__title", flat=True)) == ["Stoneware Mug"]


def test_buy_now_without_a_saved_card_is_three_steps_with_save_card(
    page, login, screenshot, shopper
):
    _buy_now(page, login, shopper, "1")
    page.get_by_role("button", name="Accept and pay").click()  # step 2

    expect(page).to_have_url(PAY_URL)
    page.get_by_label("Card number").fill("5555 5555 5555 4444")
    page.get_by_label("Name on card").fill("Ada Lovelace")
    page.get_by_label("Expiry (MM/YY)").fill("12/39")
    page.get_by_label("CVC").fill("123")
    page.get_by_label("Save card").check()
    screenshot(page, "buy-now-payment-page")
    page.get_by_role("button", name="Pay", exact=True).click()  # step 3

    expect(page).to_have_url(ORDER_URL)
    expect(page.get_by_test_id("order-status")).to_have_text("Paid")
    assert Card.objects.get(owner=shopper).display == "Mastercard •••• 4444"
