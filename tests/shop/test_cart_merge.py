from django.urls import reverse

from accounts.models import User
from shop.models import Cart, CartLine, Product
from tests.factories import DEFAULT_PASSWORD, CartFactory, CartLineFactory, ProductFactory
from tests.shop.conftest import messages_of


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


MERGED_MESSAGE = "Items you added before logging in are in your cart."


def test_signing_up_keeps_the_cart_filled_before(client, db):
    product = ProductFactory(stock=5)
    client.post(reverse("shop:cart-add", args=[product.pk]), {"quantity": 2})
    password = "amber-kettle-90-lighthouse"

    response = client.post(
        reverse("accounts:signup"),
        {"email": "new@example.com", "password1": password, "password2": password},
        follow=True,
    )

    user = User.objects.get(email="new@example.com")
    assert dict(user.cart.lines.values_list("product_id", "quantity")) == {product.pk: 2}
    assert not Cart.objects.filter(user__isnull=True).exists()
    assert response.context["cart_count"] == 2


def test_login_says_the_earlier_items_joined_the_cart(client, user):
    client.post(reverse("shop:cart-add", args=[ProductFactory().pk]), {"quantity": 1})

    response = _login_and_follow(client, user.email)

    assert MERGED_MESSAGE in messages_of(response)


def test_an_emptied_visitor_cart_merges_without_a_message(client, user):
    CartLineFactory(cart=CartFactory(user=user), quantity=1)
    product = ProductFactory()
    client.post(reverse("shop:cart-add", args=[product.pk]), {"quantity": 1})
    line = CartLine.objects.get(cart__user__isnull=True)
    client.post(reverse("shop:cart-line-remove", args=[line.pk]))

    response = _login_and_follow(client, user.email)

    assert MERGED_MESSAGE not in messages_of(response)
    assert not Cart.objects.filter(user__isnull=True).exists()
    assert user.cart.lines.count() == 1


def test_items_sold_out_meanwhile_are_dropped_at_login(client, user):
    gone, kept = ProductFactory(stock=3), ProductFactory(stock=3)
    for product in (gone, kept):
        client.post(reverse("shop:cart-add", args=[product.pk]), {"quantity": 1})
    Product.objects.filter(pk=gone.pk).update(stock=0)

    _login(client, user.email)

    assert list(user.cart.lines.values_list("product_id", flat=True)) == [kept.pk]


def test_login_says_which_items_sold_out_or_were_delisted_meanwhile(client, user, product):
    delisted, kept = ProductFactory(title="Linen Apron"), ProductFactory(stock=3)
    for item in (product, delisted, kept):
        _add_and_see_the_cart(client, item, 1)
    Product.objects.filter(pk=product.pk).update(stock=0)
    Product.objects.filter(pk=delisted.pk).update(is_active=False)

    response = _login_and_follow(client, user.email)

    assert messages_of(response) == [
        MERGED_MESSAGE,
        "Stoneware Mug is sold out. It was not added to your cart.",
        "Linen Apron is no longer available. It was not added to your cart.",
    ]
    assert list(user.cart.lines.values_list("product_id", flat=True)) == [kept.pk]
    page = response.content.decode()
    assert "alert-warning" in page and "Stoneware Mug is sold out" in page


def test_login_says_how_many_were_left_when_the_quantity_was_capped(client, user, product):
    CartLineFactory(cart=CartFactory(user=user), product=product, quantity=1)
    _add_and_see_the_cart(client, product, 3)
    Product.objects.filter(pk=product.pk).update(stock=2)

    response = _login_and_follow(client, user.email)

    assert messages_of(response) == [
        MERGED_MESSAGE,
        "Only 2 of Stoneware Mug were available; your cart has 2.",
    ]
    assert user.cart.lines.get().quantity == 2


def test_a_cart_whose_only_item_sold_out_says_so_and_nothing_else(client, user, product):
    _add_and_see_the_cart(client, product, 2)
    Product.objects.filter(pk=product.pk).update(stock=0)

    response = _login_and_follow(client, user.email)

    assert messages_of(response) == ["Stoneware Mug is sold out. It was not added to your cart."]
    assert not user.cart.lines.exists()


def test_logging_out_leaves_the_account_cart_for_next_time(client, user):
    product = ProductFactory(stock=5)
    _login(client, user.email)
    client.post(reverse("shop:cart-add", args=[product.pk]), {"quantity": 2})
    client.post(reverse("accounts:logout"))

    assert client.get(reverse("shop:cart")).context["cart_count"] == 0
    _login(client, user.email)
    assert client.get(reverse("shop:cart")).context["cart_count"] == 2


def _login_and_follow(client, email, password=DEFAULT_PASSWORD):
    return client.post(
        reverse("accounts:login"), {"username": email, "password": password}, follow=True
    )


def _add_and_see_the_cart(client, product, quantity):
    """Adds as a visitor and follows to the page, so the "Added" message is read then."""
    client.post(reverse("shop:cart-add", args=[product.pk]), {"quantity": quantity}, follow=True)
