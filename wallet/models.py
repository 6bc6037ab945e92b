"""Wallet data: accounts, saved cards, payments, refunds and the activity feed.

No table here ever holds a card number or CVC. A card is a gateway token plus what the
shopper needs to recognise it (brand, last 4, expiry, name) and a keyed fingerprint to spot
the same card linked twice. Payments and refunds are ledger rows: balances such as the
refundable amount are derived (see selectors.py), never stored.

Writes go through wallet/services; payments and refunds change status only through their
own transition tables (``Payment.TRANSITIONS``, ``Refund.TRANSITIONS``) and the one entry
point ``wallet.services.ledger.ledger_set_status``.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import Exact
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_lazy

from core.money import format_money
from wallet import card_numbers
from wallet.card_numbers import CardBrand
from wallet.exceptions import IllegalPaymentTransition, decline_message, decline_reason

# A card payment in one of these states may still take money: at most one per reference.
OPEN_CARD_STATUSES = ("processing", "requires_action")
# Failures we declared ourselves, without an answer from the processor: the reconcile job
# keeps asking about them for LATE_CAPTURE_LOOKBACK, in case the money was taken after all.
# Failed by us, not by the processor, for want of an answer or before sending (a double
# submit's replay may have sent it all the same): asked about again for a late capture.
GIVEN_UP_CODES = ("no_response", "processor_unreachable", "called_off")
LATE_CAPTURE_LOOKBACK = timedelta(days=1)

EXPIRES_SOON_DAYS = 30


class WalletAccount(models.Model):
    """A shopper's wallet. Created on the first visit; usable once ``confirmed_at`` is set."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="wallet_account"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # The nonce of the one confirmation link that may still be used: a new letter replaces
    # it, confirming clears it, so each link works once (wallet/services/account.py).
    confirmation_nonce = models.CharField(max_length=64, blank=True, editable=False)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = gettext_lazy("wallet account")
        verbose_name_plural = gettext_lazy("wallet accounts")

    def __str__(self) -> str:
        return f"Wallet of {self.user}"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


# "Most recently used first": last payment, then newest linked. Checkout and Your cards
# list cards in this order (after the default), and the default's successor is its first.
CARD_RECENT_FIRST = (models.F("last_used_at").desc(nulls_last=True), "-created_at", "-id")


class CardQuerySet(models.QuerySet):
    def active(self) -> CardQuerySet:
        """Cards the shopper can see and pay with: not removed, not disabled by support."""
        return self.filter(removed_at__isnull=True, disabled_at__isnull=True)


