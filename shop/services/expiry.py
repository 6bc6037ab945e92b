"""Unpaid orders expire: their stock goes back on sale.

A card order expires ``ORDER_PAYMENT_TIMEOUT_MINUTES`` after it was placed, an order
waiting for a bank transfer after ``BANK_TRANSFER_WAIT_DAYS``. Expiry is a write, so it
happens in the ``expire_unpaid_orders`` job and in the POST that touches an overdue order
(paying it); pages only show an overdue order as not paid in time (``Order.is_overdue``).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.utils import timezone

from accounts.models import User
from shop.exceptions import IllegalOrderTransition
from shop.models import Order, OrderStatus
from shop.models.orders import BANK_TRANSFER_WAIT_DAYS
from shop.services.order_money import order_cancel, order_settle_money
from wallet import selectors as wallet_selectors
from wallet import services as wallet_services
from wallet.exceptions import GatewayUnavailable

logger = logging.getLogger("shop.orders")

EXPIRY_REASON = "Not paid in time; the items went back on sale."


def order_expire_if_due(*, order: Order) -> Order:
    """Cancel ``order`` if it is still unpaid past its deadline. A payment that turned out
    succeeded (found by asking the processor) pays it instead; a card payment whose fate
    the processor can't tell yet keeps it waiting until the next try. Returns the order,
    fresh."""
    return order_expire_if_due_fresh(order=Order.objects.get(pk=order.pk))


def order_expire_if_due_fresh(*, order: Order) -> Order:
    """``order_expire_if_due`` for an order the caller has just read (not read again)."""
    if order.status != OrderStatus.PENDING_PAYMENT:
        return order
    if not any(order.is_overdue(waiting_bank_transfer=w) for w in (False, True)):
        return order  # due by neither deadline: no need to ask about a bank transfer
    waiting = wallet_selectors.bank_transfers_waiting(reference=order.number).exists()
    if not order.is_overdue(waiting_bank_transfer=waiting):
        return order
    # A payment the processor took before the deadline pays the order: the shopper paid in
    # time, so it is theirs, not cancelled (and not refunded).
    payment = wallet_services.payment_resolve_open(reference=order.number, cancel_step_up=True)
    if payment is not None and payment.is_pending:
        logger.warning("%s: expiry postponed: payment %s still open", order.number, payment.pk)
        return order
    order = order_settle_money(order=order)
    if order.status != OrderStatus.PENDING_PAYMENT:
        return order
    try:
        return order_cancel(order=order, reason=EXPIRY_REASON, only_if_overdue=True)
    except (GatewayUnavailable, IllegalOrderTransition) as exc:
        logger.warning("%s: expiry postponed (%s)", order.number, exc)
        return Order.objects.get(pk=order.pk)


def order_expire_unpaid(*, user: User | None = None) -> int:
    """Expire every unpaid order past its deadline (only ``user``'s when given); returns how
    many were cancelled. Safe to run while shoppers pay: each order is settled under its own
    lock. Orders still inside their bank-transfer wait are left out by the query itself."""
    now = timezone.now()
    cutoff = now - timedelta(minutes=settings.ORDER_PAYMENT_TIMEOUT_MINUTES)
    due = (
        Order.objects.filter(status=OrderStatus.PENDING_PAYMENT, created_at__lt=cutoff)
        .exclude(
            Exists(wallet_selectors.bank_transfers_waiting(reference=OuterRef("number"))),
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
