"""Reads for core: a user's recent security events (support's customer page) and the staff
audit log of an order (the order page)."""

from datetime import datetime

from django.db.models import Count, Q, QuerySet

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


def card_attempt_counts(*, since: datetime) -> dict[str, int]:
    """Card attempts (``card.attempt`` security events) since ``since``: ``attempts``
    (each attempt counted before the processor is asked), ``declined``, ``rate_limited``.
    One query."""
    return SecurityEvent.objects.filter(event="card.attempt", created_at__gte=since).aggregate(
        attempts=Count("id", filter=Q(outcome="info")),
        declined=Count("id", filter=Q(outcome="declined")),
        rate_limited=Count("id", filter=Q(outcome="rate_limited")),
    )


def card_attempts_refused_by_limit(*, since: datetime, limit: int = 10) -> list[dict]:
    """Accounts and client addresses refused for being over a card-attempt limit since
    ``since``, most refusals first: ``{"user_id", "user__email", "user__is_active",
    "client_ip", "refusals"}``. One query."""
    return list(
        SecurityEvent.objects.filter(
            event="card.attempt", outcome="rate_limited", created_at__gte=since
        )
        .values("user_id", "user__email", "user__is_active", "client_ip")
        .annotate(refusals=Count("id"))
        .order_by("-refusals", "user_id")[:limit]
    )
