"""Ship to a new address in Chromium: the order page comes without the address form when a
saved address is preselected; choosing "Ship to a new address" brings it, focused, and the
order ships there. Screenshots: test-artifacts/."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from shop.models import Order
from shop.services import cart_add_item, cart_get_or_create_for_user
from tests.factories import (
    DEFAULT_PASSWORD,
    AddressFactory,
    ProductFactory,
    SellerFactory,
    UserFactory,
)

PAY_URL = re.compile(r"/orders/BZ-\d{6}/pay/$")


@pytest.fixture
def shopper(transactional_db):
    user = UserFactory(email="ada@example.com", full_name="Ada Lovelace")
    AddressFactory(user=user, full_name="Ada Lovelace", line1="12 Analytical Row")
    seller = SellerFactory(name="Nordic Home Goods", slug="nordic-home-goods")
    mug = ProductFactory(seller=seller, title="Stoneware Coffee Mug", price=Decimal("18.50"))
    cart_add_item(cart=cart_get_or_create_for_user(user=user), product=mug, quantity=1)
    return user


def test_ship_to_a_new_address_brings_the_form_and_the_order_ships_there(
    page, login, screenshot, shopper
):
    login(shopper.email, DEFAULT_PASSWORD)
    page.goto("/cart/")
    page.get_by_role("link", name="Order from this seller").click()
    expect(page.get_by_role("heading", name="Ship to")).to_be_visible()
    expect(page.get_by_label("Address line 1")).to_have_count(0)

    page.get_by_label("Ship to a new address").check()

    line1 = page.get_by_label("Address line 1")
    expect(line1).to_be_visible()
    expect(page.get_by_label("Ship to a new address")).to_be_checked()
    expect(page.get_by_label("Full name")).to_be_focused()
    screenshot(page, "order-page-new-address")
    page.get_by_label("Full name").fill("Grace Hopper")
    line1.fill("7 Navy Yard")
    page.get_by_label("City").fill("Arlington")
    page.get_by_label("State / region").fill("VA")
    page.get_by_label("Postal code").fill("22201")
    page.get_by_label("Country").select_option("US")

    page.get_by_role("button", name="Accept and pay").click()

    expect(page).to_have_url(PAY_URL)
    assert Order.objects.get().shipping_address.full_name == "Grace Hopper"
    assert shopper.addresses.count() == 2
