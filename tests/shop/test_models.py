from decimal import Decimal

import pytest
from django.db import IntegrityError
from django.db.models import F

from shop.models import CartLine, Order, Product
from tests.factories import (
    CartFactory,
    OrderFactory,
    ProductFactory,
    SellerFactory,
    UserFactory,
    orders_in_bulk,
)


def test_database_refuses_negative_stock_from_an_f_update(db):
    product = ProductFactory(stock=1)
    with pytest.raises(IntegrityError):
        Product.objects.filter(pk=product.pk).update(stock=F("stock") - 2)


def test_database_refuses_negative_price(db):
    with pytest.raises(IntegrityError):
        ProductFactory(price=Decimal("-0.01"))


def test_database_refuses_a_cart_line_with_zero_quantity(db):
    with pytest.raises(IntegrityError):
        CartLine.objects.create(cart=CartFactory(), product=ProductFactory(), quantity=0)


def test_database_refuses_the_same_product_twice_in_one_cart(db):
    cart, product = CartFactory(), ProductFactory()
    CartLine.objects.create(cart=cart, product=product, quantity=1)
    with pytest.raises(IntegrityError):
        CartLine.objects.create(cart=cart, product=product, quantity=2)


def test_database_refuses_negative_shipping_fee(db):
    with pytest.raises(IntegrityError):
        SellerFactory(shipping_fee=Decimal("-1.00"))


def test_an_order_is_numbered_from_its_id_by_the_database_as_it_is_inserted(db):
    order = OrderFactory()
    # Returned by the INSERT itself: no second statement, no read back.
    assert order.number == f"BZ-{order.pk:06d}"
    assert Order.objects.get(number=order.number) == order


@pytest.mark.parametrize(
    "pk, number",
    [(999_999, "BZ-999999"), (1_000_000, "BZ-1000000"), (12_345_678, "BZ-12345678")],
)
def test_order_numbers_keep_every_digit_past_the_six_padded(db, pk, number):
    assert OrderFactory(id=pk).number == number


def test_orders_made_in_bulk_are_numbered_too(db):
    orders = orders_in_bulk(UserFactory(), SellerFactory(), 3)
    assert [o.number for o in orders] == [f"BZ-{o.pk:06d}" for o in orders]
    assert set(Order.objects.values_list("number", flat=True)) == {o.number for o in orders}
