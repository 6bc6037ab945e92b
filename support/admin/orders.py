"""Orders in the admin, support's main tool: the list (search, filters, bulk Mark shipped /
delivered / bank transfer received), the order page (lines, money, payments, refunds,
timeline, audit log) and one page per action.

Orders are never edited as records (not even by superusers): their status moves only
through the actions. Each action is a view with a form (``OrderActionView``): GET shows the
order's number, status and money, what the action will do and the form; POST calls the
shop service with ``by=request.user`` (the service writes the audit entry in its own
transaction) and goes back to the order page with a message, or shows the action's page
again with what was typed and why it was refused.
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView

from core.money import format_money
from shop.exceptions import ActionAlreadyDone, CancelOvertaken, IllegalOrderTransition
from shop.models import Order, OrderLine, OrderStatus
from shop.selectors import OrderDetail, order_get_detail
from shop.services import (
    order_cancel,
    order_check_with_processor,
    order_mark_bank_transfer_received,
    order_mark_delivered,
    order_mark_shipped,
    order_refund,
    order_retry_refund,
)
from support import labels, permissions
from support.admin.exports import CsvExportMixin, OrderResource
from support.admin.forms import (
    CancelForm,
    ConfirmForm,
    FulfilForm,
    OptionalReasonForm,
    RefundForm,
    RetryRefundForm,
)
from support.admin.tools import (
    LatestPayment,
    LedgerAdminMixin,
    ReadOnlyInline,
    breakable_email,
    datetime_column,
    orders_with_latest_payment,
    status_badge,
    user_admin_link,
    when_field,
)
from support.selectors import audit_entries_for_order
from wallet.exceptions import GatewayUnavailable, WalletError
from wallet.models import Payment, PaymentMethod
from wallet.selectors import payment_refundable_amount, payment_refunded_amount


def refusal_message(exc: Exception) -> str:
    """What staff read when a service refused an action; nothing was changed."""
    if isinstance(exc, CancelOvertaken):  # says itself what may have changed
        return str(exc)
    if isinstance(exc, IllegalOrderTransition):
        return _("%(error)s Nothing was changed.") % {"error": exc}
    if isinstance(exc, GatewayUnavailable):
        return _(
            "The payment processor did not answer. Nothing new was charged; a refund that "
            "was sent stays pending and is sent again until the processor answers. Don't "
            "repeat it."
        )
    if isinstance(exc, WalletError):
        return _("Refused: %(message)s Nothing was changed.") % {"message": exc.message}
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc)


def refundable_of(detail: OrderDetail) -> Decimal | None:
    """What is left to refund of the payment that paid the order (None: not paid)."""
    paid = detail.paid_payment
    return payment_refundable_amount(payment=paid) if paid is not None else None


# ------------------------------------------------------------------------- actions


class OrderActionView(FormView):
    """One staff action on one order, at ``<order id>/actions/<slug>/`` (URL name
    ``admin:shop_order_<slug with underscores>``).

    A subclass names its ``slug``, ``label`` (heading, button, messages), ``permission``
    and ``form_class``, says when the order page offers it (``is_offered``) and what it will
    do (``explanation``), runs its service (``perform``) and words the result
    (``done_message``). A POST runs the service whether or not the page would offer the
    action: the service decides, and says why it refuses.
    """

    model_admin: OrderAdmin | None = None  # given to as_view() by OrderAdmin.get_urls
    slug: ClassVar[str] = ""
    label: ClassVar[str] = ""
    permission: ClassVar[str] = ""
    form_class = OptionalReasonForm
    template_name = "admin/shop/order/action_form.html"
    # A red button: the action takes something away (cancel).
    danger: ClassVar[bool] = False
    # Money moves: the form's POST (``step=review``) shows a confirmation stating the
    # money effects; only the confirmation's POST (``step=confirm``) does it, so a POST
    # saying neither is shown the confirmation too.
    confirm_first: ClassVar[bool] = False
    template_confirm = "admin/shop/order/action_confirm.html"

    @classmethod
    def url_name(cls) -> str:
        return f"shop_order_{cls.slug.replace('-', '_')}"

    @classmethod
    def url(cls, order: Order) -> str:
        return reverse(f"admin:{cls.url_name()}", args=[order.pk])

    @classmethod
    def is_offered(cls, detail: OrderDetail) -> bool:
        raise NotImplementedError

    def explanation(self) -> str:
        raise NotImplementedError

    def perform(self, form) -> Order:
        raise NotImplementedError

    def done_message(self, order: Order, form) -> str:
        raise NotImplementedError

    def effects(self, form) -> list[str]:
        """The confirmation's sentences: what will happen to the order and its money."""
        return [self.explanation()]

    def prepare_review(self) -> None:
        """Before the confirmation is shown (a POST): anything to learn first."""

    # ------------------------------------------------------------- request handling
    def dispatch(self, request, object_id):
        if not request.user.has_perm(self.permission):
            raise PermissionDenied
        order = self.model_admin.get_object(request, unquote(object_id))
        if order is None:
            raise Http404(_("No such order."))
        self.detail = order_get_detail(order_id=order.pk)
        self.order = self.detail.order
        return super().dispatch(request, object_id=object_id)

    def get(self, request, *args, **kwargs):
        if not self.is_offered(self.detail):
            status = self.order.get_status_display().lower()
            self.model_admin.message_user(
                request,
                _("%(action)s is not possible for %(number)s while it is %(status)s.")
                % {"action": self.label, "number": self.order.number, "status": status},
                messages.WARNING,
            )
            return HttpResponseRedirect(self.order_url())
        return super().get(request, *args, **kwargs)

    def form_invalid(self, form):
        errors = [str(error) for field in form.errors.values() for error in field]
        self.model_admin.message_user(
            self.request,
            _("%(action)s: %(errors)s") % {"action": self.label, "errors": " ".join(errors)},
            messages.ERROR,
        )
        return self.render_again(form)

    def form_valid(self, form):
        if self.confirm_first and self.request.POST.get("step") != "confirm":
            return self.render_review(form)
        try:
            order = self.perform(form)
        except ActionAlreadyDone as exc:
            self.model_admin.message_user(self.request, str(exc), messages.WARNING)
            return HttpResponseRedirect(self.order_url())
        except (IllegalOrderTransition, WalletError, ValidationError, ValueError) as exc:
            self.model_admin.message_user(
                self.request,
                _("%(action)s on %(number)s: %(refusal)s")
                % {
                    "action": self.label,
                    "number": self.order.number,
                    "refusal": refusal_message(exc),
                },
                messages.ERROR,
            )
            if isinstance(exc, GatewayUnavailable):
                # A refund may already be on its way: back to the order page, whose form
                # would only invite a repeat.
                return HttpResponseRedirect(self.order_url())
            return self.render_again(form)
        self.model_admin.message_user(
            self.request, self.done_message(order, form), messages.SUCCESS
        )
        return HttpResponseRedirect(self.order_url())

    def render_review(self, form):
        """The confirmation: the order, the money effects and what was typed (carried in
        hidden fields, the refund's one-time token with them), and the button that does
        it."""
        self.prepare_review()
        self.detail = order_get_detail(order_id=self.order.pk)
        self.order = self.detail.order
        context = self.get_context_data(form=form)
        context.update(
            effects=self.effects(form),
            title=_("Confirm %(action)s: %(number)s")
            % {"action": str(self.label).lower(), "number": self.order.number},
            typed=[
                (
                    form.fields[name].label,
                    format_money(value, self.order.currency) if name == "amount" else value,
                )
                for name in ("amount", "reason", "message", "note")
                if name in form.fields
                and (value := form.cleaned_data.get(name)) is not None
                and value != ""
            ],
        )
        return TemplateResponse(self.request, self.template_confirm, context)

    def render_again(self, form):
        """The action's page again with what was typed and why it was refused (a redirect
        would lose both); the order is read again, as the refusal may have changed it."""
        if hasattr(form, "renew_token"):
            form.renew_token()
        self.detail = order_get_detail(order_id=self.order.pk)
        self.order = self.detail.order
        return self.render_to_response(self.get_context_data(form=form))

    def order_url(self) -> str:
        return reverse("admin:shop_order_change", args=[self.order.pk])

    def get_context_data(self, **kwargs):
        detail = self.detail
        paid = detail.paid_payment
        context = super().get_context_data(**kwargs)
        context.update(
            self.model_admin.admin_site.each_context(self.request),
            opts=Order._meta,
            title=_("%(action)s: %(number)s") % {"action": self.label, "number": self.order.number},
            step_review=self.confirm_first,
            action=self,
            explanation=self.explanation(),
            original=self.order,
            detail=detail,
            order_url=self.order_url(),
            action_url=self.url(self.order),
            paid=paid,
            refunded=detail.order_refunded_amount,
            refundable=refundable_of(detail),
        )
        return context


