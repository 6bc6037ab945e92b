"""CSV exports of the order, payment and refund lists (django-import-export, export only).

Each list's **Export** link downloads what the list shows with its current filters and
search (the library's ``get_export_queryset`` reads them from the link's query string). A
resource names its columns one by one: card data is only ever the masked method ("Visa
•••• 4242"); no gateway token, fingerprint, charge id or payment address leaves. A cell a
spreadsheet would run as a formula (text starting with ``=``, ``+``, ``-``, ``@``, a tab or
a carriage return: a customer's name or a reason someone typed) is prefixed with ``'``.
"""

from __future__ import annotations

from import_export import fields, resources
from import_export.admin import ExportMixin
from import_export.formats.base_formats import CSV

from shop.models import Order
from support import labels
from support.admin.tools import latest_payment_words
from wallet.models import Payment, Refund

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _safe(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class SafeResource(resources.ModelResource):
    """Export only, with formula-looking text defused."""

    def export_field(self, field, instance, **kwargs):
        return _safe(super().export_field(field, instance, **kwargs))

    def import_data(self, *args, **kwargs):  # pragma: no cover - never offered
        raise PermissionError("Support exports only; nothing is imported.")


class OrderResource(SafeResource):
    customer = fields.Field(attribute="user__email", column_name="customer")
    seller_name = fields.Field(attribute="seller__name", column_name="seller")
    status_label = fields.Field(column_name="status")
    paid_with_method = fields.Field(column_name="paid with")
    latest_payment = fields.Field(column_name="latest payment")

    class Meta:
        model = Order
        fields = (
            "number",
            "customer",
            "seller_name",
            "status_label",
            "total",
            "currency",
            "created_at",
            "paid_at",
            "paid_with_method",
            "latest_payment",
        )
        export_order = fields

    def dehydrate_status_label(self, order: Order) -> str:
        return str(order.get_status_display())

    def dehydrate_paid_with_method(self, order: Order) -> str:
        return order.paid_with.method_display if order.paid_with_id else ""

    def dehydrate_latest_payment(self, order: Order) -> str:
        return latest_payment_words(order)


class PaymentResource(SafeResource):
    customer = fields.Field(attribute="user__email", column_name="customer")
    card = fields.Field(column_name="method")
    status_label = fields.Field(column_name="status")
    decline = fields.Field(column_name="decline")

    class Meta:
        model = Payment
        fields = (
            "id",
            "reference",
            "customer",
            "card",
            "amount",
            "currency",
            "status_label",
            "decline",
            "created_at",
            "settled_at",
        )
        export_order = fields

    def dehydrate_card(self, payment: Payment) -> str:
        return payment.method_display

    def dehydrate_status_label(self, payment: Payment) -> str:
        return labels.payment_status_label(payment)

    def dehydrate_decline(self, payment: Payment) -> str:
        return labels.decline_label(payment.decline_code)


class RefundResource(SafeResource):
    order = fields.Field(attribute="payment__reference", column_name="order")
    customer = fields.Field(attribute="payment__user__email", column_name="customer")
    method = fields.Field(column_name="refunded to")
    status_label = fields.Field(column_name="status")
    by = fields.Field(attribute="created_by__email", column_name="by")

    class Meta:
        model = Refund
        fields = (
            "id",
            "order",
            "customer",
            "method",
            "amount",
            "currency",
            "status_label",
            "reason",
            "by",
            "created_at",
        )
        export_order = fields

    def dehydrate_method(self, refund: Refund) -> str:
        return refund.payment.method_display

    def dehydrate_status_label(self, refund: Refund) -> str:
        return str(refund.get_status_display())


class CsvExportMixin(ExportMixin):
    """An **Export** link on the list: the filtered list as CSV, at once (no import, no
    other format, no form)."""

    skip_export_form = True

    def get_export_formats(self):
        return [CSV]

    def has_import_permission(self, request) -> bool:
        return False
