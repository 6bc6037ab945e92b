"""Reads for core: a user's recent security events (support's customer page)."""

from django.db.models import QuerySet

from core.models import SecurityEvent


def security_events_for_user(*, user_id: int, limit: int = 20) -> QuerySet[SecurityEvent]:
    """The user's latest ``limit`` security events, newest first: one query (the
    (user, created_at) index)."""
    return SecurityEvent.objects.filter(user_id=user_id).order_by("-created_at", "-id")[:limit]
