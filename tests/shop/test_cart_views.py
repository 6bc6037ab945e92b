import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory
from django.urls import reverse

from shop.cart_session import SESSION_CART_KEY
from shop.context_processors import cart_summary
from shop.models import Cart, CartLine
from tests.factories import CartFactory, CartLineFactory, ProductFactory, SellerFactory
from tests.shop.conftest import messages_of


def _add(client, product, quantity="1"):
    return client.post(
        reverse("shop:cart-add", args=[product.pk]), {"quantity": quantity}, follow=True
    )


def test_anonymous_visitor_can_fill_a_cart(client, product):
    response = _add(client, product, "2")
    assert response.redirect_chain[-1][0] == reverse("shop:cart")
    assert "Added 2 × Stoneware Mug to your cart." in messages_of(response)  # noqa: RUF001
    cart = Cart.objects.get(pk=client.session[SESSION_CART_KEY])
    assert cart.user is None
    assert cart.lines.get().quantity == 2
    assert response.context["cart_count"] == 2


def test_signed_in_user_adds_to_their_own_cart(user_client, user, product):
    _add(user_client, product, "3")
    assert user.cart.lines.get().quantity == 3


def test_adding_above_stock_is_refused_with_a_clear_message(client, product):
    response = _add(client, product, "6")
    assert response.redirect_chain[-1][0] == product.get_absolute_url()
    assert "Only 5 left of Stoneware Mug." in messages_of(response)
    assert not CartLine.objects.exists()


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("0", "The quantity must be at least 1."),
        ("-3", "The quantity must be at least 1."),
        ("two", "Enter a whole number as the quantity."),
        ("1.5", "Enter a whole number as the quantity."),
        ("", "Enter a quantity."),
        ("9" * 40, "You can order at most 99 of one product."),
        ("9" * 5000, "Enter a whole number as the quantity."),
    ],
)
def test_bad_quantities_are_refused_with_a_message(client, product, quantity, message):
    response = _add(client, product, quantity)
    assert response.status_code == 200
    assert message in messages_of(response)
    assert not CartLine.objects.exists()


def test_adding_an_inactive_product_is_not_found(client, db):
    product = ProductFactory(is_active=False)
    assert (
        client.post(reverse("shop:cart-add", args=[product.pk]), {"quantity": 1}).status_code == 404
    )


def test_cart_endpoints_refuse_get(client, product):
    assert client.get(reverse("shop:cart-add", args=[product.pk])).status_code == 405


def test_update_changes_the_quantity(user_client, user, product):
    line = CartLineFactory(cart=CartFactory(user=user), product=product, quantity=1)
    response = user_client.post(
        reverse("shop:cart-line-update", args=[line.pk]), {"quantity": "4"}, follow=True
    )
    line.refresh_from_db()
    assert line.quantity == 4
    assert "Updated Stoneware Mug: quantity 4." in messages_of(response)


@pytest.mark.parametrize("quantity", ["0", "-1", "abc", "6", "100000000000000000000"])
def test_update_refuses_bad_quantities_and_keeps_the_line(user_client, user, product, quantity):
    line = CartLineFactory(cart=CartFactory(user=user), product=product, quantity=2)
    response = user_client.post(
        reverse("shop:cart-line-update", args=[line.pk]), {"quantity": quantity}, follow=True
    )
    assert response.status_code == 200
    assert messages_of(response)
    line.refresh_from_db()
    assert line.quantity == 2


def test_remove_deletes_the_line(user_client, user, product):
    line = CartLineFactory(cart=CartFactory(user=user), product=product)
    response = user_client.post(reverse("shop:cart-line-remove", args=[line.pk]), follow=True)
    assert not CartLine.objects.filter(pk=line.pk).exists()
    assert "Removed Stoneware Mug from your cart." in messages_of(response)
    assert b"Your cart is empty." in response.content


