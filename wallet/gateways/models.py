"""The simulated card processor's own state, in its own tables (app label "gateways").

Kept in the database, not in process memory, so every web process sees the same tokens,
charges and refunds, as with a real processor. Never holds a card number or CVC: a token
row keeps brand, last 4, expiry, a keyed fingerprint and the behaviour the number implied.
"""

from django.db import models
from django.db.models import F, Q

from wallet.card_numbers import CardBrand


class Outcome(models.TextChoices):
    """What a charge on this card does (decided from the test card table at tokenize time)."""

    SUCCESS = "success", "Success"
    DECLINE = "decline", "Declined"
    REQUIRES_AUTH = "requires_auth", "Requires authentication"
    REQUIRES_AUTH_THEN_DECLINE = "requires_auth_then_decline", "Authentication, then declined"
    PROCESSING_ERROR = "processing_error", "Processing error"


class Behaviour(models.TextChoices):
    STANDARD = "standard", "Standard"
    # 4000 0000 0000 0341: attaching the card works, every later charge on it is declined.
    DECLINE_AFTER_LINK = "decline_after_link", "Links fine, later charges declined"
    # 4000 0000 0000 5506 / 5514: the issuer reissues the card (card_updates reports it).
    REISSUED_EXPIRY = "reissued_expiry", "Reissued with a new expiry"
    REISSUED_NUMBER = "reissued_number", "Reissued with a new number"


class SimulatedToken(models.Model):
    token = models.CharField(max_length=40, unique=True)
    fingerprint = models.CharField(max_length=64, db_index=True)
    brand = models.CharField(max_length=20, choices=CardBrand.choices)
    last4 = models.CharField(max_length=4)
    exp_month = models.PositiveSmallIntegerField()
    exp_year = models.PositiveSmallIntegerField()
    behaviour = models.CharField(max_length=30, choices=Behaviour.choices)
    outcome = models.CharField(max_length=30, choices=Outcome.choices)
    decline_code = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    # When the issuer reissued the card (its new details are then in the fields above).
    reissued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(exp_month__gte=1, exp_month__lte=12),
                name="gateways_token_exp_month_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.token} ({self.brand} {self.last4})"


class SimulatedCharge(models.Model):
    class Status(models.TextChoices):
        SUCCEEDED = "succeeded"
        REQUIRES_ACTION = "requires_action"
        FAILED = "failed"
        CANCELED = "canceled"

    charge_id = models.CharField(max_length=40, unique=True)
    idempotency_key = models.CharField(max_length=200, unique=True)
    # SHA-256 of the request parameters: same key + different parameters is a conflict.
    request_hash = models.CharField(max_length=64)
    token = models.ForeignKey(
        SimulatedToken, null=True, blank=True, on_delete=models.PROTECT, related_name="charges"
    )
    fingerprint = models.CharField(max_length=64)
    brand = models.CharField(max_length=20, choices=CardBrand.choices)
    last4 = models.CharField(max_length=4)
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    description = models.CharField(max_length=255, blank=True)
    reference = models.CharField(max_length=64, blank=True, db_index=True)
    status = models.CharField(max_length=20, choices=Status.choices)
    # For requires_action charges: what confirming authentication leads to.
    outcome = models.CharField(max_length=30, choices=Outcome.choices)
    decline_code = models.CharField(max_length=40, blank=True)
    message = models.CharField(max_length=255, blank=True)
    captured = models.BooleanField(default=False)
    amount_refunded_minor = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_minor__gt=0), name="gateways_charge_amount_positive"
            ),
            models.CheckConstraint(
                condition=Q(amount_refunded_minor__gte=0)
                & Q(amount_refunded_minor__lte=F("amount_minor")),
                name="gateways_charge_refund_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.charge_id} {self.status} {self.amount_minor} {self.currency}"


class SimulatedRefund(models.Model):
    refund_id = models.CharField(max_length=40, unique=True)
    idempotency_key = models.CharField(max_length=200, unique=True)
    request_hash = models.CharField(max_length=64)
    charge = models.ForeignKey(SimulatedCharge, on_delete=models.PROTECT, related_name="refunds")
    amount_minor = models.BigIntegerField()
    reason = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_minor__gt=0), name="gateways_refund_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.refund_id} {self.amount_minor} of charge {self.charge_id}"