class Card(models.Model):
    """A saved card: a gateway token and what identifies it to its owner.

    ``payment_address`` is a JSON snapshot of the billing address with the keys of
    ``accounts.models.PostalAddress.FIELDS`` (full_name, line1, line2, city, region,
    postal_code, country, phone): a copy, so later address-book edits don't change it.
    Removal is soft (``removed_at``) so past payments still show which card paid.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cards"
    )
    gateway_token = models.CharField(max_length=100, unique=True)
    fingerprint = models.CharField(max_length=64, db_index=True)
    brand = models.CharField(max_length=20, choices=CardBrand.choices)
    last4 = models.CharField(gettext_lazy("last 4 digits"), max_length=4)
    exp_month = models.PositiveSmallIntegerField(gettext_lazy("expiry month"))
    exp_year = models.PositiveSmallIntegerField(gettext_lazy("expiry year"))
    name_on_card = models.CharField(max_length=card_numbers.NAME_MAX_LENGTH)
    payment_address = models.JSONField(default=dict, blank=True)
    nickname = models.CharField(max_length=40, blank=True)
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    disabled_reason = models.CharField(max_length=255, blank=True)
    # The expiry ("12/2026") the owner was last reminded of: one reminder per expiry.
    expiry_reminded_for = models.CharField(max_length=7, blank=True, editable=False)

    objects = CardQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("card")
        verbose_name_plural = gettext_lazy("cards")
        ordering = ["-is_default", "-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner"],
                condition=Q(is_default=True, removed_at__isnull=True),
                name="wallet_card_one_default_per_user",
            ),
            models.UniqueConstraint(
                fields=["owner", "fingerprint"],
                condition=Q(removed_at__isnull=True),
                name="wallet_card_unique_active_fingerprint",
            ),
            models.CheckConstraint(
                condition=Q(is_default=False)
                | Q(removed_at__isnull=True, disabled_at__isnull=True),
                name="wallet_card_default_is_active",
            ),
            models.CheckConstraint(
                condition=Q(exp_month__gte=1, exp_month__lte=12),
                name="wallet_card_exp_month_valid",
            ),
            models.CheckConstraint(
                condition=Exact(Length("last4"), 4), name="wallet_card_last4_four_chars"
            ),
        ]
        indexes = [models.Index(fields=["owner", "removed_at"], name="wallet_card_owner_active")]

    def __str__(self) -> str:
        return self.display

    @property
    def display(self) -> str:
        """ "Visa •••• 4242"."""
        return f"{self.get_brand_display()} •••• {self.last4}"

    @property
    def expiry_display(self) -> str:
        """ "12/28"."""
        return card_numbers.format_expiry(self.exp_month, self.exp_year)

    @property
    def expires_on(self):
        return card_numbers.expiry_last_day(self.exp_month, self.exp_year)

    @property
    def is_expired(self) -> bool:
        return self.expires_on < timezone.localdate()

    @property
    def expires_soon(self) -> bool:
        """Still valid, but not for more than ``EXPIRES_SOON_DAYS`` days."""
        today = timezone.localdate()
        return today <= self.expires_on <= today + timedelta(days=EXPIRES_SOON_DAYS)

    @property
    def is_active(self) -> bool:
        return self.removed_at is None and self.disabled_at is None

    @property
    def payment_address_lines(self) -> list[str]:
        address = self.payment_address or {}
        city_line = " ".join(p for p in [address.get("postal_code"), address.get("city")] if p)
        parts = [
            address.get("full_name"),
            address.get("line1"),
            address.get("line2"),
            city_line,
            address.get("region"),
            address.get("country"),
        ]
        return [part for part in parts if part]


class LedgerEntry:
    """What payments and refunds share as ledger rows: a status that moves only as the
    model's own ``TRANSITIONS`` table allows (``wallet.services.ledger.ledger_set_status``)."""

    TRANSITIONS: ClassVar[dict[str, frozenset[str]]]

    def can_transition_to(self, status: str) -> bool:
        return status in self.TRANSITIONS[self.status]

    def check_transition(self, status: str) -> None:
        """Raise ``IllegalPaymentTransition`` unless the table allows ``status`` from here."""
        if not self.can_transition_to(status):
            raise IllegalPaymentTransition(
                f"{type(self).__name__} {self.pk} can't move from {self.status} to {status}."
            )


class PaymentMethod(models.TextChoices):
    CARD = "card", gettext_lazy("Card")
    BANK_TRANSFER = "bank_transfer", gettext_lazy("Bank transfer")


class PaymentStatus(models.TextChoices):
    PROCESSING = "processing", gettext_lazy("Processing")
    REQUIRES_ACTION = "requires_action", gettext_lazy("Waiting for authentication")
    SUCCEEDED = "succeeded", gettext_lazy("Succeeded")
    FAILED = "failed", gettext_lazy("Failed")
    CANCELED = "canceled", gettext_lazy("Canceled")