def test_another_users_line_is_not_found(user_client, user, other_user, product):
    CartFactory(user=user)
    theirs = CartLineFactory(cart=CartFactory(user=other_user), product=product, quantity=1)
    update = user_client.post(reverse("shop:cart-line-update", args=[theirs.pk]), {"quantity": 3})
    remove = user_client.post(reverse("shop:cart-line-remove", args=[theirs.pk]))
    assert (update.status_code, remove.status_code) == (404, 404)
    theirs.refresh_from_db()
    assert theirs.quantity == 1


def test_anonymous_visitor_cannot_touch_a_users_line(client, other_user, product):
    _add(client, ProductFactory())  # the visitor has a cart of their own
    theirs = CartLineFactory(cart=CartFactory(user=other_user), product=product)
    assert client.post(reverse("shop:cart-line-remove", args=[theirs.pk])).status_code == 404
    assert CartLine.objects.filter(pk=theirs.pk).exists()


def test_empty_cart_offers_to_keep_shopping(client, db):
    response = client.get(reverse("shop:cart"))
    assert b"Your cart is empty." in response.content
    assert b"Continue shopping" in response.content


def test_cart_page_groups_by_seller_with_an_order_button_each(user_client, user):
    cart = CartFactory(user=user)
    nordic = SellerFactory(
        name="Nordic", slug="nordic", shipping_fee="6.90", free_shipping_threshold="60"
    )
    tokyo = SellerFactory(
        name="Tokyo", slug="tokyo", shipping_fee="12.00", free_shipping_threshold="150"
    )
    CartLineFactory(cart=cart, product=ProductFactory(seller=nordic, price="64.00"), quantity=1)
    CartLineFactory(cart=cart, product=ProductFactory(seller=tokyo, price="49.00"), quantity=2)

    response = user_client.get(reverse("shop:cart"))

    content = response.content.decode()
    assert content.count(">Order from this seller<") == 2
    # Each button's accessible name says which seller it orders from.
    assert 'aria-label="Order from this seller: Nordic"' in content
    assert 'aria-label="Order from this seller: Tokyo"' in content
    assert reverse("shop:checkout", args=["nordic"]) in content
    assert reverse("shop:checkout", args=["tokyo"]) in content
    nordic_group, tokyo_group = response.context["groups"]
    assert (str(nordic_group.shipping_fee), str(nordic_group.total)) == ("0.00", "64.00")
    assert (str(tokyo_group.shipping_fee), str(tokyo_group.total)) == ("12.00", "110.00")
    assert "Add $52.00 more from Tokyo for free shipping." in content


@pytest.mark.parametrize("lines", [1, 15])
def test_cart_page_query_count_does_not_grow_with_lines(
    user_client, user, django_assert_max_num_queries, lines
):
    cart = CartFactory(user=user)
    for _ in range(lines):
        CartLineFactory(cart=cart)
    # session, user (with the cart's units for the header), lines (by owner: no cart lookup)
    with django_assert_max_num_queries(3):
        response = user_client.get(reverse("shop:cart"))
    assert len(response.context["groups"]) == lines


def test_header_count_costs_no_query_for_a_visitor_without_a_session(
    client, db, django_assert_num_queries
):
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    request.session = SessionStore()
    with django_assert_num_queries(0):
        assert cart_summary(request) == {"cart_count": 0}


def test_header_count_is_one_query_for_a_signed_in_user(user, django_assert_num_queries):
    CartLineFactory(cart=CartFactory(user=user), quantity=3)
    request = RequestFactory().get("/")
    request.user = user
    request.session = {}
    with django_assert_num_queries(1):
        assert cart_summary(request) == {"cart_count": 3}


def test_checkout_needs_login(client, seller):
    response = client.get(reverse("shop:checkout", args=[seller.slug]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_checkout_with_nothing_from_that_seller_goes_back_to_the_cart(user_client, seller):
    response = user_client.get(reverse("shop:checkout", args=[seller.slug]))
    assert response.status_code == 302
    assert response.url == reverse("shop:cart")
