"""Order life after checkout: the state machine, shipping, the timeline and staff's record.

``order_set_status`` is the one place an order's status changes; every other order service
ends in it. Money (paying, refunds, cancelling) lives in ``order_money``, expiry in
``expiry``. A service that staff act through writes its audit entry (``order_audit``) in
the transaction of the change it records. Log lines start with the order number.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from core.audit import AuditAction, audit_record, is_staff_actor
from core.text import one_line
from shop.exceptions import IllegalOrderTransition
from shop.models import Order, OrderEvent, OrderLine, OrderStatus, Product
from shop.selectors.orders import order_get_locked
from shop.services.order_emails import order_email_on_commit

if TYPE_CHECKING:
    from wallet.models import Payment

logger = logging.getLogger("shop.orders")

_RELEASES_STOCK = frozenset(
    {OrderStatus.CANCELLED, OrderStatus.REFUNDED, OrderStatus.REFUND_PENDING}
)


def _release_stock(order: Order) -> None:
    lines = OrderLine.objects.filter(order=order, product__isnull=False).order_by("product_id")
    for product_id, quantity in lines.values_list("product_id", "quantity"):
        Product.objects.filter(pk=product_id).update(stock=F("stock") + quantity)


def order_event_note(*, order: Order, reason: str, by: User | None = None) -> OrderEvent:
    """A timeline entry that is not a status change (e.g. a partial refund)."""
    return OrderEvent.objects.create(
        order=order, from_status=order.status, to_status=order.status, actor=by, reason=reason
    )


def order_audit(
    *, order: Order, by: User | None, action: str, summary: str, reason: str = "", **details
) -> None:
    """Staff's record of an action on ``order`` (``core.audit.audit_record``: who, what,
    the order number, why, the order's status and ``details``), written only when ``by``
    is staff. Call it inside the transaction of the change it records. Raises
    ``ValueError`` for an action that needs a reason and has none."""
    if not is_staff_actor(by):
        return
    audit_record(
        actor=by,
        action=action,
        target=order,
        order_number=order.number or "",
        reason=reason,
        summary=summary,
        details={"status": order.status, **details},
    )


def order_set_status(
    *,
    order: Order,
    status: str,
    by: User | None = None,
    reason: str = "",
    paid_with: Payment | None = None,
    fresh: bool = False,
) -> Order:
    """Move ``order`` to ``status`` if ``Order.TRANSITIONS`` allows it, recording an
    ``OrderEvent`` (from, to, actor ``by``, ``reason``).

    Side effects: paid stamps ``paid_at``, records ``paid_with`` (the wallet payment that
    paid it) and queues the confirmation letter; leaving a
    stock-holding state for cancelled, refunded or refund pending puts the stock back
    (``F()`` updates); a paid order's cancellation letter goes once its refund is accepted
    (refund pending -> cancelled), a full refund's letter on refunded. Atomic; locks the
    order row. Raises ``IllegalOrderTransition`` for a move the table forbids (including to
    the status it already has) and then changes nothing.

    Inside a caller's transaction it takes no savepoint of its own (its refusal is raised
    once the block is left, so the caller may catch it and go on); any other error
    undoes the caller's whole transaction.

    ``fresh``: ``order`` is as the caller's transaction placed it moments ago, with what
    its letters show (``ORDER_LETTER_JOINS``) loaded. The move is then one UPDATE that
    applies only while the row still has the status the caller saw, and takes the row
    lock as the locked read would; the row is read (locked) only if the status changed
    meanwhile, to move it from there or refuse.
    """
    with transaction.atomic(savepoint=False):
        locked, previous = order, None
        if fresh and order.can_transition_to(status):
            previous = _order_move(
                order, status, by=by, reason=reason, paid_with=paid_with, was=order.status
            )
        if previous is None:
            # Read with what the letters show (only the order's row is locked).
            locked = order_get_locked(order_id=order.pk)
            if locked.can_transition_to(status):
                previous = _order_move(locked, status, by=by, reason=reason, paid_with=paid_with)
    if previous is None:
        labels = dict(OrderStatus.choices)
        was, to = (str(labels.get(s, s)).lower() for s in (locked.status, status))
        raise IllegalOrderTransition(
            f"Order {locked.number} can't move from {was} to {to}.",
            order=locked,
            status=status,
        )
    logger.info("%s: %s -> %s (%s)", locked.number, previous, status, reason)
    for name in ("status", "paid_at", "cancelled_at", "updated_at"):
        setattr(order, name, getattr(locked, name))
    if paid_with is not None and status == OrderStatus.PAID:
        order.paid_with = paid_with
    return order


def _order_move(
    locked: Order,
    status: str,
    *,
    by: User | None,
    reason: str,
    paid_with: Payment | None,
    was: str | None = None,
) -> str | None:
    """``order_set_status``'s writes, the move being allowed and the row locked; returns
    the status the order had. With ``was``, the row is not locked yet: it moves only if
    it still has that status (the UPDATE locks it), else nothing is written (None)."""
    previous = locked.status
    now = timezone.now()
    values: dict[str, object] = {"status": status, "updated_at": now}
    if status == OrderStatus.PAID:
        values["paid_at"] = now
        if paid_with is not None:
            values["paid_with"] = paid_with
    if status in (OrderStatus.CANCELLED, OrderStatus.REFUND_PENDING):
        values["cancelled_at"] = locked.cancelled_at or now
    rows = Order.objects.filter(pk=locked.pk)
    if was is not None:
        rows = rows.filter(status=was)
    if not rows.update(**values):
        return None
    for name, value in values.items():
        setattr(locked, name, value)
    if previous in Order.STOCK_HOLDING and status in _RELEASES_STOCK:
        _release_stock(locked)
    OrderEvent.objects.create(
        order=locked, from_status=previous, to_status=status, actor=by, reason=reason[:255]
    )
    if status == OrderStatus.PAID:
        order_email_on_commit(order=locked, kind="confirmation")
    elif status == OrderStatus.CANCELLED and previous == OrderStatus.REFUND_PENDING:
        order_email_on_commit(order=locked, kind="cancelled")
    elif status == OrderStatus.REFUNDED:
        order_email_on_commit(order=locked, kind="refund")
    return previous


def _order_fulfil(
    order: Order,
    *,
    status: str,
    by: User | None,
    reason: str,
    action: str,
    done: str,
    message: str | None = None,
) -> Order:
    reason = one_line(reason)
    # What the customer reads on their timeline: ``message`` when given (support splits
    # it from the internal note), else the reason as before.
    shown = reason if message is None else one_line(message)
    with transaction.atomic():
        order = order_set_status(order=order, status=status, by=by, reason=shown or f"{done}.")
        order_audit(
            order=order,
            by=by,
            action=action,
            reason=reason,
            summary=f"{order.number} marked {done.lower()}.",
        )
    return order


def order_mark_shipped(
    *, order: Order, by: User | None = None, reason: str = "", message: str | None = None
) -> Order:
    """Mark a paid order shipped; staff's audit entry (``by`` staff, ``reason`` their
    internal note) is written with it, atomically; ``message`` (when given) is what the
    customer reads on their order's timeline instead of the reason. Raises
    ``IllegalOrderTransition`` for an order that isn't paid."""
    return _order_fulfil(
        order,
        status=OrderStatus.SHIPPED,
        by=by,
        reason=reason,
        action=AuditAction.ORDER_SHIPPED,
        done="Shipped",
        message=message,
    )


def order_mark_delivered(
    *, order: Order, by: User | None = None, reason: str = "", message: str | None = None
) -> Order:
    """Mark a shipped order delivered; staff's audit entry (``by`` staff) is written with
    it, atomically. Raises ``IllegalOrderTransition`` for an order that hasn't shipped."""
    return _order_fulfil(
        order,
        status=OrderStatus.DELIVERED,
        by=by,
        reason=reason,
        action=AuditAction.ORDER_DELIVERED,
        done="Delivered",
        message=message,
    )