class RefundView(OrderActionView):
    slug = "refund"
    label = gettext_lazy("Refund")
    permission = permissions.REFUND_ORDER
    form_class = RefundForm
    confirm_first = True

    @classmethod
    def is_offered(cls, detail: OrderDetail) -> bool:
        refundable = refundable_of(detail)
        return detail.order.status in Order.KEEPS_PAYMENT and bool(refundable)

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "refundable": refundable_of(self.detail),
            "currency": self.order.currency,
        }

    def explanation(self) -> str:
        paid = self.detail.paid_payment
        if paid is not None and paid.is_bank_transfer:
            how = _(
                "Records the amount below as refunded on the customer's bank transfer: send "
                "the money back from the bank."
            )
        else:
            method = paid.method_display if paid is not None else _("payment")
            how = _("Gives the amount below back at once through the customer's %(method)s.") % {
                "method": method
            }
        return " ".join(
            (
                how,
                _(
                    "Refunding all that is left moves the order to Refunded; a smaller refund "
                    "keeps its status. The customer gets an email with your message, which "
                    "they also see on their order page; the internal note stays with staff."
                ),
            )
        )

    def effects(self, form) -> list[str]:
        amount = form.cleaned_data["amount"]
        currency = self.order.currency
        left = (refundable_of(self.detail) or Decimal("0")) - amount
        paid = self.detail.paid_payment
        values = {
            "amount": format_money(amount, currency),
            "method": paid.method_display if paid else "",
            "left": format_money(max(left, Decimal("0")), currency),
            "status": self.order.get_status_display(),
        }
        if paid is not None and paid.is_bank_transfer:
            first = _(
                "%(amount)s is recorded as refunded on the bank transfer: send it back from "
                "the bank."
            )
        else:
            first = _("%(amount)s goes back to %(method)s.")
        if left <= 0:
            then = _(
                "That is all that is left of the payment: the order moves to Refunded once "
                "the processor accepts the refund."
            )
        else:
            then = _("%(left)s stays refundable; the order stays %(status)s.")
        return [first % values, then % values, _("The customer gets an email.")]

    def perform(self, form) -> Order:
        token = form.cleaned_data.get("token")
        return order_refund(
            order=self.order,
            amount=form.cleaned_data["amount"],
            reason=form.cleaned_data["reason"],
            note=form.cleaned_data.get("note", ""),
            by=self.request.user,
            idempotency_key=f"{self.order.number}:staff-refund:{token}" if token else None,
        )

    def done_message(self, order: Order, form) -> str:
        detail = order_get_detail(order_id=order.pk)
        values = {
            "amount": format_money(form.cleaned_data["amount"], order.currency),
            "number": order.number,
            "left": format_money(refundable_of(detail) or 0, order.currency),
        }
        return _("Refunded %(amount)s on %(number)s; %(left)s left to refund.") % values


