"""Order pages: history, detail, payment page, the bank's step-up challenge, cancelling.

Only the owner sees an order: another user's number is a 404 (the selector filters by
user). GET pages only read: an overdue order shows as not paid in time until the expiry
job or the next POST on it cancels it, and a payment the processor has not answered for
shows as being processed (the page refreshes itself; "Check now" asks the processor)."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext
from django.views import View
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import TemplateView

from core.money import format_money
from core.pagination import page_context, page_head_first
from shop import selectors, services
from shop.exceptions import CancelOvertaken, IllegalOrderTransition, OrderNotPayable
from shop.models import Order, OrderStatus
from shop.order_forms import BANK_TRANSFER, NEW_CARD, OTHER_WAY, PaymentMethodForm, new_token
from shop.views.mixins import IdsFirstPaginator
from wallet import selectors as wallet_selectors
from wallet.exceptions import (
    AuthenticationRequired,
    CaptchaRequired,
    CardError,
    CardLimitReached,
    GatewayUnavailable,
    IdempotencyConflict,
    PaymentDeclined,
    PaymentError,
    PaymentInProgress,
    ProcessingError,
)
from wallet.forms import CardCaptchaForm, CardForm

logger = logging.getLogger("shop.orders")

ORDERS_PER_PAGE = 10


def payment_error_response(request: HttpRequest, order: Order, error: Exception) -> HttpResponse:
    """Where a payment that did not complete sends the shopper, with what message."""
    if isinstance(error, AuthenticationRequired):
        return redirect("shop:order-authenticate", number=order.number)
    if isinstance(error, OrderNotPayable):
        messages.info(request, str(error))
        return redirect(order)
    if isinstance(error, PaymentInProgress):
        # The payment page shows the open payment as being processed, with no second Pay;
        # one still waiting for the bank's confirmation could not be called off just now.
        if error.payment is not None and error.payment.status == "requires_action":
            messages.warning(
                request,
                gettext(
                    "Your bank is still waiting for you to confirm the earlier payment, and we "
                    "couldn't call it off just now. Confirm it, or try again in a minute."
                ),
            )
        return redirect("shop:order-pay", number=order.number)
    if isinstance(error, GatewayUnavailable) and not isinstance(error, ProcessingError):
        # Nobody knows yet whether the bank took the money: say exactly that.
        logger.warning("%s: payment left open by the gateway (%s)", order.number, error.code)
        messages.warning(request, error.message)
        return redirect("shop:order-pay", number=order.number)
    if isinstance(error, IdempotencyConflict):
        logger.error("%s: idempotency conflict on payment", order.number)
        messages.error(request, gettext("That payment could not be made. Please try again."))
    else:
        messages.error(request, error.message if hasattr(error, "message") else str(error))
    return redirect("shop:order-pay", number=order.number)


def paid_response(request: HttpRequest, order: Order) -> HttpResponse:
    """The paid order's page, thanking the shopper, and saying so when the card they paid
    with was saved in their wallet by this payment (Save card). An order cancelled while
    the payment went through (from another tab, by support, or as overdue) keeps none of
    it (``order_settle_money`` gives it back): that is what the page says then."""
    if order.status in (OrderStatus.CANCELLED, OrderStatus.REFUND_PENDING):
        payments = wallet_selectors.payments_shown_for_reference(reference=order.number)
        took = [p for p in payments if p.is_succeeded]
        if took:
            text = gettext(
                "Order %(number)s was cancelled, so your payment of %(money)s is being given "
                "back; depending on your bank it can take a few days to appear."
            )
            money = format_money(took[-1].amount, took[-1].currency)
            messages.warning(request, text % {"number": order.number, "money": money})
        else:  # "Check now" on a payment that failed, for an order cancelled since
            messages.warning(request, services.order_not_payable_message(order=order))
        return redirect(order)
    messages.success(
        request, gettext("Thank you! Order %(number)s is paid.") % {"number": order.number}
    )
    saved = selectors.order_card_saved_by_payment(order=order)
    if saved is not None:
        messages.info(
            request, gettext("%(card)s is saved in your wallet.") % {"card": saved.display}
        )
    return redirect(order)


def _owned_order(request: HttpRequest, number: str) -> Order:
    return selectors.order_get_for_user(user=request.user, number=number)


class OrderListView(LoginRequiredMixin, TemplateView):
    """Your orders, ``ORDERS_PER_PAGE`` a page. The first page is read with the history's
    count in one query, by SQL compiled once (``page_head_first``); the count stops past
    ``core.pagination.HEAD_COUNT_CAP`` orders, so a long history's first page costs what
    1,001 orders' does. Later pages pick their ids first, so page 1000 costs what page 2
    does (``IdsFirstPaginator``)."""

    template_name = "shop/order_list.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        page = page_head_first(
            self.request.GET.get("page"),
            per_page=ORDERS_PER_PAGE,
            rows=selectors.order_rows_for_user(user=user),
            queryset=lambda: selectors.order_list_for_user(user=user),
            paginator_class=IdsFirstPaginator,
        )
        return super().get_context_data(**page_context(page), **kwargs)


class OrderDetailView(LoginRequiredMixin, TemplateView):
    template_name = "shop/order_detail.html"

    def get_context_data(self, **kwargs):
        detail = selectors.order_get_detail_for_user(
            user=self.request.user, number=self.kwargs["number"]
        )
        deadline = detail.order.payment_deadline(
            waiting_bank_transfer=detail.waiting_bank_transfer is not None
        )
        return super().get_context_data(
            order=detail.order, detail=detail, payment_deadline=deadline, **kwargs
        )


@method_decorator(sensitive_post_parameters("number", "cvc"), name="dispatch")
class OrderPayView(LoginRequiredMixin, View):
    template_name = "shop/order_pay.html"

    def _forms(self, request: HttpRequest, data=None, detail=None):
        cards = selectors.card_choices_for_user(user=request.user)
        # A card declined for this order is not preselected again (``detail``: the order
        # as the page shows it, with its payments).
        declined = {
            p.card_id for p in (detail.payments if detail else ()) if p.card_id and p.is_failed
        }
        first = next((c for c in cards if not c.is_expired and c.card.pk not in declined), None)
        # Reached through "Other payment methods": the saved cards were passed over there,
        # so none is preselected here.
        other = request.GET.get("way") == OTHER_WAY
        method_form = PaymentMethodForm(
            data=data,
            cards=cards,
            initial={
                "token": new_token(),
                "method": first.value if first and not other else NEW_CARD,
            },
        )
        wants_new_card = data is not None and data.get("method") == NEW_CARD
        # The name on a new card starts as the shopper's own, as on Add a card.
        card_form = CardForm(
            data=data if wants_new_card else None, initial={"name": request.user.full_name}
        )
        return method_form, card_form

    def _captcha_form(self, request: HttpRequest, data=None) -> CardCaptchaForm | None:
        """The CAPTCHA, when several cards were declined in the last hour."""
        if not wallet_selectors.card_attempt_needs_captcha(user=request.user):
            return None
        return CardCaptchaForm(data)

    def _render(
        self, request, order, method_form, card_form, captcha_form=None, status=200, detail=None
    ):
        if detail is None:  # after a POST: read again, as paying left it
            detail = selectors.order_get_detail(order_id=order.pk)
        context = {
            # Shown again with errors: nothing was charged with the posted token, and a
            # corrected card must not replay (or conflict with) the refused attempt.
            "page_token": new_token() if method_form.is_bound else method_form.initial["token"],
            "order": detail.order,
            "detail": detail,
            "method_form": method_form,
            "card_form": card_form,
            "captcha_form": captcha_form or self._captcha_form(request),
        }
        return render(request, self.template_name, context, status=status)

    def _not_payable(self, request, order) -> HttpResponse | None:
        if order.status == OrderStatus.PENDING_PAYMENT:
            return None
        messages.info(request, services.order_not_payable_message(order=order))
        return redirect(order)

    def get(self, request: HttpRequest, number: str) -> HttpResponse:
        # The shopper's order with what the page shows of it, read once (by SQL compiled
        # once per process): the checks below and the page share it.
        detail = selectors.order_get_detail_for_user(user=request.user, number=number)
        order = detail.order
        blocked = self._not_payable(request, order)
        if blocked:
            return blocked
        if order.overdue:
            messages.info(
                request,
                gettext(
                    "Order %(number)s was not paid in time, so it can't be paid any more; "
                    "its items go back on sale."
                )
                % {"number": order.number},
            )
            return redirect(order)
        if detail.processing_payment is not None:
            return render(
                request,
                "shop/order_processing.html",
                {"order": detail.order, "detail": detail, "payment": detail.processing_payment},
            )
        return self._render(request, order, *self._forms(request, detail=detail), detail=detail)

    def post(self, request: HttpRequest, number: str) -> HttpResponse:
        order = _owned_order(request, number)
        blocked = self._not_payable(request, order)
        if blocked:
            return blocked
        method_form, card_form = self._forms(request, data=request.POST)
        method_valid = method_form.is_valid()
        method = method_form.cleaned_data.get("method") if method_valid else None
        captcha_form = self._captcha_form(request, request.POST) if method == NEW_CARD else None
        if (
            not method_valid
            or (method == NEW_CARD and not card_form.is_valid())
            or (captcha_form is not None and not captcha_form.is_valid())
        ):
            return self._render(request, order, method_form, card_form, captcha_form)
        key = f"{order.number}:pay:{method_form.cleaned_data['token']}"
        try:
            if method == NEW_CARD:
                order = services.order_pay(
                    order=order,
                    method="new_card",
                    card_data=card_form.card_data,
                    save_card=method_form.cleaned_data["save_card"],
                    idempotency_key=key,
                    human_verified=captcha_form is not None,
                )
            elif method == BANK_TRANSFER:
                order = services.order_pay(order=order, method="bank_transfer", idempotency_key=key)
            else:
                order = services.order_pay(
                    order=order,
                    method="saved_card",
                    card=method_form.chosen_card,
                    idempotency_key=key,
                )
        except CardLimitReached as error:
            method_form.add_error("save_card", error.message)
            return self._render(request, order, method_form, CardForm())
        except CaptchaRequired as error:
            card_form.add_error(None, error.message)
            return self._render(request, order, method_form, card_form, CardCaptchaForm())
        except ValidationError as error:
            card_form.add_error(None, error)
            return self._render(request, order, method_form, card_form)
        except (PaymentDeclined, ProcessingError) as error:
            if method != NEW_CARD:
                return payment_error_response(request, order, error)
            # The same page again with the reason on top, the card's name, expiry and Save
            # card kept (never its number or CVC) and a fresh CAPTCHA if one is now due.
            messages.error(request, error.message)
            kept = request.POST.copy()
            for secret in ("number", "cvc"):
                kept[secret] = ""
            return self._render(request, order, method_form, CardForm(initial=kept.dict()))
        except (PaymentError, CardError, OrderNotPayable) as error:
            return payment_error_response(request, order, error)
        if order.status == OrderStatus.PENDING_PAYMENT:
            messages.info(
                request,
                gettext(
                    "Thank you. Order %(number)s is reserved for you until your bank transfer "
                    "arrives; the details are below."
                )
                % {"number": order.number},
            )
            return redirect(order)
        return paid_response(request, order)


class OrderPaymentCheckView(LoginRequiredMixin, View):
    """POST only: "Check now" on a payment being processed asks the processor about it."""

    def post(self, request: HttpRequest, number: str) -> HttpResponse:
        order = services.order_check_payment(order=_owned_order(request, number))
        if order.status != OrderStatus.PENDING_PAYMENT:
            return paid_response(request, order)
        return redirect("shop:order-pay", number=order.number)


class OrderAuthenticateView(LoginRequiredMixin, View):
    """The bank's step-up challenge for a payment waiting for confirmation."""

    template_name = "shop/order_authenticate.html"

    def _waiting(self, request: HttpRequest, number: str):
        order = _owned_order(request, number)
        detail = selectors.order_get_detail(order_id=order.pk)
        return order, detail, detail.waiting_step_up

    def get(self, request: HttpRequest, number: str) -> HttpResponse:
        order, detail, payment = self._waiting(request, number)
        if payment is None:
            return redirect(order)
        return render(
            request, self.template_name, {"order": order, "detail": detail, "payment": payment}
        )

    def post(self, request: HttpRequest, number: str) -> HttpResponse:
        order, _detail, payment = self._waiting(request, number)
        if payment is None:
            return redirect(order)
        approved = request.POST.get("decision") == "approve"
        try:
            order = services.order_confirm_step_up(order=order, approved=approved)
        except GatewayUnavailable as error:
            if error.code != "unreachable":
                return payment_error_response(request, order, error)
            messages.error(request, error.message)
            return redirect("shop:order-authenticate", number=order.number)
        except (PaymentError, OrderNotPayable) as error:
            return payment_error_response(request, order, error)
        return paid_response(request, order)


