"""The shop in the admin: catalog (editable by superusers, read-only for support, which
has view permissions only), carts (superusers) and orders (support's main tool: search,
filters, the order page with its payments, refunds, timeline, audit log and actions)."""

import copy
import uuid

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect, QueryDict
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from core.money import format_money
from shop.exceptions import IllegalOrderTransition
from shop.models import Cart, CartLine, Order, OrderLine, Product, Seller
from shop.selectors.orders import order_get_detail
from support.admin_tools import (
    AuditedAdminMixin,
    LedgerAdminMixin,
    ReadOnlyInline,
    breakable_email,
    datetime_column,
    status_badge,
    user_admin_link,
)
from support.exceptions import ActionAlreadyDone
from support.forms import OptionalReasonForm, ReasonForm, RefundForm
from support.selectors import audit_entries_for_order
from support.services import (
    support_order_cancel,
    support_order_mark_bank_transfer_received,
    support_order_mark_delivered,
    support_order_mark_shipped,
    support_order_refund,
    support_order_retry_refund,
)
from wallet.exceptions import GatewayUnavailable, WalletError
from wallet.models import Payment, PaymentMethod
from wallet.selectors import payment_refundable_amount, payment_refunded_amount


@admin.register(Seller)
class SellerAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = [
        "name",
        "slug",
        "country",
        "currency",
        "shipping_fee",
        "free_shipping_threshold",
    ]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Product)
class ProductAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["title", "seller", "price", "currency", "stock", "is_active", "created"]
    list_filter = ["is_active", "seller"]
    list_select_related = ["seller"]
    search_fields = ["title", "slug", "description"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["seller"]

    created = datetime_column("created_at", description="created")


class CartLineInline(admin.TabularInline):
    model = CartLine
    extra = 0
    raw_id_fields = ["product"]


@admin.register(Cart)
class CartAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["id", "user", "created_at", "updated_at"]
    list_select_related = ["user"]
    search_fields = ["user__email"]
    raw_id_fields = ["user"]
    inlines = [CartLineInline]


# --------------------------------------------------------------------------- orders
# Orders are never edited as records (not even by superusers): their status moves only
# through the actions below, each a shop service call that the audit log records.


class PaymentMethodFilter(admin.SimpleListFilter):
    title = "payment method"
    parameter_name = "payment_method"

    def lookups(self, request, model_admin):
        return PaymentMethod.choices

    def queryset(self, request, queryset):
        if self.value() not in PaymentMethod.values:
            return queryset
        payments = Payment.objects.filter(reference=OuterRef("number"), method=self.value())
        return queryset.filter(Exists(payments))


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    fields = ["title", "unit_price_column", "quantity", "line_total_column", "product"]
    readonly_fields = fields

    @admin.display(description="unit price")
    def unit_price_column(self, line: OrderLine) -> str:
        return format_money(line.unit_price, line.currency)

    @admin.display(description="line total")
    def line_total_column(self, line: OrderLine) -> str:
        return format_money(line.line_total, line.currency)


# (action name, permission, label, service, reason needed)
ORDER_ACTIONS = {
    "refund": ("support.refund_order", "Refund", support_order_refund, True),
    "cancel": ("support.cancel_order", "Cancel order", support_order_cancel, True),
    "bank-transfer-received": (
        "support.confirm_bank_transfer",
        "Mark bank transfer received",
        support_order_mark_bank_transfer_received,
        False,
    ),
    "retry-refund": ("support.refund_order", "Retry refund", support_order_retry_refund, False),
    "shipped": ("support.fulfil_order", "Mark shipped", support_order_mark_shipped, False),
    "delivered": ("support.fulfil_order", "Mark delivered", support_order_mark_delivered, False),
}


def _refusal(exc: Exception) -> str:
    """What staff read when an action is refused; nothing was changed."""
    if isinstance(exc, IllegalOrderTransition):
        return f"{exc} Nothing was changed."
    if isinstance(exc, GatewayUnavailable):
        return (
            "The payment processor did not answer. Nothing new was charged; a refund that "
            "was sent stays pending and is sent again until the processor answers. Don't "
            "repeat it."
        )
    if isinstance(exc, WalletError):
        return f"Refused: {exc.message} Nothing was changed."
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc)