class CancelView(OrderActionView):
    slug = "cancel"
    label = gettext_lazy("Cancel order")
    permission = permissions.CANCEL_ORDER
    form_class = CancelForm
    danger = True
    confirm_first = True

    @classmethod
    def is_offered(cls, detail: OrderDetail) -> bool:
        return detail.order.can_be_cancelled

    def _paid_effects(self) -> str:
        """What cancelling a paid order does with its money, in one sentence."""
        paid = self.detail.paid_payment
        left = refundable_of(self.detail) or Decimal("0")
        values = {
            "left": format_money(left, self.order.currency),
            "paid": format_money(paid.amount, paid.currency),
            "method": paid.method_display,
            "refunded": format_money(self.detail.order_refunded_amount, self.order.currency),
        }
        if self.detail.order_refunded_amount:
            given_back = _(
                "The %(left)s left of its %(paid)s payment (%(refunded)s was refunded before) "
                "goes back to %(method)s"
            )
        else:
            given_back = _("Its payment of %(paid)s is refunded in full to %(method)s")
        if paid.is_bank_transfer:
            then = _(
                "; it was a bank transfer, so the order is cancelled at once and the money "
                "goes back from the bank."
            )
        else:
            then = _(
                ": the order reads Refund pending until the processor accepts the refund, "
                "then Cancelled."
            )
        return given_back % values + then

    def explanation(self) -> str:
        if self.order.status == OrderStatus.PAID:
            return " ".join(
                (
                    _("The order won't ship and its stock returns."),
                    self._paid_effects(),
                    _("The customer gets an email."),
                )
            )
        open_payment = self.detail.processing_payment or self.detail.waiting_step_up
        if open_payment is not None:
            return _(
                "A %(money)s card payment on %(method)s has no final answer yet. Cancelling "
                "asks the processor first: if the charge went through, the order is paid and "
                "the %(money)s is refunded in full; if not, nothing was charged and the order "
                "is simply cancelled. The next page says which before anything is cancelled."
            ) % {
                "money": format_money(open_payment.amount, open_payment.currency),
                "method": open_payment.method_display,
            }
        return _(
            "Nothing was paid, so no money moves: the order is cancelled, a bank transfer "
            "awaited is called off and the stock returns."
        )

    def prepare_review(self) -> None:
        """An open card charge: ask the processor now (Check with processor, on record), so
        the confirmation can say whether money was found."""
        self.found = None
        payment = self.detail.processing_payment or self.detail.waiting_step_up
        if payment is None or not payment.is_processing:
            return
        order = order_check_with_processor(order=self.order, by=self.request.user)
        if order.paid_with_id == payment.pk:
            self.found = payment

    def effects(self, form) -> list[str]:
        found = getattr(self, "found", None)
        lines = []
        if found is not None:
            lines.append(
                _(
                    "A %(money)s charge on %(method)s was found: the processor took it, so "
                    "the order is paid now. It will be refunded in full."
                )
                % {
                    "money": format_money(found.amount, found.currency),
                    "method": found.method_display,
                }
            )
        if self.order.status == OrderStatus.PAID:
            lines.append(_("The order won't ship and its stock returns."))
            lines.append(self._paid_effects())
        elif self.detail.processing_payment is not None:
            lines.append(
                _(
                    "The processor has no answer for the open card payment yet: the order "
                    "can't be cancelled until it has (nothing will change). Try again in a "
                    "few minutes."
                )
            )
        else:
            lines.append(self.explanation())
        message = form.cleaned_data.get("message")
        lines.append(
            _('The customer reads on their order page: "%(message)s"')
            % {"message": message or _("Cancelled.")}
        )
        return lines

    def perform(self, form) -> Order:
        self.open_payment = self.detail.processing_payment or self.detail.waiting_step_up
        return order_cancel(
            order=self.order,
            by=self.request.user,
            reason=form.cleaned_data["reason"],
            message=form.cleaned_data.get("message", ""),
        )

    def done_message(self, order: Order, form) -> str:
        paid = order.paid_with
        if paid is None:
            return _("%(number)s is cancelled; nothing had been paid, no money moved.") % {
                "number": order.number
            }
        detail = order_get_detail(order_id=order.pk)
        refunds = [r for r in detail.refunds if r.payment_id == paid.pk and not r.is_failed]
        values = {
            "number": order.number,
            "money": format_money(refunds[-1].amount if refunds else paid.amount, paid.currency),
            "method": paid.method_display,
        }
        found = ""
        opened = getattr(self, "open_payment", None) or getattr(self, "found", None)
        if opened is not None and opened.pk == paid.pk:
            found = _("A %(money)s charge on %(method)s was found and refunded in full. ") % {
                "money": format_money(paid.amount, paid.currency),
                "method": paid.method_display,
            }
        if order.status == OrderStatus.CANCELLED:
            return found + _("%(number)s is cancelled: %(money)s refunded to %(method)s.") % values
        return (
            found
            + _(
                "%(number)s is cancelled and won't ship; its refund of %(money)s to %(method)s is "
                "pending until the processor accepts it (it is sent again until then)."
            )
            % values
        )


