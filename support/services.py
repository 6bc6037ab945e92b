"""Support services: the audit log's only writer, and the staff actions that wrap the shop
and wallet services with a record of who did what, when and why."""

from __future__ import annotations

from typing import Any

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction

from core.security_log import security_event
from support.exceptions import ActionAlreadyDone
from support.models import REASON_REQUIRED, AuditAction, AuditEntry
from wallet.models import Refund


def _json_safe(details: dict[str, Any] | None) -> dict[str, Any]:
    import json

    return json.loads(json.dumps(details or {}, cls=DjangoJSONEncoder))


def audit_record(
    *,
    actor,
    action: str,
    target: models.Model | None = None,
    order_number: str = "",
    reason: str = "",
    summary: str = "",
    details: dict[str, Any] | None = None,
    admin_log: bool = True,
) -> AuditEntry:
    """Write one audit entry (and, with ``admin_log``, the matching Django admin
    ``LogEntry`` so the object's History page shows it too). Atomic.

    Raises ``ValueError`` when an action that needs a reason has none.
    """
    reason = " ".join((reason or "").split())[:500]
    if action in REASON_REQUIRED and not reason:
        raise ValueError("This action needs a reason.")
    target_type = ContentType.objects.get_for_model(target) if target is not None else None
    target_repr = str(target)[:200] if target is not None else ""
    with transaction.atomic():
        entry = AuditEntry.objects.create(
            actor=actor if getattr(actor, "pk", None) else None,
            actor_email=getattr(actor, "email", "") or "",
            action=action,
            target_type=target_type,
            target_id=str(target.pk) if target is not None else "",
            target_repr=target_repr,
            order_number=order_number,
            reason=reason,
            summary=summary[:500],
            details=_json_safe(details),
        )
        # Every staff action is in the security log too, with the staff member's address.
        security_event(
            "staff.action",
            user=actor if getattr(actor, "pk", None) else None,
            outcome="success",
            object_id=f"{target_type.app_label}.{target_type.model}:{target.pk}"
            if target is not None
            else "",
            action=action,
            order_number=order_number,
            reason=reason,
            summary=summary[:500],
        )
        if admin_log and target is not None and getattr(actor, "pk", None):
            message = summary or AuditAction(action).label
            if reason:
                message = f"{message} Reason: {reason}"
            LogEntry.objects.log_actions(
                user_id=actor.pk,
                queryset=[target],
                action_flag=CHANGE,
                change_message=message[:1000],
                single_object=True,
            )
    return entry


def support_card_disable(*, card, by, reason: str):
    """Disable a saved card on a fraud report (``wallet.services.card_disable``: it leaves
    checkout and the wallet, the owner gets a notice) and record it with the reason, in one
    transaction. Idempotent: an already disabled card is returned unchanged and not logged
    again. Raises ``django.core.exceptions.ValidationError`` for a missing reason."""
    from wallet.services import card_disable

    with transaction.atomic():
        already = card.disabled_at is not None
        card = card_disable(card=card, by=by, reason=reason)
        if not already:
            audit_record(
                actor=by,
                action=AuditAction.CARD_DISABLE,
                target=card,
                reason=card.disabled_reason,
                summary=f"Disabled {card.display} of {card.owner.email}.",
                details={"card_id": card.pk, "owner_id": card.owner_id},
            )
    return card


# ------------------------------------------------------------------- order actions
# Each wraps one shop service (which owns the state machine and the money) and, once it
# has succeeded, records the action. A refused action raises before anything changes, so
# nothing is logged for it. Actions that call the payment gateway (refund, cancel of a
# paid order) can't share one transaction with their audit row: the gateway call is not
# rolled back, so the row is written right after, in its own transaction. The others run
# in one transaction with their audit row: both are saved or neither is.


def _order_audit(*, order, by, action: str, reason: str, summary: str, **details) -> None:
    audit_record(
        actor=by,
        action=action,
        target=order,
        order_number=order.number or "",
        reason=reason,
        summary=summary,
        details={"status": order.status, **details},
    )