class Payment(LedgerEntry, models.Model):
    """One attempt to take money for a reference (an order number). A ledger row.

    ``card`` is set when a saved card paid (or a new card was saved after paying);
    ``card_brand``/``card_last4`` are copied for every card payment, so a one-time card
    still shows as "Visa •••• 4242".
    """

    Method = PaymentMethod
    Status = PaymentStatus

    # The one transition table. A failed or canceled card payment has one way out: the
    # processor reporting that it took the money after all (a "late capture", e.g. a charge
    # given up as never received). The ledger then records the truth and the shop gives the
    # money back or applies it; succeeded is final.
    TRANSITIONS: dict[str, frozenset[str]] = {
        PaymentStatus.PROCESSING: frozenset(
            {
                PaymentStatus.REQUIRES_ACTION,
                PaymentStatus.SUCCEEDED,
                PaymentStatus.FAILED,
                PaymentStatus.CANCELED,
            }
        ),
        # Back to processing when the shopper's step-up answer was sent but the processor's
        # reply was lost: the payment is then open and unanswered like any other charge.
        PaymentStatus.REQUIRES_ACTION: frozenset(
            {
                PaymentStatus.PROCESSING,
                PaymentStatus.SUCCEEDED,
                PaymentStatus.FAILED,
                PaymentStatus.CANCELED,
            }
        ),
        PaymentStatus.SUCCEEDED: frozenset(),
        PaymentStatus.FAILED: frozenset({PaymentStatus.SUCCEEDED}),
        PaymentStatus.CANCELED: frozenset({PaymentStatus.SUCCEEDED}),
    }
    FINAL_STATUSES = frozenset(
        {PaymentStatus.SUCCEEDED, PaymentStatus.FAILED, PaymentStatus.CANCELED}
    )

    reference = models.CharField(max_length=64, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payments"
    )
    method = models.CharField(max_length=20, choices=PaymentMethod.choices)
    card = models.ForeignKey(
        Card, null=True, blank=True, on_delete=models.PROTECT, related_name="payments"
    )
    card_brand = models.CharField(max_length=20, choices=CardBrand.choices, blank=True)
    card_last4 = models.CharField(max_length=4, blank=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    status = models.CharField(
        max_length=20, choices=PaymentStatus.choices, default=PaymentStatus.PROCESSING
    )
    description = models.CharField(max_length=255, blank=True)
    gateway_charge_id = models.CharField(max_length=100, blank=True)
    decline_code = models.CharField(max_length=40, blank=True)
    decline_message = models.CharField(max_length=255, blank=True)
    idempotency_key = models.CharField(max_length=200, unique=True)
    # A new card to save once this payment succeeds: its gateway token, brand, last 4,
    # expiry, fingerprint, name and payment address (never the number or CVC). Cleared
    # when the payment settles.
    pending_card = models.JSONField(null=True, blank=True, editable=False)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Staff member who marked a bank transfer received.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = gettext_lazy("payment")
        verbose_name_plural = gettext_lazy("payments")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=Decimal("0")), name="wallet_payment_amount_positive"
            ),
            models.CheckConstraint(
                condition=Q(status__in=PaymentStatus.values), name="wallet_payment_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(method=PaymentMethod.BANK_TRANSFER) | ~Q(card_last4=""),
                name="wallet_payment_card_method_has_last4",
            ),
            # One open card payment per order: a second tab, a retry after a lost answer
            # or a double click can never have two charges in flight for one reference.
            models.UniqueConstraint(
                fields=["reference"],
                condition=Q(method=PaymentMethod.CARD, status__in=OPEN_CARD_STATUSES),
                name="wallet_payment_one_open_card_payment",
            ),
        ]
        indexes = [models.Index(fields=["status", "updated_at"], name="wallet_payment_pending")]

    def __str__(self) -> str:
        return f"{self.reference} {self.amount} {self.currency} {self.status}"

    @property
    def decline_text(self) -> str:
        """Why the payment failed, in the active language (``decline_message`` keeps the
        English sentence for support)."""
        if self.decline_code:
            return str(decline_message(self.decline_code))
        return self.decline_message

    @property
    def decline_reason(self) -> str:
        """``decline_text`` without the advice to try again: for an order that no longer
        waits for payment."""
        if self.decline_code:
            return str(decline_reason(self.decline_code))
        return self.decline_message

    @property
    def is_final(self) -> bool:
        return self.status in self.FINAL_STATUSES

    @property
    def is_pending(self) -> bool:
        return self.status in OPEN_CARD_STATUSES

    @property
    def is_succeeded(self) -> bool:
        return self.status == PaymentStatus.SUCCEEDED

    @property
    def is_failed(self) -> bool:
        """Declined, or refused by the processor: nothing was taken."""
        return self.status == PaymentStatus.FAILED

    @property
    def is_processing(self) -> bool:
        """Sent to the processor, no answer yet (for a bank transfer: money not arrived)."""
        return self.status == PaymentStatus.PROCESSING

    @property
    def is_waiting_for_step_up(self) -> bool:
        return self.status == PaymentStatus.REQUIRES_ACTION

    @property
    def is_bank_transfer(self) -> bool:
        return self.method == PaymentMethod.BANK_TRANSFER

    @property
    def was_given_up(self) -> bool:
        """Failed by us for want of an answer, not by the processor (see GIVEN_UP_CODES)."""
        return self.status == PaymentStatus.FAILED and self.decline_code in GIVEN_UP_CODES

    def may_be_in_flight(self, *, now=None) -> bool:
        """Whether a request for this payment could still reach the processor: it was sent
        (or re-sent, which touches ``updated_at``) within the settle window. Until then a
        processor that has no record of it is not yet proof that it never arrived."""
        now = now or timezone.now()
        return now - self.updated_at < settle_window()

    @property
    def method_display(self) -> str:
        """ "Visa •••• 4242" for card payments, "Bank transfer" otherwise."""
        if self.method == PaymentMethod.CARD:
            return f"{CardBrand(self.card_brand).label} •••• {self.card_last4}"
        return self.get_method_display()


