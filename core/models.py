"""Core tables: the stored copy of the security log (core/security_log.py writes it)."""

from django.conf import settings
from django.db import models


class SecurityEvent(models.Model):
    """One security-log event, kept so support can read a customer's recent events.

    Written only by ``core.security_log.security_event``. ``user`` keeps its id after the
    account is deleted (no database constraint, nothing cascades): a log outlives its subject.
    """

    created_at = models.DateTimeField(db_index=True)
    event = models.CharField(max_length=64)
    outcome = models.CharField(max_length=16)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="security_events",
    )
    client_ip = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=200, blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="core_secevent_user_time"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.event} {self.outcome}"
