from django.urls import reverse

from shop.models import Cart
from tests.factories import DEFAULT_PASSWORD, CartFactory, CartLineFactory, ProductFactory


def _login(client, email, password=DEFAULT_PASSWORD):
    return client.post(reverse("accounts:login"), {"username": email, "password": password})


def test_anonymous_cart_merges_into_the_account_at_login(client, user):
    lamp, mug = ProductFactory(stock=3), ProductFactory(stock=10)
    CartLineFactory(cart=CartFactory(user=user), product=lamp, quantity=2)
    client.post(reverse("shop:cart-add", args=[lamp.pk]), {"quantity": 2})
    client.post(reverse("shop:cart-add", args=[mug.pk]), {"quantity": 1})
    anonymous_id = Cart.objects.get(user__isnull=True).pk

    response = _login(client, user.email)

    assert response.status_code == 302
    quantities = dict(user.cart.lines.values_list("product_id", "quantity"))
    assert quantities == {lamp.pk: 3, mug.pk: 1}  # 2 + 2 lamps capped at the stock of 3
    assert not Cart.objects.filter(pk=anonymous_id).exists()
    cart_page = client.get(reverse("shop:cart"))
    assert cart_page.context["cart_count"] == 4


def test_failed_login_keeps_the_anonymous_cart(client, user):
    product = ProductFactory()
    client.post(reverse("shop:cart-add", args=[product.pk]), {"quantity": 1})
    _login(client, user.email, "wrong-password")
    assert not Cart.objects.filter(user=user).exists()
    assert client.get(reverse("shop:cart")).context["cart_count"] == 1