class RetryRefundView(OrderActionView):
    slug = "retry-refund"
    label = gettext_lazy("Retry refund")
    permission = permissions.REFUND_ORDER
    form_class = RetryRefundForm

    @classmethod
    def is_offered(cls, detail: OrderDetail) -> bool:
        return bool(detail.refused_refunds)

    def explanation(self) -> str:
        refused = self.detail.refused_refunds
        amounts = ", ".join(format_money(r.amount, r.currency) for r in refused)
        why = refused[-1].failure_message if refused else ""
        said = _(' (the processor said: "%(why)s")') % {"why": why} if why else ""
        return _(
            "Sends the refused refund(s) of %(amounts)s again under a new key%(said)s, capped "
            "at what is left to refund."
        ) % {"amounts": amounts, "said": said}

    def perform(self, form) -> Order:
        order_retry_refund(
            order=self.order, by=self.request.user, reason=form.cleaned_data["reason"]
        )
        return Order.objects.get(pk=self.order.pk)

    def done_message(self, order: Order, form) -> str:
        return _("Refund sent again for %(number)s: %(status)s.") % {
            "number": order.number,
            "status": order.get_status_display(),
        }


class CheckWithProcessorView(OrderActionView):
    slug = "check-with-processor"
    label = gettext_lazy("Check with processor")
    permission = permissions.CONFIRM_BANK_TRANSFER
    form_class = ConfirmForm

    @classmethod
    def is_offered(cls, detail: OrderDetail) -> bool:
        return detail.processing_payment is not None

    def explanation(self) -> str:
        payment = self.detail.processing_payment
        money = format_money(payment.amount, payment.currency) if payment else ""
        return _(
            "Asks the processor what became of the %(money)s charge on %(method)s (by its "
            "idempotency key: nothing is charged again). If it went through, the order "
            "becomes paid and the customer gets the order confirmation; if the bank declined "
            "it, the order keeps waiting for payment; if the processor has no record yet, "
            "nothing changes."
        ) % {"money": money, "method": payment.method_display if payment else ""}

    def perform(self, form) -> Order:
        self.checked = self.detail.processing_payment
        return order_check_with_processor(order=self.order, by=self.request.user)

    def done_message(self, order: Order, form) -> str:
        detail = order_get_detail(order_id=order.pk)
        payment = next((p for p in detail.payments if p.pk == self.checked.pk), self.checked)
        money = format_money(payment.amount, payment.currency)
        values = {"money": money, "method": payment.method_display, "number": order.number}
        if payment.is_succeeded and order.paid_with_id == payment.pk:
            return _("The %(money)s charge on %(method)s went through: %(number)s is paid.") % (
                values
            )
        if payment.is_succeeded:
            return (
                _(
                    "The %(money)s charge on %(method)s went through, but %(number)s can't keep "
                    "it: it is refunded in full."
                )
                % values
            )
        if payment.is_pending:
            return (
                _(
                    "The processor has no answer for the %(money)s charge on %(method)s yet; "
                    "%(number)s still waits. Nothing was charged again: check again in a few "
                    "minutes."
                )
                % values
            )
        return _("The processor says: %(state)s. %(number)s still waits for payment.") % {
            "state": labels.payment_state(payment),
            "number": order.number,
        }


