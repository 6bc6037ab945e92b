from decimal import Decimal

import pytest
from django.db import IntegrityError
from django.db.models import F

from shop.models import CartLine, Product
from tests.factories import CartFactory, ProductFactory, SellerFactory


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