class OrderCancelView(LoginRequiredMixin, View):
    """Cancel an order that has not shipped: a confirmation page, then the cancel. A paid
    order is refunded in full (a second POST while the refund is pending sends the same
    refund again, never twice); an order waiting for payment is cancelled with nothing
    charged, its bank transfer called off and its stock back on sale."""

    template_name = "shop/order_cancel.html"

    def _refused(self, request: HttpRequest, order: Order) -> HttpResponse:
        messages.info(
            request,
            gettext("Order %(number)s can no longer be cancelled here.") % {"number": order.number},
        )
        return redirect(order)

    def _still_processing(self, request: HttpRequest, order: Order) -> HttpResponse:
        messages.error(
            request,
            gettext(
                "Your payment for order %(number)s is still being processed, so the order "
                "can't be cancelled yet. Please try again in a few minutes."
            )
            % {"number": order.number},
        )
        return redirect(order)

    def get(self, request: HttpRequest, number: str) -> HttpResponse:
        order = _owned_order(request, number)
        detail = selectors.order_get_detail(order_id=order.pk)
        if not detail.can_be_cancelled_by_shopper:
            if order.status == OrderStatus.PENDING_PAYMENT:  # a card payment still open
                return self._still_processing(request, order)
            return self._refused(request, order)
        return render(request, self.template_name, {"order": detail.order, "detail": detail})

    def post(self, request: HttpRequest, number: str) -> HttpResponse:
        order = _owned_order(request, number)
        if not (order.can_be_cancelled or order.status == OrderStatus.REFUND_PENDING):
            return self._refused(request, order)
        try:
            order = services.order_cancel(
                order=order, by=request.user, reason="Cancelled by the shopper."
            )
        except CancelOvertaken:  # payments kept starting in another tab
            messages.error(
                request,
                gettext(
                    "A payment for order %(number)s was started while you were cancelling "
                    "it, so the order is not cancelled. Look at the order, and cancel it "
                    "again if you still want to."
                )
                % {"number": order.number},
            )
            return redirect(order)
        except IllegalOrderTransition:
            return self._refused(request, order)
        except GatewayUnavailable:
            # Waiting for payment, with a card payment whose fate the processor can't tell
            # yet: nothing changed.
            return self._still_processing(request, order)
        detail = selectors.order_get_detail(order_id=order.pk)
        paid = detail.paid_payment
        if paid is None and order.status == OrderStatus.CANCELLED:
            messages.success(
                request,
                gettext("Order %(number)s is cancelled. Nothing was charged.")
                % {"number": order.number},
            )
            return redirect(order)
        money = format_money(paid.amount if paid else order.total, order.currency)
        values = {"number": order.number, "money": money}
        if paid:
            values["method"] = paid.method_display
        if order.status == OrderStatus.CANCELLED:  # with a payment: nothing paid returned above
            text = gettext(
                "Order %(number)s is cancelled. We have refunded %(money)s to %(method)s; "
                "depending on your bank it can take a few days to appear."
            )
            messages.success(request, text % values)
        else:
            text = (
                gettext(
                    "Order %(number)s is cancelled and won't ship. We have asked your bank "
                    "to refund %(money)s to %(method)s and are waiting for its answer: the order "
                    "reads Refund pending until then. You don't need to do anything."
                )
                if paid
                else gettext(
                    "Order %(number)s is cancelled and won't ship. We have asked your bank "
                    "to refund %(money)s and are waiting for its answer: the order reads "
                    "Refund pending until then. You don't need to do anything."
                )
            )
            messages.info(request, text % values)
        return redirect(order)