class BankTransferReceivedView(OrderActionView):
    slug = "bank-transfer-received"
    label = gettext_lazy("Mark bank transfer received")
    permission = permissions.CONFIRM_BANK_TRANSFER
    confirm_first = True

    @classmethod
    def is_offered(cls, detail: OrderDetail) -> bool:
        return (
            detail.order.status == OrderStatus.PENDING_PAYMENT
            and detail.waiting_bank_transfer is not None
        )

    def explanation(self) -> str:
        transfer = self.detail.waiting_bank_transfer
        money = format_money(transfer.amount, transfer.currency) if transfer else ""
        return _(
            "Confirms the customer's bank transfer of %(money)s has arrived: the payment "
            "succeeds, the order is paid and the customer gets the order confirmation."
        ) % {"money": money}

    def effects(self, form) -> list[str]:
        transfer = self.detail.waiting_bank_transfer
        if transfer is None:
            return [_("No bank transfer waits on this order any more: nothing will change.")]
        values = {
            "money": format_money(transfer.amount, transfer.currency),
            "number": self.order.number,
        }
        return [
            _("%(money)s is recorded as received by bank transfer for %(number)s.") % values,
            _(
                "The order becomes Paid and can ship; the customer gets the order "
                "confirmation. Check the money is on the bank statement first: this can "
                "only be undone by a refund."
            ),
        ]

    def perform(self, form) -> Order:
        self.transfer = self.detail.waiting_bank_transfer
        return order_mark_bank_transfer_received(
            order=self.order, by=self.request.user, reason=form.cleaned_data["reason"]
        )

    def done_message(self, order: Order, form) -> str:
        transfer = getattr(self, "transfer", None)
        money = format_money(transfer.amount, transfer.currency) if transfer else ""
        return _("Bank transfer of %(money)s received: %(number)s is paid.") % {
            "money": money,
            "number": order.number,
        }


