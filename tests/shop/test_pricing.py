from decimal import Decimal

from shop.pricing import seller_shipping_fee, seller_totals
from tests.factories import SellerFactory


def test_shipping_fee_is_charged_below_the_threshold(db):
    seller = SellerFactory.build(
        shipping_fee=Decimal("5.00"), free_shipping_threshold=Decimal("50")
    )
    assert seller_shipping_fee(seller=seller, subtotal=Decimal("49.99")) == Decimal("5.00")


def test_shipping_is_free_from_exactly_the_threshold(db):
    seller = SellerFactory.build(
        shipping_fee=Decimal("5.00"), free_shipping_threshold=Decimal("50")
    )
    assert seller_shipping_fee(seller=seller, subtotal=Decimal("50.00")) == Decimal("0.00")


def test_shipping_is_never_free_without_a_threshold(db):
    seller = SellerFactory.build(shipping_fee=Decimal("8.50"), free_shipping_threshold=None)
    assert seller_shipping_fee(seller=seller, subtotal=Decimal("100000")) == Decimal("8.50")


def test_seller_totals_add_lines_and_shipping_in_decimal(db):
    seller = SellerFactory.build(
        shipping_fee=Decimal("6.90"), free_shipping_threshold=Decimal("60")
    )
    totals = seller_totals(seller=seller, items=[(Decimal("0.10"), 3), (Decimal("19.99"), 2)])
    assert totals.subtotal == Decimal("40.28")
    assert totals.shipping_fee == Decimal("6.90")
    assert totals.total == Decimal("47.18")
    assert totals.free_shipping_shortfall == Decimal("19.72")
