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
# Each wraps one shop service (which owns the state machine and the money) and records
# the action. A refused action raises before anything changes, so nothing is logged for
# it. A refund's audit row is written in the transaction that records the refund, before
# the processor is called. Cancel is recorded after the shop service returns (its refund
# may still be pending then: the order reads refund pending). The others run in one
# transaction with their audit row: both are saved or neither is.


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
    refund: never more than is left, checked under the payment's row lock). The audit
    entry is written in the same transaction that records the refund, before the processor
    hears of it, so it is never lost whatever the processor does; a replayed key writes
    none. Raises what ``order_refund`` raises: ``IllegalOrderTransition``,
    ``wallet.exceptions.RefundError`` (incl. ``RefundExceedsCaptured``),
    ``GatewayUnavailable`` (the refund is pending and is sent again until the processor
    answers), ``ValueError``; and ``support.exceptions.ActionAlreadyDone`` when
    ``idempotency_key`` was already used."""
    from core.money import format_money
    from shop.services import order_refund

    reason = " ".join((reason or "").split())
    if not reason:
        raise ValueError("A refund needs a reason.")
    if idempotency_key and Refund.objects.filter(idempotency_key=idempotency_key).exists():
        # The same refund form sent again: the wallet would only replay the first refund.
        raise ActionAlreadyDone(
            f"This refund on {order.number} was already made (the form was sent twice); "
            "nothing more was refunded."
        )

    def audit(refund) -> None:
        _order_audit(
            order=order,
            by=by,
            action=AuditAction.ORDER_REFUND,
            reason=reason,
            summary=f"Refunded {format_money(refund.amount, order.currency)} on {order.number}.",
            amount=str(refund.amount),
            currency=order.currency,
            refund_id=refund.pk,
        )

    return order_refund(
        order=order,
        amount=amount,
        reason=reason,
        by=by,
        idempotency_key=idempotency_key,
        on_record=audit,
    )


def support_order_cancel(*, order, reason: str, by):
    """Cancel ``order`` through ``shop.services.order_cancel`` (a paid one moves to refund
    pending and becomes cancelled once its full refund is accepted) and record it
    afterwards. Raises ``IllegalOrderTransition`` once shipped or closed,
    ``GatewayUnavailable`` while a waiting card payment's fate is unknown, ``ValueError``
    without a reason."""
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
        summary=f"Cancelled {order.number} (was {was}, now {order.status}).",
        previous_status=was,
    )
    return order


def support_order_retry_refund(*, order, by, reason: str = ""):
    """Send again, under new keys, the refunds of ``order`` the processor refused
    (``shop.services.order_retry_refund``) and record it afterwards. Raises
    ``IllegalOrderTransition`` when nothing was refused, and the wallet's errors."""
    from core.money import format_money
    from shop.services import order_retry_refund

    refunds = order_retry_refund(order=order, by=by, reason=" ".join((reason or "").split()))
    order.refresh_from_db()
    total = sum((refund.amount for refund in refunds), start=refunds[0].amount * 0)
    _order_audit(
        order=order,
        by=by,
        action=AuditAction.ORDER_REFUND_RETRY,
        reason=reason,
        summary=f"Retried refunds of {format_money(total, order.currency)} on {order.number}.",
        refunds=[refund.pk for refund in refunds],
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
