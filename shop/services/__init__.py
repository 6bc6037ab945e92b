"""Shop services (writes): one module per sub-domain, all importable from `shop.services`."""

from shop.services.audit import MoneyAuditReport, money_audit
from shop.services.cart import (
    MAX_LINE_QUANTITY,
    CartMerge,
    CartMergeCapped,
    CartMergeDropped,
    cart_add_item,
    cart_create_anonymous,
    cart_delete_abandoned,
    cart_get_or_create_for_user,
    cart_line_remove,
    cart_line_set_quantity,
    cart_merge_into_user,
)
from shop.services.checkout import (
    checkout_lines_signature,
    order_confirm_step_up,
    order_pay,
    order_pay_with_saved_card,
    order_place,
    order_place_now,
)
from shop.services.expiry import order_expire_if_due, order_expire_unpaid
from shop.services.order_money import (
    ReconcileReport,
    order_apply_payment,
    order_cancel,
    order_check_payment,
    order_mark_bank_transfer_received,
    order_refund,
    order_retry_refund,
    order_settle_money,
    orders_reconcile,
)
from shop.services.orders import (
    order_event_note,
    order_mark_delivered,
    order_mark_shipped,
    order_set_status,
)

__all__ = [
    "MAX_LINE_QUANTITY",
    "CartMerge",
    "CartMergeCapped",
    "CartMergeDropped",
    "MoneyAuditReport",
    "ReconcileReport",
    "cart_add_item",
    "cart_create_anonymous",
    "cart_delete_abandoned",
    "cart_get_or_create_for_user",
    "cart_line_remove",
    "cart_line_set_quantity",
    "cart_merge_into_user",
    "checkout_lines_signature",
    "money_audit",
    "order_apply_payment",
    "order_cancel",
    "order_check_payment",
    "order_confirm_step_up",
    "order_event_note",
    "order_expire_if_due",
    "order_expire_unpaid",
    "order_mark_bank_transfer_received",
    "order_mark_delivered",
    "order_mark_shipped",
    "order_pay",
    "order_pay_with_saved_card",
    "order_place",
    "order_place_now",
    "order_refund",
    "order_retry_refund",
    "order_set_status",
    "order_settle_money",
    "orders_reconcile",
]
