"""Buy now: the order page for one product and quantity, straight from the product page;
two steps with a saved card (Buy now -> Accept and pay), three without; the cart is left
as it was and stock is reserved only at Accept and pay."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from shop.models import CartLine, Order, OrderStatus, Product
from shop.services import cart_add_item, cart_get_or_create_for_user
from tests.factories import (
    DEFAULT_PASSWORD,
    AddressFactory,
    CardFactory,
    ProductFactory,
    SellerFactory,
)
from tests.shop.conftest import messages_of
from wallet.gateways.models import SimulatedCharge

pytestmark = pytest.mark.django_db


@pytest.fixture
def lamp(db):
    seller = SellerFactory(
        name="Nordic Home",
        slug="nordic-home",
        shipping_fee=Decimal("6.90"),
        free_shipping_threshold=Decimal("200.00"),
    )
    return ProductFactory(
        seller=seller, title="Oak Lamp", slug="oak-lamp", price=Decimal("40.00"), stock=3
    )


@pytest.fixture
def shopper(user):
    AddressFactory(user=user, full_name="Ada Lovelace")
    return user


def buy_url(product) -> str:
    return reverse("shop:buy-now", args=[product.slug])


def order_page(client, product, quantity=1):
    response = client.post(buy_url(product), {"quantity": quantity})
    assert response.status_code == 200, messages_of(response)
    return response


def accept_and_pay(client, product, page, **override):
    html = page.content.decode()
    fields = {
        "token": re.search(r'name="token" value="([0-9a-f]{32})"', html).group(1),
        "lines": re.search(r'name="lines" value="([^"]*)"', html).group(1),
        "quantity": re.search(r'name="quantity" value="(\d+)"', html).group(1),
        "address": re.search(r'name="address"[^>]*value="(\d+)"[^>]*checked', html).group(1),
        "payment": re.search(r'name="payment"[^>]*value="([^"]+)"[^>]*checked', html).group(1)
        if 'type="radio" name="payment"' in html
        else "other",
        **override,
    }
    return client.post(buy_url(product), fields)


def test_the_product_page_offers_buy_now_beside_add_to_cart(client, lamp):
    page = client.get(lamp.get_absolute_url()).content.decode()
    assert "Add to cart" in page
    assert f'formaction="{buy_url(lamp)}"' in page and ">Buy now<" in page


def test_a_sold_out_product_has_no_buy_now_and_a_delisted_one_no_page(client, lamp):
    Product.objects.filter(pk=lamp.pk).update(stock=0)
    assert "Buy now" not in client.get(lamp.get_absolute_url()).content.decode()
    Product.objects.filter(pk=lamp.pk).update(stock=3, is_active=False)
    assert client.get(lamp.get_absolute_url()).status_code == 404


def test_two_steps_with_a_saved_card_and_the_cart_left_as_it_was(client, shopper, lamp):
    card = CardFactory(owner=shopper)
    mug = ProductFactory(title="Mug")
    cart_add_item(cart=cart_get_or_create_for_user(user=shopper), product=mug, quantity=1)
    client.force_login(shopper)

    page = order_page(client, lamp, quantity=2)  # step 1: Buy now
    html = page.content.decode()
    assert "Buy Oak Lamp" in html and "Qty 2" in html
    assert f'"text-nowrap">Visa •••• 4242</span>, expires {card.expiry_display}' in html
    assert Product.objects.get(pk=lamp.pk).stock == 3  # nothing reserved yet

    response = accept_and_pay(client, lamp, page)  # step 2: Accept and pay

    order = Order.objects.get()
    assert response.status_code == 302 and response.url == order.get_absolute_url()
    assert order.status == OrderStatus.PAID
    assert order.total == Decimal("86.90")
    assert [(line.title, line.quantity) for line in order.lines.all()] == [("Oak Lamp", 2)]
    assert Product.objects.get(pk=lamp.pk).stock == 1
    assert list(CartLine.objects.values_list("product__title", "quantity")) == [("Mug", 1)]


def test_three_steps_without_a_saved_card(client, shopper, lamp):
    client.force_login(shopper)
    page = order_page(client, lamp)
    assert "You'll enter your card on the next page." in page.content.decode()

    response = accept_and_pay(client, lamp, page)

    order = Order.objects.get()
    assert response.url == reverse("shop:order-pay", args=[order.number])
    assert order.status == OrderStatus.PENDING_PAYMENT


def test_other_payment_methods_goes_to_the_payment_page(client, shopper, lamp):
    CardFactory(owner=shopper)
    client.force_login(shopper)
    page = order_page(client, lamp)

    response = accept_and_pay(client, lamp, page, payment="other")

    order = Order.objects.get()
    assert response.url == reverse("shop:order-pay", args=[order.number]) + "?way=other"
    assert not SimulatedCharge.objects.exists()


def test_more_than_the_stock_is_refused_on_the_product_page(client, shopper, lamp):
    client.force_login(shopper)
    response = client.post(buy_url(lamp), {"quantity": 5}, follow=True)

    assert response.redirect_chain[-1][0] == lamp.get_absolute_url()
    assert messages_of(response) == ["Only 3 left of Oak Lamp. Choose a smaller quantity."]
    assert not Order.objects.exists()


@pytest.mark.parametrize("quantity", ["0", "-1", "abc", "100", ""])
def test_a_bad_quantity_is_refused_with_a_message(client, shopper, lamp, quantity):
    client.force_login(shopper)
    response = client.post(buy_url(lamp), {"quantity": quantity}, follow=True)
    assert response.redirect_chain[-1][0] == lamp.get_absolute_url()
    assert messages_of(response)
    assert not Order.objects.exists()


def test_stock_running_out_before_accept_and_pay_is_said_on_the_order_page(client, shopper, lamp):
    CardFactory(owner=shopper)
    client.force_login(shopper)
    page = order_page(client, lamp, quantity=2)
    Product.objects.filter(pk=lamp.pk).update(stock=1)

    response = accept_and_pay(client, lamp, page)

    assert response.status_code == 200
    assert "Only 1 left of Oak Lamp" in response.content.decode()
    assert not Order.objects.exists() and not SimulatedCharge.objects.exists()


def test_a_double_submit_places_one_order_and_charges_once(client, shopper, lamp):
    CardFactory(owner=shopper)
    client.force_login(shopper)
    page = order_page(client, lamp, quantity=3)

    first = accept_and_pay(client, lamp, page)
    again = accept_and_pay(client, lamp, page)  # the last unit is gone: still the same order

    order = Order.objects.get()
    assert first.url == again.url == order.get_absolute_url()
    assert SimulatedCharge.objects.count() == 1
    assert Product.objects.get(pk=lamp.pk).stock == 0


def test_buy_now_needs_an_account_and_a_get_goes_back_to_the_product(client, shopper, lamp):
    anonymous = client.post(buy_url(lamp), {"quantity": 1})
    assert anonymous.status_code == 302 and reverse("accounts:login") in anonymous.url
    client.force_login(shopper)
    assert client.get(buy_url(lamp)).url == lamp.get_absolute_url()


def test_buy_now_before_logging_in_leads_to_the_order_page_for_the_same_quantity(
    client, shopper, lamp
):
    anonymous = client.post(buy_url(lamp), {"quantity": 2}, follow=True)
    assert anonymous.request["PATH_INFO"] == reverse("accounts:login")
    assert "Log in to order Oak Lamp; the order page follows." in messages_of(anonymous)
    login = client.post(
        anonymous.request["PATH_INFO"] + "?" + anonymous.request["QUERY_STRING"],
        {"username": shopper.email, "password": DEFAULT_PASSWORD},
    )
    assert login.status_code == 302
    assert login.url == f"{buy_url(lamp)}?quantity=2"

    page = client.get(login.url)

    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="quantity" value="2"' in html and "$80.00" in html
    # Nothing can be added on this page, so it offers no "Add ... more for free shipping".
    assert "for free shipping" not in html
    assert not Order.objects.exists()  # shown, not placed
    response = accept_and_pay(client, lamp, page)
    order = Order.objects.get()
    assert response.url == reverse("shop:order-pay", args=[order.number])
    assert order.lines.get().quantity == 2


@pytest.mark.parametrize("quantity", ["0", "abc", "99"])
def test_buy_now_for_a_quantity_that_cannot_be_ordered_goes_back_to_the_product(
    client, shopper, lamp, quantity
):
    client.force_login(shopper)
    response = client.get(f"{buy_url(lamp)}?quantity={quantity}", follow=True)
    assert response.request["PATH_INFO"] == lamp.get_absolute_url()
    assert messages_of(response)
    assert not Order.objects.exists()