def settle_window() -> timedelta:
    """How long after its last request a payment may still be in flight
    (``PAYMENT_SETTLE_WINDOW_SECONDS``, longer than the gateway's timeout)."""
    return timedelta(seconds=settings.PAYMENT_SETTLE_WINDOW_SECONDS)


class RefundStatus(models.TextChoices):
    PENDING = "pending", gettext_lazy("Pending")
    SUCCEEDED = "succeeded", gettext_lazy("Succeeded")
    FAILED = "failed", gettext_lazy("Failed")


class Refund(LedgerEntry, models.Model):
    """Money given back on a payment. Pending refunds count against the refundable amount
    until they settle, so two refunds in flight can't exceed it together.

    A pending refund is never given up: it is sent again with its idempotency key until
    the processor answers. Only the processor refusing it makes it failed; a new refund
    (another key) then retries the money.
    """

    Status = RefundStatus

    TRANSITIONS: dict[str, frozenset[str]] = {
        RefundStatus.PENDING: frozenset({RefundStatus.SUCCEEDED, RefundStatus.FAILED}),
        RefundStatus.SUCCEEDED: frozenset(),
        RefundStatus.FAILED: frozenset(),
    }

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    reason = models.CharField(max_length=255)
    status = models.CharField(
        max_length=20, choices=RefundStatus.choices, default=RefundStatus.PENDING
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    gateway_refund_id = models.CharField(max_length=100, blank=True)
    idempotency_key = models.CharField(max_length=200, unique=True)
    failure_message = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = gettext_lazy("refund")
        verbose_name_plural = gettext_lazy("refunds")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=Decimal("0")), name="wallet_refund_amount_positive"
            ),
            models.CheckConstraint(
                condition=Q(status__in=RefundStatus.values), name="wallet_refund_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"Refund {self.amount} {self.currency} on {self.payment.reference}"

    @property
    def is_pending(self) -> bool:
        """Not accepted or refused by the processor yet: it is sent again until it is."""
        return self.status == RefundStatus.PENDING

    @property
    def is_succeeded(self) -> bool:
        return self.status == RefundStatus.SUCCEEDED

    @property
    def is_failed(self) -> bool:
        """Refused by the processor: support's Retry refund sends the money again."""
        return self.status == RefundStatus.FAILED


class BlockedCard(models.Model):
    """A card support disabled on a fraud report, by its keyed fingerprint: it can't be
    linked, saved or paid with by any account until support lifts the block."""

    fingerprint = models.CharField(max_length=64)
    brand = models.CharField(max_length=20, choices=CardBrand.choices)
    last4 = models.CharField(gettext_lazy("last 4 digits"), max_length=4)
    # The disabled card that caused the block (its owner's account is where support saw it).
    card = models.ForeignKey(
        Card, null=True, blank=True, on_delete=models.SET_NULL, related_name="blocks"
    )
    reason = models.CharField(max_length=255)
    blocked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    lift_reason = models.CharField(max_length=255, blank=True)

    class Meta:
        verbose_name = gettext_lazy("blocked card")
        verbose_name_plural = gettext_lazy("blocked cards")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["fingerprint"],
                condition=Q(lifted_at__isnull=True),
                name="wallet_blockedcard_one_active_block",
            ),
        ]

    def __str__(self) -> str:
        return f"Blocked {CardBrand(self.brand).label} •••• {self.last4}"

    @property
    def is_active(self) -> bool:
        return self.lifted_at is None


