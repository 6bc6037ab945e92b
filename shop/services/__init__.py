"""Shop services (writes): one module per sub-domain, all importable from `shop.services`."""

from shop.services.cart import (
    MAX_LINE_QUANTITY,
    cart_add_item,
    cart_create_anonymous,
    cart_get_or_create_for_user,
    cart_line_remove,
    cart_line_set_quantity,
    cart_merge_into_user,
    cart_remove_seller_lines,
)

__all__ = [
    "MAX_LINE_QUANTITY",
    "cart_add_item",
    "cart_create_anonymous",
    "cart_get_or_create_for_user",
    "cart_line_remove",
    "cart_line_set_quantity",
    "cart_merge_into_user",
    "cart_remove_seller_lines",
]
