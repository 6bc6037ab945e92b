"""Core tables: the stored copy of the security log (core/security_log.py writes it) and the
staff audit log (core/audit.py writes it)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy


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
        verbose_name = gettext_lazy("security event")
        verbose_name_plural = gettext_lazy("security events")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="core_secevent_user_time"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.event} {self.outcome}"


# ------------------------------------------------------------------------ audit log


class AuditAction(models.TextChoices):
    ORDER_REFUND = "order_refund", gettext_lazy("Refund")
    ORDER_REFUND_RETRY = "order_refund_retry", gettext_lazy("Retry refund")
    ORDER_CANCEL = "order_cancel", gettext_lazy("Cancel order")
    BANK_TRANSFER_RECEIVED = "bank_transfer_received", gettext_lazy("Mark bank transfer received")
    ORDER_SHIPPED = "order_shipped", gettext_lazy("Mark shipped")
    ORDER_DELIVERED = "order_delivered", gettext_lazy("Mark delivered")
    CARD_DISABLE = "card_disable", gettext_lazy("Disable card")
    CARD_BLOCK_LIFT = "card_block_lift", gettext_lazy("Lift a card block")
    PAYMENT_CHECK = "payment_check", gettext_lazy("Check with processor")
    ACCOUNT_LOCK = "account_lock", gettext_lazy("Lock account")
    ADMIN_ADD = "admin_add", gettext_lazy("Added in admin")
    ADMIN_CHANGE = "admin_change", gettext_lazy("Changed in admin")
    ADMIN_DELETE = "admin_delete", gettext_lazy("Deleted in admin")


# Actions that move money or take something away from a customer must say why.
REASON_REQUIRED = (
    AuditAction.ORDER_REFUND,
    AuditAction.ORDER_CANCEL,
    AuditAction.CARD_DISABLE,
    AuditAction.CARD_BLOCK_LIFT,
    AuditAction.ACCOUNT_LOCK,
)


class AuditEntry(models.Model):
    """The staff audit log: who did what to which object, when, and why; never edited.

    One row per staff decision: each shop and wallet service that staff act through
    (refund, cancel, ship, card disable, ...) writes its row itself, in the transaction of
    the change (``core.audit.audit_record``), and the admin writes one per plain add,
    change or delete. Django's ``LogEntry`` has no place for a reason, an order number or
    structured details, so staff decisions live here. ``actor_email`` is a copy so the
    entry still names the staff member after their account is gone.

    It lives in ``core`` (moved from ``support``, table and rows kept) because the services
    that write it sit below the support floor. The ``Meta.permissions`` gate support's
    order and card actions in the admin (superusers have them all).
    """

    Action = AuditAction

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_email = models.EmailField(gettext_lazy("staff member"))
    action = models.CharField(max_length=30, choices=AuditAction.choices)
    target_type = models.ForeignKey(
        "contenttypes.ContentType",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    target_id = models.CharField(max_length=64, blank=True)
    target_repr = models.CharField(gettext_lazy("object"), max_length=200, blank=True)
    order_number = models.CharField(max_length=64, blank=True, db_index=True)
    reason = models.CharField(max_length=500, blank=True)
    summary = models.CharField(gettext_lazy("what"), max_length=500, blank=True)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(gettext_lazy("when"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = gettext_lazy("audit entry")
        verbose_name_plural = gettext_lazy("audit entries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(action__in=REASON_REQUIRED) | ~models.Q(reason=""),
                name="core_auditentry_reason_required",
            ),
            models.CheckConstraint(
                condition=models.Q(action__in=AuditAction.values),
                name="core_auditentry_action_valid",
            ),
        ]
        indexes = [models.Index(fields=["target_type", "target_id"], name="core_audit_target")]
        default_permissions = ("view",)
        permissions = [
            ("refund_order", "Can refund orders"),
            ("cancel_order", "Can cancel orders"),
            ("fulfil_order", "Can mark orders shipped or delivered"),
            ("confirm_bank_transfer", "Can mark bank transfers received"),
            ("disable_card", "Can disable saved cards"),
            ("lock_account", "Can lock customer accounts"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.target_repr} by {self.actor_email}"


# ---------------------------------------------------------------------------- outbox


class LetterStatus(models.TextChoices):
    PENDING = "pending", gettext_lazy("Waiting to be sent")
    SENDING = "sending", gettext_lazy("Being sent")
    SENT = "sent", gettext_lazy("Sent")
    FAILED = "failed", gettext_lazy("Gave up")


class Letter(models.Model):
    """One email in the outbox: written in the transaction of the change it reports, sent
    by a task after commit (``core.letters``), never twice.

    Every letter the site sends goes through here. ``dedupe_key`` is unique: a letter
    queued twice under one key (an order confirmed twice by two racing requests) is
    written once. The claim (``pending`` to ``sending``) is one conditional UPDATE, so of
    two workers holding the same letter only one sends it. Once sent, its text is blanked:
    the outbox keeps who, what and when, not links (a password reset, a wallet
    confirmation) that somebody reading the table could use.
    """

    Status = LetterStatus

    to = models.EmailField(gettext_lazy("recipient"), max_length=254)
    subject = models.CharField(max_length=998)
    body = models.TextField(blank=True)
    html_body = models.TextField(blank=True)
    dedupe_key = models.CharField(max_length=200, unique=True)
    status = models.CharField(
        max_length=10, choices=LetterStatus.choices, default=LetterStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    # When the sweep may next try it: a minute after it was written (its own task normally
    # sends it long before), then after each failure's backoff.
    next_attempt_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        # Written by core.letters only; support reads the outbox (support/admin/letters.py).
        default_permissions = ("view",)
        verbose_name = gettext_lazy("letter")
        verbose_name_plural = gettext_lazy("outbox")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=LetterStatus.values),
                name="core_letter_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status=LetterStatus.SENT, sent_at__isnull=False)
                | (~models.Q(status=LetterStatus.SENT) & models.Q(sent_at__isnull=True)),
                name="core_letter_sent_at_iff_sent",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="core_letter_due"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} to {self.to} ({self.status})"
