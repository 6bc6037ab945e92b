import pytest

from shop.availability import Unavailable
from shop.exceptions import InsufficientStock, InvalidQuantity, ProductUnavailable
from shop.models import Cart, CartLine
from shop.services import (
    MAX_LINE_QUANTITY,
    cart_add_item,
    cart_create_anonymous,
    cart_get_or_create_for_user,
    cart_line_set_quantity,
    cart_merge_into_user,
)
from tests.factories import CartFactory, CartLineFactory, ProductFactory, UserFactory


def test_adding_a_product_twice_adds_to_the_same_line(db):
    cart, product = CartFactory(), ProductFactory(stock=10)
    cart_add_item(cart=cart, product=product, quantity=2)
    line = cart_add_item(cart=cart, product=product, quantity=3)
    assert line.quantity == 5
    assert cart.lines.count() == 1


def test_adding_more_than_the_stock_is_refused_and_names_the_product(db):
    cart, product = CartFactory(), ProductFactory(title="Oak Lamp", stock=3)
    with pytest.raises(InsufficientStock, match="Only 3 left of Oak Lamp"):
        cart_add_item(cart=cart, product=product, quantity=4)
    assert not cart.lines.exists()


def test_adding_on_top_of_a_line_counts_what_is_already_in_the_cart(db):
    cart, product = CartFactory(), ProductFactory(stock=3)
    cart_add_item(cart=cart, product=product, quantity=2)
    with pytest.raises(InsufficientStock, match="already have 2"):
        cart_add_item(cart=cart, product=product, quantity=2)
    assert cart.lines.get().quantity == 2


@pytest.mark.parametrize("quantity", [0, -1, MAX_LINE_QUANTITY + 1, 10**30])
def test_out_of_range_quantities_are_refused(db, quantity):
    cart, product = CartFactory(), ProductFactory(stock=10**6)
    with pytest.raises(InvalidQuantity):
        cart_add_item(cart=cart, product=product, quantity=quantity)
    assert not cart.lines.exists()


def test_inactive_and_sold_out_products_cannot_be_added(db):
    cart = CartFactory()
    with pytest.raises(ProductUnavailable, match="no longer available"):
        cart_add_item(cart=cart, product=ProductFactory(is_active=False), quantity=1)
    with pytest.raises(ProductUnavailable, match="is sold out"):
        cart_add_item(cart=cart, product=ProductFactory(stock=0), quantity=1)


def test_setting_a_quantity_above_stock_keeps_the_old_quantity(db):
    line = CartLineFactory(product=ProductFactory(stock=4), quantity=1)
    with pytest.raises(InsufficientStock):
        cart_line_set_quantity(line=line, quantity=5)
    line.refresh_from_db()
    assert line.quantity == 1


def test_user_cart_is_created_once(db):
    user = UserFactory()
    assert cart_get_or_create_for_user(user=user) == cart_get_or_create_for_user(user=user)
    assert Cart.objects.filter(user=user).count() == 1


def test_a_users_adds_make_their_cart_once_and_fill_one_line_per_product(db):
    user, lamp, rug = UserFactory(), ProductFactory(stock=10), ProductFactory(stock=3)
    first = cart_add_item(user=user, product=lamp, quantity=2)
    cart = Cart.objects.get(user=user)
    stamped = cart.updated_at
    again = cart_add_item(user=user, product=lamp, quantity=3)
    cart_add_item(user=user, product=rug, quantity=1)

    assert (again.pk, again.quantity, again.created_at) == (first.pk, 5, first.created_at)
    assert Cart.objects.filter(user=user).count() == 1
    assert sorted(cart.lines.values_list("product_id", "quantity")) == sorted(
        [(lamp.pk, 5), (rug.pk, 1)]
    )
    assert Cart.objects.get(pk=cart.pk).updated_at > stamped  # the lock is the touch
    with pytest.raises(InsufficientStock, match="already have 1"):
        cart_add_item(user=user, product=rug, quantity=3)
    assert cart.lines.get(product=rug).quantity == 1


def test_merge_adds_quantities_caps_at_stock_and_deletes_the_anonymous_cart(db):
    user = UserFactory()
    lamp, mug, board = ProductFactory(stock=3), ProductFactory(stock=10), ProductFactory(stock=0)
    user_cart = cart_get_or_create_for_user(user=user)
    CartLine.objects.create(cart=user_cart, product=lamp, quantity=2)
    anonymous = cart_create_anonymous()
    CartLine.objects.create(cart=anonymous, product=lamp, quantity=2)
    CartLine.objects.create(cart=anonymous, product=mug, quantity=4)
    CartLine.objects.create(cart=anonymous, product=board, quantity=1)

    merge = cart_merge_into_user(anonymous_cart=anonymous, user=user)

    assert merge.cart == user_cart
    quantities = dict(merge.cart.lines.values_list("product_id", "quantity"))
    assert quantities == {lamp.pk: 3, mug.pk: 4}
    assert not Cart.objects.filter(pk=anonymous.pk).exists()
    assert [(d.product, d.quantity, d.reason) for d in merge.dropped] == [
        (board, 1, Unavailable.SOLD_OUT)
    ]
    assert [(c.product, c.wanted, c.quantity, c.limit, c.by_stock) for c in merge.capped] == [
        (lamp, 4, 3, 3, True)
    ]


def test_merge_reports_delisted_lines_and_the_per_line_maximum(db):
    user = UserFactory()
    delisted, plenty = ProductFactory(stock=5, is_active=False), ProductFactory(stock=500)
    CartLine.objects.create(
        cart=cart_get_or_create_for_user(user=user), product=plenty, quantity=MAX_LINE_QUANTITY
    )
    anonymous = cart_create_anonymous()
    CartLine.objects.create(cart=anonymous, product=delisted, quantity=2)
    CartLine.objects.create(cart=anonymous, product=plenty, quantity=1)

    merge = cart_merge_into_user(anonymous_cart=anonymous, user=user)

    assert [(d.product, d.reason) for d in merge.dropped] == [(delisted, Unavailable.DELISTED)]
    assert [(c.product, c.quantity, c.limit, c.by_stock) for c in merge.capped] == [
        (plenty, MAX_LINE_QUANTITY, MAX_LINE_QUANTITY, False)
    ]


def test_merging_the_same_cart_twice_changes_nothing_the_second_time(db):
    user, product = UserFactory(), ProductFactory(stock=10)
    anonymous = cart_create_anonymous()
    CartLine.objects.create(cart=anonymous, product=product, quantity=2)
    cart_merge_into_user(anonymous_cart=anonymous, user=user)
    again = cart_merge_into_user(anonymous_cart=anonymous, user=user)
    assert again.cart.lines.get().quantity == 2
    assert again.dropped == [] and again.capped == []
