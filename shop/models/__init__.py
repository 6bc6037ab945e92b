"""Shop models, one module per sub-domain; everything is importable from `shop.models`.

Add a sub-domain (e.g. orders) as a new module here and import its models below.
"""

from shop.models.cart import Cart, CartLine
from shop.models.catalog import Product, Seller
from shop.models.orders import (
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    ShippingAddress,
    english_status,
)

__all__ = [
    "Cart",
    "CartLine",
    "Order",
    "OrderEvent",
    "OrderLine",
    "OrderStatus",
    "Product",
    "Seller",
    "ShippingAddress",
    "english_status",
]
