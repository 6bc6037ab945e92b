"""shop.auth.ShopperBackend: the signed-in shopper, loaded with their cart's unit count by
SQL the ORM compiles once, is the same user Django's ModelBackend would load."""

import pytest
from django.contrib.auth.backends import ModelBackend

from shop.auth import ShopperBackend
from shop.services.cart import cart_add_item, cart_get_or_create_for_user
from tests.factories import DEFAULT_PASSWORD, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog(seller):
    return ProductFactory(seller=seller, stock=20), ProductFactory(seller=seller, stock=20)


def cart_add_product(*, user, product, quantity):
    cart_add_item(cart=cart_get_or_create_for_user(user=user), product=product, quantity=quantity)


FIELDS = [
    "id", "password", "last_login", "is_superuser", "is_staff", "is_active",
    "date_joined", "full_name", "email", "language",
]  # fmt: skip


def test_the_shopper_is_the_user_model_backend_loads_with_their_cart_units(user, catalog):
    mug, lamp = catalog
    cart_add_product(user=user, product=mug, quantity=2)
    cart_add_product(user=user, product=lamp, quantity=3)
    UserFactory()  # someone else, who must not be loaded instead

    loaded = ShopperBackend().get_user(user.pk)

    expected = ModelBackend().get_user(user.pk)
    assert [getattr(loaded, f) for f in FIELDS] == [getattr(expected, f) for f in FIELDS]
    assert loaded.cart_units == 5
    assert loaded.check_password(DEFAULT_PASSWORD)


def test_a_shopper_with_no_cart_has_no_units(user):
    assert ShopperBackend().get_user(user.pk).cart_units == 0


def test_each_shopper_counts_only_their_own_cart(user, other_user, catalog):
    mug, _lamp = catalog
    cart_add_product(user=other_user, product=mug, quantity=4)

    assert ShopperBackend().get_user(user.pk).cart_units == 0
    assert ShopperBackend().get_user(other_user.pk).cart_units == 4


def test_an_unknown_inactive_or_malformed_id_is_nobody(user, other_user):
    other_user.is_active = False
    other_user.save(update_fields=["is_active"])

    assert ShopperBackend().get_user(other_user.pk + 1000) is None
    assert ShopperBackend().get_user(other_user.pk) is None
    assert ShopperBackend().get_user("not-a-number") is None


def test_the_header_counts_the_signed_in_shoppers_units(user_client, user, catalog):
    mug, _lamp = catalog
    cart_add_product(user=user, product=mug, quantity=3)

    response = user_client.get("/")

    assert response.context["request"].user.cart_units == 3
    assert response.context["cart_count"] == 3