class MarkShippedView(OrderActionView):
    slug = "shipped"
    label = gettext_lazy("Mark shipped")
    permission = permissions.FULFIL_ORDER
    form_class = FulfilForm

    @classmethod
    def is_offered(cls, detail: OrderDetail) -> bool:
        return detail.order.can_transition_to(OrderStatus.SHIPPED)

    def explanation(self) -> str:
        return _(
            "Marks the order shipped. From then on it can't be cancelled, only refunded. "
            "A tracking number can go in the message to the customer."
        )

    def perform(self, form) -> Order:
        return order_mark_shipped(
            order=self.order,
            by=self.request.user,
            reason=form.cleaned_data["reason"],
            message=form.cleaned_data.get("message", ""),
        )

    def done_message(self, order: Order, form) -> str:
        return _("%(number)s is marked shipped.") % {"number": order.number}


class MarkDeliveredView(OrderActionView):
    slug = "delivered"
    label = gettext_lazy("Mark delivered")
    permission = permissions.FULFIL_ORDER
    form_class = FulfilForm

    @classmethod
    def is_offered(cls, detail: OrderDetail) -> bool:
        return detail.order.can_transition_to(OrderStatus.DELIVERED)

    def explanation(self) -> str:
        return _("Marks the order delivered to the customer.")

    def perform(self, form) -> Order:
        return order_mark_delivered(
            order=self.order,
            by=self.request.user,
            reason=form.cleaned_data["reason"],
            message=form.cleaned_data.get("message", ""),
        )

    def done_message(self, order: Order, form) -> str:
        return _("%(number)s is marked delivered.") % {"number": order.number}


# In the order they are offered on the order page.
ORDER_ACTIONS: tuple[type[OrderActionView], ...] = (
    CheckWithProcessorView,
    RefundView,
    CancelView,
    RetryRefundView,
    BankTransferReceivedView,
    MarkShippedView,
    MarkDeliveredView,
)


# ---------------------------------------------------------------------- the admin


class PaymentMethodFilter(admin.SimpleListFilter):
    title = gettext_lazy("payment method")
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

    @admin.display(description=gettext_lazy("unit price"))
    def unit_price_column(self, line: OrderLine) -> str:
        return format_money(line.unit_price, line.currency)

    @admin.display(description=gettext_lazy("line total"))
    def line_total_column(self, line: OrderLine) -> str:
        return format_money(line.line_total, line.currency)


