"""Shop selectors (reads): querysets with their joins applied, so pages keep a fixed number
of queries whatever the number of rows. Importable from `shop.selectors`."""

from shop.selectors.cart import (
    CartLineView,
    SellerCartGroup,
    buy_now_group,
    cart_get_anonymous,
    cart_get_for_user,
    cart_item_count,
    cart_lines_by_seller,
)
from shop.selectors.catalog import (
    SEARCH_MAX_LENGTH,
    product_get_active,
    product_list_active,
    product_list_for_seller,
    product_search,
    products_matching,
    search_query_clean,
    search_words,
    seller_get,
)
from shop.selectors.orders import (
    CardChoice,
    OrderDetail,
    card_choices_for_user,
    order_card_saved_by_payment,
    order_get_detail,
    order_get_detail_for_user,
    order_get_for_user,
    order_list_for_user,
    orders_placed_since,
)

__all__ = [
    "SEARCH_MAX_LENGTH",
    "CardChoice",
    "CartLineView",
    "OrderDetail",
    "SellerCartGroup",
    "buy_now_group",
    "card_choices_for_user",
    "cart_get_anonymous",
    "cart_get_for_user",
    "cart_item_count",
    "cart_lines_by_seller",
    "order_card_saved_by_payment",
    "order_get_detail",
    "order_get_detail_for_user",
    "order_get_for_user",
    "order_list_for_user",
    "orders_placed_since",
    "product_get_active",
    "product_list_active",
    "product_list_for_seller",
    "product_search",
    "products_matching",
    "search_query_clean",
    "search_words",
    "seller_get",
]
