"""The staff audit log's one writer.

Every service that staff act through (a refund, a cancel, marking an order shipped,
disabling a card, ...) calls ``audit_record`` itself, inside the transaction that makes
the change, when the acting user is staff: the change and its record are saved together or
not at all, and no layer above has to remember to write it. The admin calls it for plain
add, change and delete (``support.admin.tools.AuditedAdminMixin``).

Each entry also goes to the security log as a ``staff.action`` event.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction

from core.models import REASON_REQUIRED, AuditAction, AuditEntry
from core.security_log import security_event
from core.text import one_line

if TYPE_CHECKING:
    from accounts.models import User

__all__ = ["AuditAction", "AuditEntry", "audit_reason", "audit_record", "is_staff_actor"]

REASON_MAX_LENGTH = 500


def is_staff_actor(user: User | None) -> bool:
    """Whether ``user`` acts as staff (the services write an audit entry for them)."""
    return user is not None and bool(getattr(user, "is_staff", False))


def audit_reason(action: str, reason: str | None) -> str:
    """``reason`` with its whitespace collapsed and cut to the column. Raises ``ValueError``
    when ``action`` needs a reason (``REASON_REQUIRED``) and there is none: services call it
    before they change anything."""
    reason = one_line(reason)[:REASON_MAX_LENGTH]
    if action in REASON_REQUIRED and not reason:
        raise ValueError("This action needs a reason.")
    return reason


def _json_safe(details: dict[str, Any] | None) -> dict[str, Any]:
    return json.loads(json.dumps(details or {}, cls=DjangoJSONEncoder))


def audit_record(
    *,
    actor: User | None,
    action: str,
    target: models.Model | None = None,
    order_number: str = "",
    reason: str = "",
    summary: str = "",
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Write one audit entry (who, what, which object, the order number, why, structured
    details) and its ``staff.action`` security-log line. Atomic (joins the caller's
    transaction: call it inside the one that makes the change).

    Raises ``ValueError`` when an action that needs a reason has none.
    """
    reason = audit_reason(action, reason)
    target_type = ContentType.objects.get_for_model(target) if target is not None else None
    acting = actor if getattr(actor, "pk", None) else None
    with transaction.atomic():
        entry = AuditEntry.objects.create(
            actor=acting,
            actor_email=getattr(actor, "email", "") or "",
            action=action,
            target_type=target_type,
            target_id=str(target.pk) if target is not None else "",
            target_repr=str(target)[:200] if target is not None else "",
            order_number=order_number,
            reason=reason,
            summary=summary[:500],
            details=_json_safe(details),
        )
        security_event(
            "staff.action",
            user=acting,
            outcome="success",
            object_id=f"{target_type.app_label}.{target_type.model}:{target.pk}"
            if target is not None
            else "",
            action=action,
            order_number=order_number,
            reason=reason,
            summary=summary[:500],
        )
    return entry