def support_order_refund(*, order, amount, reason: str, by, idempotency_key: str | None = None):
    """Refund ``amount`` of ``order`` through ``shop.services.order_refund`` (the wallet
    refund: never more than is left, checked under the payment's row lock) and record it
    afterwards. Idempotent per ``idempotency_key`` at the wallet (a replay refunds nothing
    more; it is logged again). Raises what ``order_refund`` raises:
    ``IllegalOrderTransition``, ``wallet.exceptions.RefundError`` (incl.
    ``RefundExceedsCaptured``), ``GatewayUnavailable``, ``ValueError``; and
    ``support.exceptions.ActionAlreadyDone`` when ``idempotency_key`` was already used."""
    from core.money import format_money
    from shop.services import order_refund

    reason = " ".join((reason or "").split())
    if not reason:
        raise ValueError("A refund needs a reason.")
    if idempotency_key and Refund.objects.filter(idempotency_key=idempotency_key).exists():
        # The same refund form sent again: the wallet would only replay the first refund,
        # but the order would get a second note and the log a second entry. (Two copies
        # racing past this check still refund once: the wallet dedupes under its lock.)
        raise ActionAlreadyDone(
            f"This refund on {order.number} was already made (the form was sent twice); "
            "nothing more was refunded."
        )
    order = order_refund(
        order=order, amount=amount, reason=reason, by=by, idempotency_key=idempotency_key
    )
    _order_audit(
        order=order,
        by=by,
        action=AuditAction.ORDER_REFUND,
        reason=reason,
        summary=f"Refunded {format_money(amount, order.currency)} on {order.number}.",
        amount=str(amount),
        currency=order.currency,
    )
    return order


def support_order_cancel(*, order, reason: str, by):
    """Cancel ``order`` (a paid one is refunded in full first) through
    ``shop.services.order_cancel`` and record it afterwards. Raises ``IllegalOrderTransition`` once
    shipped or closed, ``GatewayUnavailable``, ``ValueError`` without a reason."""
    from shop.services import order_cancel

    reason = " ".join((reason or "").split())
    if not reason:
        raise ValueError("Give a reason for cancelling.")
    was = order.status
    order = order_cancel(order=order, by=by, reason=reason)
    _order_audit(
        order=order,
        by=by,
        action=AuditAction.ORDER_CANCEL,
        reason=reason,
        summary=f"Cancelled {order.number} (was {was}).",
        previous_status=was,
    )
    return order


def support_order_mark_bank_transfer_received(*, order, by, reason: str = ""):
    """Confirm the order's bank transfer arrived (the payment succeeds, the order becomes
    paid) and record it, atomically. Raises ``IllegalOrderTransition`` when no transfer
    waits, ``wallet.exceptions.IllegalPaymentTransition`` for a cancelled one."""
    from shop.services import order_mark_bank_transfer_received

    with transaction.atomic():
        order = order_mark_bank_transfer_received(order=order, by=by)
        _order_audit(
            order=order,
            by=by,
            action=AuditAction.BANK_TRANSFER_RECEIVED,
            reason=reason,
            summary=f"Bank transfer for {order.number} received.",
        )
    return order


def support_order_mark_shipped(*, order, by, reason: str = ""):
    """Mark a paid order shipped (the order state machine refuses any other move with
    ``IllegalOrderTransition``) and record it, atomically."""
    from shop.services import order_mark_shipped

    with transaction.atomic():
        order = order_mark_shipped(order=order, by=by, reason=reason)
        _order_audit(
            order=order,
            by=by,
            action=AuditAction.ORDER_SHIPPED,
            reason=reason,
            summary=f"{order.number} marked shipped.",
        )
    return order


def support_order_mark_delivered(*, order, by, reason: str = ""):
    """Mark a shipped order delivered (the order state machine refuses any other move with
    ``IllegalOrderTransition``) and record it, atomically."""
    from shop.services import order_mark_delivered

    with transaction.atomic():
        order = order_mark_delivered(order=order, by=by, reason=reason)
        _order_audit(
            order=order,
            by=by,
            action=AuditAction.ORDER_DELIVERED,
            reason=reason,
            summary=f"{order.number} marked delivered.",
        )
    return order