@admin.register(Order)
class OrderAdmin(CsvExportMixin, LedgerAdminMixin, admin.ModelAdmin):
    resource_classes = [OrderResource]
    change_list_template = "admin/shop/order/change_list.html"
    list_display = [
        "number",
        "customer_email",
        "seller",
        "status_badge",
        "payment_column",
        "total_column",
        "created_column",
        "paid_column",
    ]
    list_display_links = ["number"]
    list_filter = ["status", "seller", PaymentMethodFilter, "created_at"]
    search_fields = ["number", "user__email", "lines__title", "seller__name"]
    search_help_text = gettext_lazy(
        "Order number, customer email, item, seller name, or the last 4 digits of a card."
    )
    list_select_related = ["user", "seller"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-id"]
    list_per_page = 50
    # The paginator already counts the filtered orders; a second count of the whole table
    # on every page load costs more than the "(N total)" beside a search is worth.
    show_full_result_count = False
    actions = ["mark_shipped", "mark_delivered", "mark_bank_transfer_received"]
    inlines = [OrderLineInline]
    fieldsets = [
        (None, {"fields": ["number", "customer_link", "seller_link", "status_badge"]}),
        (
            gettext_lazy("Money"),
            {"fields": ["subtotal_column", "shipping_column", "total_column", "paid_with_link"]},
        ),
        (gettext_lazy("Shipping"), {"fields": ["ship_to"]}),
        (
            gettext_lazy("Dates"),
            {"fields": ["created_when", "paid_when", "cancelled_when", "updated_when"]},
        ),
    ]
    readonly_fields = [
        "number",
        "customer_link",
        "seller_link",
        "status_badge",
        "subtotal_column",
        "shipping_column",
        "total_column",
        "paid_with_link",
        "ship_to",
        "created_when",
        "paid_when",
        "cancelled_when",
        "updated_when",
    ]

    def get_queryset(self, request):
        return orders_with_latest_payment(super().get_queryset(request))

    def get_search_results(self, request, queryset, search_term):
        """Also match the last 4 digits of the card a payment for the order was tried with."""
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if len(term) == 4 and term.isdigit():
            paid_with_card = Payment.objects.filter(card_last4=term).values("reference")
            results = results | queryset.filter(number__in=paid_with_card)
            may_have_duplicates = True
        return results, may_have_duplicates

    created_when = when_field("created_at", description=gettext_lazy("created"))
    paid_when = when_field("paid_at", description=gettext_lazy("paid"))
    cancelled_when = when_field("cancelled_at", description=gettext_lazy("cancelled"))
    updated_when = when_field("updated_at", description=gettext_lazy("updated"))

    @admin.display(description=gettext_lazy("seller"))
    def seller_link(self, order: Order):
        """The seller, linked to its orders."""
        url = reverse("admin:shop_order_changelist")
        return format_html(
            '<a href="{}?seller__id__exact={}">{}</a>', url, order.seller_id, order.seller.name
        )

    # ----------------------------------------------------------------- columns
    @admin.display(description=gettext_lazy("payment"))
    def payment_column(self, order: Order):
        """The latest payment attempt in words, so waiting orders differ at a glance."""
        if not getattr(order, "latest_payment_status", None):
            return format_html('<span class="bz-quiet">{}</span>', _("No payment yet"))
        latest = LatestPayment(order)
        return format_html(
            '<span class="bz-payment"><span class="bz-nowrap">{}</span><br>'
            '<span class="bz-payment-state">{}</span></span>',
            latest.method_display,
            labels.payment_state(latest),
        )

    @admin.display(description=gettext_lazy("customer"), ordering="user__email")
    def customer_email(self, order: Order):
        return breakable_email(order.user.email)

    @admin.display(description=gettext_lazy("customer"))
    def customer_link(self, order: Order):
        return user_admin_link(order.user)

    @admin.display(description=gettext_lazy("status"), ordering="status")
    def status_badge(self, order: Order):
        return status_badge(order.status, order.get_status_display())

    @admin.display(description=gettext_lazy("total"), ordering="total")
    def total_column(self, order: Order) -> str:
        return format_money(order.total, order.currency)

    created_column = datetime_column("created_at", description=gettext_lazy("created"))

    paid_column = datetime_column("paid_at", description=gettext_lazy("paid"))

    @admin.display(description=gettext_lazy("subtotal"))
    def subtotal_column(self, order: Order) -> str:
        return format_money(order.subtotal, order.currency)

    @admin.display(description=gettext_lazy("shipping"))
    def shipping_column(self, order: Order) -> str:
        return format_money(order.shipping_fee, order.currency)

    @admin.display(description=gettext_lazy("refunded"))
    def refunded_column(self, order: Order) -> str:
        refunded = payment_refunded_amount(payment=order.paid_with) if order.paid_with else 0
        return format_money(refunded, order.currency)

    @admin.display(description=gettext_lazy("paid with"))
    def paid_with_link(self, order: Order):
        if order.paid_with is None:
            return "-"
        url = reverse("admin:wallet_payment_change", args=[order.paid_with_id])
        return format_html('<a href="{}">{}</a>', url, order.paid_with.method_display)

    @admin.display(description=gettext_lazy("ship to"))
    def ship_to(self, order: Order):
        address = getattr(order, "shipping_address", None)
        if address is None:
            return "-"
        return format_html_join(mark_safe("<br>"), "{}", ((line,) for line in address.as_lines()))

    # ---------------------------------------------------------- the order page
    def get_urls(self):
        actions = [
            path(
                f"<path:object_id>/actions/{view.slug}/",
                self.admin_site.admin_view(view.as_view(model_admin=self)),
                name=view.url_name(),
            )
            for view in ORDER_ACTIONS
        ]
        # Any other action is a 404 (not the admin's "no such order" redirect).
        unknown = path(
            "<path:object_id>/actions/<slug:action>/",
            self.admin_site.admin_view(self.unknown_action_view),
        )
        customer_view = path(
            "<path:object_id>/customer-view/",
            self.admin_site.admin_view(self.customer_view),
            name="shop_order_customer_view",
        )
        by_number = path(
            "by-number/<str:number>/",
            self.admin_site.admin_view(self.by_number_view),
            name="shop_order_by_number",
        )
        return [by_number, customer_view, *actions, unknown, *super().get_urls()]

    def by_number_view(self, request, number):
        """The order page of an order number (payments, refunds and dashboard rows know
        the number, not the id): a redirect to it, or 404."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        order = Order.objects.filter(number=number).only("pk").first()
        if order is None:
            raise Http404(_("No such order."))
        return HttpResponseRedirect(reverse("admin:shop_order_change", args=[order.pk]))

    def get_view_on_site_url(self, obj=None):
        """**View on site** opens the customer's order page as they see it, read-only
        (the shop's own page answers 404 to anyone but the customer)."""
        if obj is None:
            return None
        return reverse("admin:shop_order_customer_view", args=[obj.pk])

    def customer_view(self, request, object_id):
        """The customer's order page, as they see it, for staff who may view orders:
        read-only (its buttons are inert), with a banner saying whose page it is."""
        order = self.get_object(request, unquote(object_id))
        if order is None or not self.has_view_permission(request, order):
            raise Http404(_("No such order."))
        detail = order_get_detail(order_id=order.pk)
        deadline = detail.order.payment_deadline(
            waiting_bank_transfer=detail.waiting_bank_transfer is not None
        )
        return TemplateResponse(
            request,
            "support/customer_order.html",
            {
                "order": detail.order,
                "detail": detail,
                "payment_deadline": deadline,
                "admin_order_url": reverse("admin:shop_order_change", args=[order.pk]),
                "customer": order.user,
            },
        )

    def unknown_action_view(self, request, object_id, action):
        raise Http404(_("No such action."))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        order = self.get_object(request, unquote(object_id))
        context = dict(extra_context or {})
        if order is not None:
            detail = order_get_detail(order_id=order.pk)
            context.update(
                detail=detail,
                refundable=refundable_of(detail),
                # (label, url, red?) of each action this user may take on the order now
                order_actions=[
                    (view.label, view.url(order), view.danger)
                    for view in ORDER_ACTIONS
                    if view.is_offered(detail) and request.user.has_perm(view.permission)
                ],
                audit_entries=list(audit_entries_for_order(number=order.number or "")),
                latest_payment=detail.payments[-1] if detail.payments else None,
            )
        return super().change_view(request, object_id, form_url, context)

    # ----------------------------------------------------- list actions (safe ones)
    def _bulk(self, request, queryset, service, label: str) -> None:
        done, refused = [], []
        for order in queryset.order_by("id"):
            try:
                service(order=order, by=request.user)
            except (IllegalOrderTransition, WalletError) as exc:
                refused.append(f"{order.number} ({refusal_message(exc)})")
            else:
                done.append(order.number)
        if done:
            self.message_user(
                request,
                _("%(done)s: %(orders)s.") % {"done": label, "orders": ", ".join(done)},
                messages.SUCCESS,
            )
        if refused:
            self.message_user(
                request,
                _("%(done)s refused for %(orders)s")
                % {"done": label, "orders": "; ".join(refused)},
                messages.ERROR,
            )

    def has_fulfil_permission(self, request) -> bool:
        return request.user.has_perm(permissions.FULFIL_ORDER)

    def has_confirm_bank_transfer_permission(self, request) -> bool:
        return request.user.has_perm(permissions.CONFIRM_BANK_TRANSFER)

    @admin.action(description=gettext_lazy("Mark shipped"), permissions=["fulfil"])
    def mark_shipped(self, request, queryset):
        self._bulk(request, queryset, order_mark_shipped, _("Marked shipped"))

    @admin.action(description=gettext_lazy("Mark delivered"), permissions=["fulfil"])
    def mark_delivered(self, request, queryset):
        self._bulk(request, queryset, order_mark_delivered, _("Marked delivered"))

    @admin.action(
        description=gettext_lazy("Mark bank transfer received"),
        permissions=["confirm_bank_transfer"],
    )
    def mark_bank_transfer_received(self, request, queryset):
        self._bulk(
            request, queryset, order_mark_bank_transfer_received, _("Bank transfer received")
        )
