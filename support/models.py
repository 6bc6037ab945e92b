"""The staff audit log: one row per support action or admin change, never edited.

Django's ``LogEntry`` records admin edits too (and feeds each object's History page), but
has no place for a reason nor an order number to look entries up by; support actions need
both, so they live here. Rows are written only by ``support.services.audit_record``.
"""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q


class AuditAction(models.TextChoices):
    ORDER_REFUND = "order_refund", "Refund"
    ORDER_REFUND_RETRY = "order_refund_retry", "Retry refund"
    ORDER_CANCEL = "order_cancel", "Cancel order"
    BANK_TRANSFER_RECEIVED = "bank_transfer_received", "Mark bank transfer received"
    ORDER_SHIPPED = "order_shipped", "Mark shipped"
    ORDER_DELIVERED = "order_delivered", "Mark delivered"
    CARD_DISABLE = "card_disable", "Disable card"
    ADMIN_ADD = "admin_add", "Added in admin"
    ADMIN_CHANGE = "admin_change", "Changed in admin"
    ADMIN_DELETE = "admin_delete", "Deleted in admin"


# Actions that move money or take something away from a customer must say why.
REASON_REQUIRED = (AuditAction.ORDER_REFUND, AuditAction.ORDER_CANCEL, AuditAction.CARD_DISABLE)


class AuditEntry(models.Model):
    """Who did what to which object, when, and why. ``actor_email`` is a copy so the entry
    still names the staff member after their account is gone."""

    Action = AuditAction

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_email = models.EmailField("staff member")
    action = models.CharField(max_length=30, choices=AuditAction.choices)
    target_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    target_id = models.CharField(max_length=64, blank=True)
    target_repr = models.CharField("object", max_length=200, blank=True)
    order_number = models.CharField(max_length=64, blank=True, db_index=True)
    reason = models.CharField(max_length=500, blank=True)
    summary = models.CharField("what", max_length=500, blank=True)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField("when", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "audit entry"
        verbose_name_plural = "audit entries"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(action__in=REASON_REQUIRED) | ~Q(reason=""),
                name="support_auditentry_reason_required",
            ),
            models.CheckConstraint(
                condition=Q(action__in=AuditAction.values), name="support_auditentry_action_valid"
            ),
        ]
        indexes = [models.Index(fields=["target_type", "target_id"], name="support_audit_target")]
        # Support permissions that are not about editing a model; they gate the admin's
        # order and card actions (superusers have them all).
        default_permissions = ("view",)
        permissions = [
            ("refund_order", "Can refund orders"),
            ("cancel_order", "Can cancel orders"),
            ("fulfil_order", "Can mark orders shipped or delivered"),
            ("confirm_bank_transfer", "Can mark bank transfers received"),
            ("disable_card", "Can disable saved cards"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.target_repr} by {self.actor_email}"