class WalletEvent(models.Model):
    """A line in the shopper's payment activity. ``actor`` is who did it when not the owner
    (support staff)."""

    class Kind(models.TextChoices):
        CARD_LINKED = "card_linked", gettext_lazy("Card linked")
        CARD_UPDATED = "card_updated", gettext_lazy("Card updated")
        CARD_REISSUED = "card_reissued", gettext_lazy("Card updated by your bank")
        CARD_REMOVED = "card_removed", gettext_lazy("Card removed")
        CARD_DISABLED = "card_disabled", gettext_lazy("Card disabled")
        DEFAULT_CHANGED = "default_changed", gettext_lazy("Default card changed")
        PAYMENT = "payment", gettext_lazy("Payment")
        PAYMENT_PENDING = "payment_pending", gettext_lazy("Awaiting payment")
        PAYMENT_CANCELED = "payment_canceled", gettext_lazy("Payment called off")
        PAYMENT_FAILED = "payment_failed", gettext_lazy("Payment failed")
        REFUND = "refund", gettext_lazy("Refund")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="wallet_events"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    card = models.ForeignKey(
        Card, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    refund = models.ForeignKey(
        Refund, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    # The English sentence, for support and the logs. Each shopper reads it in their own
    # language from ``message_id`` (that sentence with %(name)s fields, marked for
    # translation with gettext_noop where it is written) and ``message_args``.
    message = models.CharField(max_length=255)
    message_id = models.CharField(max_length=255, blank=True, default="")
    message_args = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = gettext_lazy("wallet event")
        verbose_name_plural = gettext_lazy("wallet events")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="wallet_event_user_recent")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.message}"

    @property
    def shown_message(self) -> str:
        """The message in the active language (``event_message_shown``)."""
        return event_message_shown(self, translation.get_language(), {})


# What a card change names, in "Visa •••• 4242: expiry, payment address updated."
CARD_CHANGE_LABELS = {
    "expiry": gettext_lazy("expiry"),
    "name on card": gettext_lazy("name on card"),
    "payment address": gettext_lazy("payment address"),
    "nickname": gettext_lazy("nickname"),
}


def event_message_render(message_id: str, args: dict, *, language: str) -> str:
    """``message_id`` (an English sentence with %(name)s fields) in ``language``, filled
    from ``args`` (``event_message_fill``). Shown messages go through
    ``event_message_shown``."""
    with translation.override(language):
        return event_message_fill(gettext(message_id), args, language)


def event_message_shown(event: WalletEvent, language: str | None, sentences: dict) -> str:
    """``event``'s message in ``language`` (the active one): its sentence translated and
    filled (``event_message_fill``); an event from before messages had an id keeps its
    English sentence. ``sentences`` keeps each sentence translated, so a list of events
    (``wallet.templatetags.wallet_tags.activity_lines``) translates each one once."""
    if not event.message_id:
        return event.message
    sentence = sentences.get(event.message_id)
    if sentence is None:
        sentence = sentences[event.message_id] = gettext(event.message_id)
    return event_message_fill(sentence, event.message_args, language)


def event_message_fill(sentence: str, args: dict, language: str | None) -> str:
    """``sentence`` (a message id translated into the active language, ``language``) filled
    from ``args``: ``amount`` and ``currency`` become ``money`` in that language's format,
    ``decline_code`` the decline's sentence (``reason``) and ``changed`` (keys of
    ``CARD_CHANGE_LABELS``) a list."""
    values = dict(args)
    if "amount" in values:
        values["money"] = format_money(
            Decimal(values["amount"]), values.get("currency", ""), language
        )
    if "decline_code" in values:
        values["reason"] = str(decline_message(values["decline_code"]))
    if "changed" in values:
        values["changed"] = ", ".join(
            str(CARD_CHANGE_LABELS.get(key, key)) for key in values["changed"]
        )
    return sentence % values


def event_message(message_id: str, **args) -> dict[str, object]:
    """The message fields of a new ``WalletEvent``: pass ``message_id`` through
    ``gettext_noop`` so it is extracted for translation; ``args`` must be JSON (an
    ``amount`` as a string)."""
    return {
        "message": event_message_render(message_id, args, language="en")[:255],
        "message_id": message_id,
        "message_args": args,
    }
