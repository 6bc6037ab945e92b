"""Checkout races with real threads and transactions (PostgreSQL; skipped on SQLite unless
REQUIRE_POSTGRES_TESTS=1 makes that a failure, see tests/wallet/conftest.py)."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from shop.exceptions import CheckoutError
from shop.models import Order, Product
from shop.services import cart_add_item, cart_get_or_create_for_user, order_place
from tests.factories import AddressFactory, CardFactory, ProductFactory, UserFactory
from tests.wallet.conftest import run_concurrently
from wallet.gateways.models import SimulatedCharge
from wallet.models import Card, Payment

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _shopper_with(product, quantity=1):
    user = UserFactory()
    address = AddressFactory(user=user)
    cart = cart_get_or_create_for_user(user=user)
    cart_add_item(cart=cart, product=product, quantity=quantity)
    return user, cart, address


@pytest.mark.parametrize("attempt", range(3))
def test_two_shoppers_racing_for_the_last_unit_get_one_order(requires_postgres, attempt):
    product = ProductFactory(stock=1)
    shoppers = [_shopper_with(product) for _ in range(2)]

    def place(user, cart, address):
        return lambda: order_place(
            user=user, cart=cart, seller=product.seller, address=address, token=f"t{user.pk}"
        )

    outcomes = run_concurrently(*(place(*s) for s in shoppers))

    errors = [error for _result, error in outcomes if error is not None]
    assert len(errors) == 1 and isinstance(errors[0], CheckoutError)
    assert Order.objects.count() == 1
    assert Product.objects.get(pk=product.pk).stock == 0


def test_double_submit_of_accept_and_pay_places_one_order_and_charges_once(requires_postgres):
    product = ProductFactory(stock=5)
    user, _cart, _address = _shopper_with(product, 2)
    CardFactory(owner=user)
    url = reverse("shop:checkout", args=[product.seller.slug])
    first = Client()
    first.force_login(user)
    page = first.get(url).content.decode()
    fields = {
        "token": re.search(r'name="token" value="([0-9a-f]+)"', page).group(1),
        "lines": re.search(r'name="lines" value="([^"]*)"', page).group(1),
        "address": re.search(r'name="address"[^>]*value="(\d+)"[^>]*checked', page).group(1),
        "payment": re.search(r'name="payment"[^>]*value="(card-\d+)"[^>]*checked', page).group(1),
    }
    second = Client()
    second.force_login(user)

    outcomes = run_concurrently(lambda: first.post(url, fields), lambda: second.post(url, fields))

    assert [error for _result, error in outcomes] == [None, None]
    order = Order.objects.get()
    assert {result.url for result, _error in outcomes} <= {
        order.get_absolute_url(),
        reverse("shop:order-pay", args=[order.number]),
    }
    assert Order.objects.get().status == "paid"
    assert SimulatedCharge.objects.count() == 1
    assert Payment.objects.count() == 1
    assert Product.objects.get(pk=product.pk).stock == 3


def test_double_submit_of_pay_with_a_new_card_charges_once(requires_postgres):
    product = ProductFactory(stock=5)
    user, cart, address = _shopper_with(product, 1)
    order, _created = order_place(
        user=user, cart=cart, seller=product.seller, address=address, token="a" * 32
    )
    url = reverse("shop:order-pay", args=[order.number])
    first = Client()
    first.force_login(user)
    page = first.get(url).content.decode()
    fields = {
        "token": re.search(r'name="token" value="([0-9a-f]{32})"', page).group(1),
        "method": "new",
        "number": "4242 4242 4242 4242",
        "name": "Ada Lovelace",
        "expiry": "12/39",
        "cvc": "123",
        "save_card": "on",
    }
    second = Client()
    second.force_login(user)

    outcomes = run_concurrently(lambda: first.post(url, fields), lambda: second.post(url, fields))

    assert [error for _result, error in outcomes] == [None, None]
    assert Order.objects.get().status == "paid"
    assert SimulatedCharge.objects.filter(status="succeeded").count() == 1
    assert Payment.objects.filter(status="succeeded").count() == 1
    assert Card.objects.filter(owner=user).count() == 1