@admin.register(Order)
class OrderAdmin(LedgerAdminMixin, admin.ModelAdmin):
    list_display = [
        "number",
        "customer_email",
        "seller",
        "status_badge",
        "total_column",
        "created_column",
        "paid_column",
    ]
    list_display_links = ["number"]
    list_filter = ["status", "seller", PaymentMethodFilter, "created_at"]
    search_fields = ["number", "user__email", "lines__title"]
    list_select_related = ["user", "seller"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-id"]
    list_per_page = 50
    actions = ["mark_shipped", "mark_delivered", "mark_bank_transfer_received"]
    inlines = [OrderLineInline]
    fieldsets = [
        (None, {"fields": ["number", "customer_link", "seller", "status_badge"]}),
        (
            "Money",
            {
                "fields": [
                    "subtotal_column",
                    "shipping_column",
                    "total_column",
                    "refunded_column",
                    "paid_with_link",
                ]
            },
        ),
        ("Shipping", {"fields": ["ship_to"]}),
        ("Dates", {"fields": ["created_at", "paid_at", "cancelled_at", "updated_at"]}),
    ]
    readonly_fields = [
        "number",
        "customer_link",
        "seller",
        "status_badge",
        "subtotal_column",
        "shipping_column",
        "total_column",
        "refunded_column",
        "paid_with_link",
        "ship_to",
        "created_at",
        "paid_at",
        "cancelled_at",
        "updated_at",
    ]

    # ----------------------------------------------------------------- columns
    @admin.display(description="customer", ordering="user__email")
    def customer_email(self, order: Order):
        return breakable_email(order.user.email)

    @admin.display(description="customer")
    def customer_link(self, order: Order):
        return user_admin_link(order.user)

    @admin.display(description="status", ordering="status")
    def status_badge(self, order: Order):
        return status_badge(order.status, order.get_status_display())

    @admin.display(description="total", ordering="total")
    def total_column(self, order: Order) -> str:
        return format_money(order.total, order.currency)

    created_column = datetime_column("created_at", description="created")

    paid_column = datetime_column("paid_at", description="paid")

    @admin.display(description="subtotal")
    def subtotal_column(self, order: Order) -> str:
        return format_money(order.subtotal, order.currency)

    @admin.display(description="shipping")
    def shipping_column(self, order: Order) -> str:
        return format_money(order.shipping_fee, order.currency)

    @admin.display(description="refunded")
    def refunded_column(self, order: Order) -> str:
        refunded = payment_refunded_amount(payment=order.paid_with) if order.paid_with else 0
        return format_money(refunded, order.currency)

    @admin.display(description="paid with")
    def paid_with_link(self, order: Order):
        if order.paid_with is None:
            return "-"
        url = reverse("admin:wallet_payment_change", args=[order.paid_with_id])
        return format_html('<a href="{}">{}</a>', url, order.paid_with.method_display)

    @admin.display(description="ship to")
    def ship_to(self, order: Order):
        address = getattr(order, "shipping_address", None)
        if address is None:
            return "-"
        return format_html_join(mark_safe("<br>"), "{}", ((line,) for line in address.as_lines()))

    # ---------------------------------------------------------- the order page
    def get_urls(self):
        return [
            path(
                "<path:object_id>/actions/<slug:action>/",
                self.admin_site.admin_view(self.order_action_view),
                name="shop_order_action",
            ),
            *super().get_urls(),
        ]

    def _available_actions(self, request, detail) -> dict[str, bool]:
        order = detail.order
        status = order.status
        refundable = payment_refundable_amount(payment=order.paid_with) if order.paid_with else 0
        possible = {
            "refund": status in (Order.Status.PAID, Order.Status.SHIPPED, Order.Status.DELIVERED)
            and refundable > 0,
            "cancel": order.can_be_cancelled,
            "retry-refund": bool(detail.refused_refunds),
            "bank-transfer-received": status == Order.Status.PENDING_PAYMENT
            and detail.waiting_bank_transfer is not None,
            "shipped": order.can_transition_to(Order.Status.SHIPPED),
            "delivered": order.can_transition_to(Order.Status.DELIVERED),
        }
        return {
            name: allowed and request.user.has_perm(ORDER_ACTIONS[name][0])
            for name, allowed in possible.items()
        }

    def change_view(self, request, object_id, form_url="", extra_context=None):
        order = self.get_object(request, object_id)
        context = dict(extra_context or {})
        # A refused action's bound form (see _refused_page): its typed values and errors
        # go back into that action's box, the other boxes start empty.
        refused_action, refused_form = context.pop("refused", (None, None))

        def form_for(name):
            return refused_form if name == refused_action else None

        if order is not None:
            detail = order_get_detail(order_id=order.pk)
            refundable = (
                payment_refundable_amount(payment=detail.order.paid_with)
                if detail.order.paid_with
                else None
            )
            available = self._available_actions(request, detail)
            context.update(
                detail=detail,
                refundable=refundable,
                can_refund=available["refund"],
                can_cancel=available["cancel"],
                refund_form=form_for("refund"),
                cancel_form=form_for("cancel"),
                # one-click actions: (url slug, button label, refused form or None)
                simple_actions=[
                    (name, ORDER_ACTIONS[name][1], form_for(name))
                    for name in ("retry-refund", "bank-transfer-received", "shipped", "delivered")
                    if available[name]
                ],
                any_order_action=any(available.values()),
                refund_token=uuid.uuid4().hex,
                audit_entries=list(audit_entries_for_order(number=order.number or "")),
            )
        return super().change_view(request, object_id, form_url, context)

    def _refused_page(self, request, object_id, *, action: str, form):
        """The order page again, as a GET, with the refused action's bound form: what staff
        typed and why it was refused stay on screen (a redirect would lose them). The
        refused POST never reaches the change form's own POST handling."""
        page_request = copy.copy(request)
        page_request.method = "GET"
        page_request.POST = QueryDict()
        return self.change_view(page_request, object_id, extra_context={"refused": (action, form)})

    def order_action_view(self, request, object_id, action):
        """POST only: run one action on one order, then back to the order page with a
        message saying what happened (or why nothing did)."""
        if action not in ORDER_ACTIONS:
            raise Http404("No such action.")
        permission, label, service, reason_needed = ORDER_ACTIONS[action]
        if not request.user.has_perm(permission):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        order = self.get_object(request, object_id)
        if order is None:
            raise Http404("No such order.")
        change_url = reverse("admin:shop_order_change", args=[order.pk])
        if action == "refund":
            refundable = (
                payment_refundable_amount(payment=order.paid_with) if order.paid_with else None
            )
            form = RefundForm(request.POST, refundable=refundable, currency=order.currency)
        elif reason_needed:
            form = ReasonForm(request.POST)
        else:
            form = OptionalReasonForm(request.POST)
        if not form.is_valid():
            errors = [str(e) for field in form.errors.values() for e in field]
            self.message_user(request, f"{label}: {' '.join(errors)}", messages.ERROR)
            return self._refused_page(request, object_id, action=action, form=form)
        kwargs = {"order": order, "by": request.user, "reason": form.cleaned_data["reason"]}
        if action == "refund":
            kwargs["amount"] = form.cleaned_data["amount"]
            token = (request.POST.get("token") or "")[:64]
            if token:
                kwargs["idempotency_key"] = f"{order.number}:staff-refund:{token}"
        try:
            order = service(**kwargs)
        except ActionAlreadyDone as exc:
            self.message_user(request, str(exc), messages.WARNING)
            return HttpResponseRedirect(change_url)
        except (IllegalOrderTransition, WalletError, ValidationError, ValueError) as exc:
            self.message_user(
                request, f"{label} on {order.number}: {_refusal(exc)}", messages.ERROR
            )
            if isinstance(exc, GatewayUnavailable):
                # A refund may already be on its way: the form comes back empty, not primed
                # for a repeat.
                return HttpResponseRedirect(change_url)
            return self._refused_page(request, object_id, action=action, form=form)
        done = {
            "refund": lambda: (
                f"Refunded {format_money(kwargs['amount'], order.currency)} on {order.number}."
            ),
            "cancel": lambda: (
                f"{order.number} is cancelled."
                if order.status == Order.Status.CANCELLED
                else f"{order.number} is cancelled and won't ship; its refund is pending until "
                "the processor accepts it (it is sent again until then)."
            ),
            "retry-refund": lambda: (
                f"Refund sent again for {order.number}: {order.get_status_display()}."
            ),
            "bank-transfer-received": lambda: f"Bank transfer received: {order.number} is paid.",
            "shipped": lambda: f"{order.number} is marked shipped.",
            "delivered": lambda: f"{order.number} is marked delivered.",
        }[action]()
        self.message_user(request, done, messages.SUCCESS)
        return HttpResponseRedirect(change_url)

    # ----------------------------------------------------- list actions (safe ones)
    def _bulk(self, request, queryset, service, label: str) -> None:
        done, refused = [], []
        for order in queryset.order_by("id"):
            try:
                service(order=order, by=request.user)
            except (IllegalOrderTransition, WalletError) as exc:
                refused.append(f"{order.number} ({_refusal(exc)})")
            else:
                done.append(order.number)
        if done:
            self.message_user(request, f"{label}: {', '.join(done)}.", messages.SUCCESS)
        if refused:
            self.message_user(request, f"{label} refused for {'; '.join(refused)}", messages.ERROR)

    def has_fulfil_permission(self, request) -> bool:
        return request.user.has_perm("support.fulfil_order")

    def has_confirm_bank_transfer_permission(self, request) -> bool:
        return request.user.has_perm("support.confirm_bank_transfer")

    @admin.action(description="Mark shipped", permissions=["fulfil"])
    def mark_shipped(self, request, queryset):
        self._bulk(request, queryset, support_order_mark_shipped, "Marked shipped")

    @admin.action(description="Mark delivered", permissions=["fulfil"])
    def mark_delivered(self, request, queryset):
        self._bulk(request, queryset, support_order_mark_delivered, "Marked delivered")

    @admin.action(description="Mark bank transfer received", permissions=["confirm_bank_transfer"])
    def mark_bank_transfer_received(self, request, queryset):
        self._bulk(
            request,
            queryset,
            support_order_mark_bank_transfer_received,
            "Bank transfer received",
        )
