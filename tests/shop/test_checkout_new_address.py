"""The order page renders the new-address form (and its country list) only when it is
wanted: no saved address, "Ship to a new address" chosen, or a posted one shown again."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from shop.models import Order
from shop.services import cart_add_item, cart_get_or_create_for_user
from tests.factories import AddressFactory, CardFactory, ProductFactory, UserFactory

NEW_ADDRESS_FIELD = 'name="shipping-line1"'


@pytest.fixture
def product(db):
    return ProductFactory(title="Garden hose")


@pytest.fixture
def shopper(product):
    user = UserFactory()
    cart_add_item(cart=cart_get_or_create_for_user(user=user), product=product, quantity=1)
    return user


def _order_page(client, product, **params):
    response = client.get(reverse("shop:checkout", args=[product.seller.slug]), params)
    assert response.status_code == 200
    return response.content.decode()


def _checked(page: str, name: str) -> str:
    match = re.search(rf'name="{name}"[^>]*value="([^"]+)"[^>]*checked', page)
    return match.group(1) if match else ""


def test_with_a_saved_address_the_new_address_form_is_not_rendered(client, shopper, product):
    address = AddressFactory(user=shopper, last_used_at=timezone.now())
    client.force_login(shopper)
    page = _order_page(client, product)
    assert NEW_ADDRESS_FIELD not in page
    assert 'name="shipping-country"' not in page
    assert _checked(page, "address") == str(address.pk)
    assert "Ship to a new address" in page  # still offered


def test_choosing_a_new_address_brings_the_form_and_keeps_the_way_of_payment(
    client, shopper, product
):
    AddressFactory(user=shopper)
    CardFactory(owner=shopper, make_default=True)
    client.force_login(shopper)
    page = _order_page(client, product, address="new", payment="other")
    assert NEW_ADDRESS_FIELD in page
    assert 'autocomplete="address-line1"' in page
    assert _checked(page, "address") == "new"
    assert _checked(page, "payment") == "other"


def test_a_payment_that_is_not_offered_is_ignored(client, shopper, product):
    AddressFactory(user=shopper)
    card = CardFactory(owner=shopper, make_default=True)
    client.force_login(shopper)
    page = _order_page(client, product, address="new", payment="card-999999")
    assert _checked(page, "payment") == f"card-{card.pk}"


def test_without_a_saved_address_the_form_is_there_from_the_start(client, shopper, product):
    client.force_login(shopper)
    page = _order_page(client, product)
    assert NEW_ADDRESS_FIELD in page
    # Nothing to choose: no lone radio button, the address is simply asked for.
    assert 'type="radio" name="address"' not in page
    assert '<input type="hidden" name="address" value="new">' in page
    assert "Enter the shipping address" in page


def test_a_new_address_chosen_without_its_fields_shows_them_with_errors(client, shopper, product):
    """Without JavaScript: pick "Ship to a new address", press Accept and pay."""
    AddressFactory(user=shopper)
    client.force_login(shopper)
    page = _order_page(client, product)
    fields = {
        "token": re.search(r'name="token" value="([0-9a-f]{32})"', page).group(1),
        "lines": re.search(r'name="lines" value="([^"]*)"', page).group(1),
        "address": "new",
        "payment": "other",
    }
    response = client.post(reverse("shop:checkout", args=[product.seller.slug]), fields)
    assert response.status_code == 200
    assert NEW_ADDRESS_FIELD in response.content.decode()
    assert response.context["address_form"].has_error("line1", "required")
    assert Order.objects.count() == 0
