"""Order life after checkout: the state machine, paying, cancelling, refunds, shipping,
bank transfers and expiry.

``order_set_status`` is the one place an order's status changes. Every other service here
ends in it. Money moves only through ``wallet.services``; no order row lock is ever held
across a gateway call (the wallet call runs first, the order is locked afterwards).
Log lines start with the order number.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, QuerySet
from django.utils import timezone

from core.money import format_money
from shop.exceptions import IllegalOrderTransition
from shop.models import Order, OrderEvent, OrderLine, OrderStatus, Product
from shop.services.order_emails import order_email_on_commit
from wallet import selectors as wallet_selectors
from wallet import services as wallet_services
from wallet.exceptions import GatewayUnavailable, WalletError
from wallet.models import Payment, PaymentMethod, PaymentStatus

logger = logging.getLogger("shop.orders")

# An order waiting for a bank transfer keeps its stock this long (transfers take days);
# other unpaid orders expire after settings.ORDER_PAYMENT_TIMEOUT_MINUTES.
BANK_TRANSFER_WAIT_DAYS = 7

_RELEASES_STOCK = frozenset({OrderStatus.CANCELLED, OrderStatus.REFUNDED})


def _release_stock(order: Order) -> None:
    lines = OrderLine.objects.filter(order=order, product__isnull=False).order_by("product_id")
    for product_id, quantity in lines.values_list("product_id", "quantity"):
        Product.objects.filter(pk=product_id).update(stock=F("stock") + quantity)


def order_event_note(*, order: Order, reason: str, by=None) -> OrderEvent:
    """A timeline entry that is not a status change (e.g. a partial refund)."""
    return OrderEvent.objects.create(
        order=order, from_status=order.status, to_status=order.status, actor=by, reason=reason
    )


def order_set_status(*, order: Order, status: str, by=None, reason: str = "") -> Order:
    """Move ``order`` to ``status`` if ``Order.TRANSITIONS`` allows it, recording an
    ``OrderEvent`` (from, to, actor ``by``, ``reason``).

    Side effects: paid stamps ``paid_at`` and queues the confirmation email; cancelled or
    refunded from a stock-holding state puts the stock back (``F()`` updates) and queues a
    notice. Atomic; locks the order row. Raises ``IllegalOrderTransition`` for a move the
    table forbids (including to the status it already has) and then changes nothing.
    """
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if not locked.can_transition_to(status):
            raise IllegalOrderTransition(
                f"Order {locked.number} can't move from {locked.status} to {status}.",
                order=locked,
                status=status,
            )
        previous = locked.status
        locked.status = status
        fields = ["status", "updated_at"]
        now = timezone.now()
        if status == OrderStatus.PAID:
            locked.paid_at = now
            fields.append("paid_at")
        if status == OrderStatus.CANCELLED:
            locked.cancelled_at = now
            fields.append("cancelled_at")
        locked.save(update_fields=fields)
        if previous in Order.STOCK_HOLDING and status in _RELEASES_STOCK:
            _release_stock(locked)
        OrderEvent.objects.create(
            order=locked, from_status=previous, to_status=status, actor=by, reason=reason[:255]
        )
        if status == OrderStatus.PAID:
            order_email_on_commit(order=locked, kind="confirmation")
        elif status in _RELEASES_STOCK and previous != OrderStatus.PENDING_PAYMENT:
            order_email_on_commit(
                order=locked, kind="cancelled" if status == "cancelled" else "refund"
            )
    logger.info("%s: %s -> %s (%s)", locked.number, previous, status, reason)
    for name in ("status", "paid_at", "cancelled_at", "updated_at"):
        setattr(order, name, getattr(locked, name))
    return order


# --------------------------------------------------------------------------- paying


def _pending_payments(order: Order, *, exclude: int | None = None) -> list[Payment]:
    payments = Payment.objects.filter(
        reference=order.number,
        status__in=(PaymentStatus.PROCESSING, PaymentStatus.REQUIRES_ACTION),
    )
    if exclude is not None:
        payments = payments.exclude(pk=exclude)
    return list(payments)


def order_record_payment(*, order: Order, payment: Payment, by=None) -> Order:
    """Apply a succeeded wallet payment to its order: pending_payment -> paid.

    Idempotent for the payment that already paid the order. A payment that succeeds for
    an order already paid by another payment, or cancelled meanwhile (expired), is refunded
    in full after the order lock is released. Other waiting payments of the order (a bank
    transfer started earlier) are cancelled.
    """
    if payment.status != PaymentStatus.SUCCEEDED:
        raise ValueError("Only a succeeded payment pays an order.")
    refund_it = False
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.paid_with_id == payment.pk:
            pass
        elif locked.status == OrderStatus.PENDING_PAYMENT:
            Order.objects.filter(pk=locked.pk).update(paid_with=payment)
            order.paid_with = payment
            how = payment.method_display
            money = format_money(payment.amount, payment.currency)
            order_set_status(
                order=order, status=OrderStatus.PAID, by=by, reason=f"Paid {money} with {how}."
            )
        else:
            refund_it = True
    if refund_it:
        logger.warning(
            "%s: payment %s arrived for a %s order; refunding it",
            order.number,
            payment.pk,
            locked.status,
        )
        wallet_services.payment_refund(
            payment=payment,
            amount=payment.amount,
            reason=f"Order {order.number} was already {locked.get_status_display().lower()}.",
            idempotency_key=f"{order.number}:duplicate:{payment.pk}",
        )
        order_event_note(
            order=locked, reason=f"Extra payment with {payment.method_display} refunded."
        )
    for other in _pending_payments(order, exclude=payment.pk):
        try:
            wallet_services.payment_cancel(payment=other)
        except WalletError:
            logger.warning("%s: could not cancel waiting payment %s", order.number, other.pk)
    order.refresh_from_db()
    return order


def order_sync_payments(*, order: Order) -> Order:
    """Apply to a waiting order a payment that succeeded elsewhere (settled by the
    wallet's reconciliation after a gateway timeout). Cheap when there is none: one query."""
    if order.status != OrderStatus.PENDING_PAYMENT:
        return order
    payment = (
        Payment.objects.filter(
            reference=order.number, user=order.user_id, status=PaymentStatus.SUCCEEDED
        )
        .order_by("settled_at", "id")
        .first()
    )
    if payment is None:
        return order
    return order_record_payment(order=order, payment=payment)


def _transfers_waiting(reference) -> QuerySet[Payment]:
    """The bank transfers started for order ``reference`` (a number or an ``OuterRef``)
    that staff have not marked received yet."""
    return Payment.objects.filter(
        reference=reference, method=PaymentMethod.BANK_TRANSFER, status=PaymentStatus.PROCESSING
    )


def order_mark_bank_transfer_received(*, order: Order, by) -> Order:
    """Staff confirm the shopper's bank transfer arrived: the payment succeeds (recording
    ``by``) and the order is paid. Raises ``IllegalOrderTransition`` when no transfer waits."""
    transfer = _transfers_waiting(order.number).first()
    if transfer is None:
        raise IllegalOrderTransition(
            f"Order {order.number} has no bank transfer waiting.", order=order
        )
    payment = wallet_services.payment_mark_bank_transfer_received(payment=transfer, by=by)
    return order_record_payment(order=order, payment=payment, by=by)


# ------------------------------------------------------------------ refunds, cancelling


def order_refunded_amount(*, order: Order) -> Decimal:
    """What has been given back on the payment that paid the order."""
    if order.paid_with_id is None:
        return Decimal("0.00")
    return wallet_selectors.payment_refunded_amount(payment=order.paid_with)


def order_refund(
    *, order: Order, amount: Decimal, reason: str, by=None, idempotency_key: str | None = None
) -> Order:
    """Refund ``amount`` (all or part of what is left) of a paid, shipped or delivered order.

    A refund that leaves nothing to refund moves the order to refunded (stock goes back only
    if it had not shipped); a partial one leaves the status and adds a timeline note. The
    wallet call runs with no order lock held. Raises ``IllegalOrderTransition`` for an order
    in another state, and the wallet's ``RefundError``/``GatewayUnavailable``/``ValueError``.
    """
    order = Order.objects.select_related("paid_with").get(pk=order.pk)
    if (
        order.status not in (OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED)
        or not order.paid_with_id
    ):
        raise IllegalOrderTransition(
            f"Order {order.number} can't be refunded while {order.status}.", order=order
        )
    refund = wallet_services.payment_refund(
        payment=order.paid_with,
        amount=amount,
        reason=reason,
        by=by,
        idempotency_key=idempotency_key,
    )
    money = format_money(refund.amount, refund.currency)
    left = wallet_selectors.payment_refundable_amount(payment=order.paid_with)
    if left <= 0:
        return order_set_status(
            order=order, status=OrderStatus.REFUNDED, by=by, reason=f"Refunded {money}: {reason}"
        )
    order_event_note(order=order, reason=f"Partly refunded {money}: {reason}", by=by)
    order_email_on_commit(order=order, kind="refund")
    return order


def order_cancel(*, order: Order, by=None, reason: str = "") -> Order:
    """Cancel an order that has not shipped. Waiting: its pending payments are cancelled and
    the stock returns. Paid: the whole payment is refunded first (idempotent key, no lock
    held), then the order is cancelled and the stock returns.

    Raises ``IllegalOrderTransition`` once shipped (or already closed); ``GatewayUnavailable``
    if a waiting card payment's fate is unknown or the refund could not be sent (the order
    is then unchanged and the call can be retried).
    """
    order = Order.objects.get(pk=order.pk)
    reason = reason or "Cancelled."
    if order.status == OrderStatus.PENDING_PAYMENT:
        for payment in _pending_payments(order):
            payment = wallet_services.payment_cancel(payment=payment)
            if payment.status == PaymentStatus.SUCCEEDED:
                order = order_record_payment(order=order, payment=payment)
    if order.status == OrderStatus.PAID:
        left = wallet_selectors.payment_refundable_amount(payment=order.paid_with)
        if left > 0:
            wallet_services.payment_refund(
                payment=order.paid_with,
                amount=left,
                reason=f"Order {order.number} cancelled. {reason}",
                by=by,
                idempotency_key=f"{order.number}:cancel",
            )
    if not order.can_transition_to(OrderStatus.CANCELLED):
        raise IllegalOrderTransition(
            f"Order {order.number} can't be cancelled while {order.status}.", order=order
        )
    return order_set_status(order=order, status=OrderStatus.CANCELLED, by=by, reason=reason)


def order_mark_shipped(*, order: Order, by=None, reason: str = "") -> Order:
    return order_set_status(
        order=order, status=OrderStatus.SHIPPED, by=by, reason=reason or "Shipped."
    )


def order_mark_delivered(*, order: Order, by=None, reason: str = "") -> Order:
    return order_set_status(
        order=order, status=OrderStatus.DELIVERED, by=by, reason=reason or "Delivered."
    )


# --------------------------------------------------------------------------- expiry


def order_payment_deadline(*, order: Order, waiting_bank_transfer: bool = False):
    """When an unpaid order expires."""
    if waiting_bank_transfer:
        return order.created_at + timedelta(days=BANK_TRANSFER_WAIT_DAYS)
    return order.created_at + timedelta(minutes=settings.ORDER_PAYMENT_TIMEOUT_MINUTES)


def _waits_for_bank_transfer(order: Order) -> bool:
    return _transfers_waiting(order.number).exists()


def order_expire_if_due(*, order: Order) -> Order:
    """Cancel ``order`` if it is still unpaid past its deadline (the lazy check made when an
    order is viewed or paid). A card payment whose fate the gateway can't tell yet keeps
    the order waiting until the next check. Returns the order, fresh."""
    order = order_sync_payments(order=order)
    if order.status != OrderStatus.PENDING_PAYMENT:
        return order
    deadline = order_payment_deadline(
        order=order, waiting_bank_transfer=_waits_for_bank_transfer(order)
    )
    if timezone.now() < deadline:
        return order
    try:
        return order_cancel(order=order, reason="Not paid in time; the items went back on sale.")
    except (GatewayUnavailable, IllegalOrderTransition) as exc:
        logger.warning("%s: expiry postponed (%s)", order.number, exc)
        order.refresh_from_db()
        return order


def order_expire_unpaid(*, user=None) -> int:
    """Expire every unpaid order past its deadline (only ``user``'s when given); returns how
    many were cancelled. Safe to run from cron while shoppers pay, and before listing a
    shopper's orders (each order is settled under its own lock).

    One query when nothing is due: orders still inside their bank-transfer wait (and with
    no settled payment to apply) are left out by the query itself, so a list page doesn't
    recheck them one by one.
    """
    now = timezone.now()
    cutoff = now - timedelta(minutes=settings.ORDER_PAYMENT_TIMEOUT_MINUTES)
    transfer_waiting = _transfers_waiting(OuterRef("number"))
    succeeded = Payment.objects.filter(
        reference=OuterRef("number"), user=OuterRef("user"), status=PaymentStatus.SUCCEEDED
    )
    due = (
        Order.objects.filter(status=OrderStatus.PENDING_PAYMENT, created_at__lt=cutoff)
        .exclude(
            Exists(transfer_waiting),
            ~Exists(succeeded),
            created_at__gte=now - timedelta(days=BANK_TRANSFER_WAIT_DAYS),
        )
        .order_by("id")
    )
    if user is not None:
        due = due.filter(user=user)
    expired = 0
    for order in due:
        if order_expire_if_due(order=order).status == OrderStatus.CANCELLED:
            expired += 1
    return expired
