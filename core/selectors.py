"""Reads for core: a user's recent security events (support's customer page) and the staff
audit log of an order (the order page)."""

from django.db.models import QuerySet

from core.models import AuditEntry, SecurityEvent


def security_events_for_user(*, user_id: int, limit: int = 20) -> QuerySet[SecurityEvent]:
    """The user's latest ``limit`` security events, newest first: one query (the
    (user, created_at) index)."""
    return SecurityEvent.objects.filter(user_id=user_id).order_by("-created_at", "-id")[:limit]


def audit_entries_for_order(*, number: str) -> QuerySet[AuditEntry]:
    """Staff actions on one order, oldest first (a timeline)."""
    return AuditEntry.objects.filter(order_number=number).order_by("created_at", "id")


def audit_entries_by_actor(*, user_id: int, limit: int = 10) -> QuerySet[AuditEntry]:
    """The staff member's latest ``limit`` audit entries, newest first, with the object's
    type joined (one query)."""
    return (
        AuditEntry.objects.filter(actor_id=user_id)
        .select_related("target_type")
        .order_by("-created_at", "-id")[:limit]
    )
