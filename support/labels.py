"""What support reads instead of raw codes: a human label for every payment status and
decline code (with a one-line explanation for declines), a payment attempt in words, and
the one date format of the support pages.

Pure functions over the rows the selectors return (duck-typed: no model imports), so
templates, list columns, messages and audit text all word things the same way.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# The one date format of the support pages: "30 Nov 2026 14:05" (local time).
DATE_FORMAT = "j M Y"
TIME_FORMAT = "H:i"

# Decline code -> (label, one line on what it means for support).
DECLINE_REASONS: dict[str, tuple[str, str]] = {
    "generic_decline": (
        gettext_lazy("no reason given by the bank"),
        gettext_lazy("The bank refused without saying why; the customer should call it."),
    ),
    "card_declined": (
        gettext_lazy("no reason given by the bank"),
        gettext_lazy("The bank refused without saying why; the customer should call it."),
    ),
    "insufficient_funds": (
        gettext_lazy("insufficient funds"),
        gettext_lazy("Not enough money on the card; another card or a transfer will do."),
    ),
    "expired_card": (
        gettext_lazy("expired card"),
        gettext_lazy("The card is past its expiry date."),
    ),
    "incorrect_cvc": (
        gettext_lazy("incorrect security code"),
        gettext_lazy("The CVC typed did not match the card."),
    ),
    "incorrect_number": (
        gettext_lazy("incorrect card number"),
        gettext_lazy("The number typed is not a valid card."),
    ),
    "lost_card": (
        gettext_lazy("card reported lost"),
        gettext_lazy("The owner reported the card lost. The customer was told only 'declined'."),
    ),
    "stolen_card": (
        gettext_lazy("card reported stolen"),
        gettext_lazy(
            "The owner reported the card stolen: possible fraud. The customer was told only "
            "'declined'."
        ),
    ),
    "fraudulent": (
        gettext_lazy("suspected fraud"),
        gettext_lazy("The bank suspects fraud. The customer was told only 'declined'."),
    ),
    "card_velocity_exceeded": (
        gettext_lazy("too many attempts"),
        gettext_lazy("The card was tried too often in a short time (possible card testing)."),
    ),
    "authentication_failed": (
        gettext_lazy("bank check failed"),
        gettext_lazy("The customer did not pass their bank's check (3-D Secure)."),
    ),
    "processing_error": (
        gettext_lazy("processor error"),
        gettext_lazy("The processor failed; nothing was charged. Trying again is safe."),
    ),
    "no_response": (
        gettext_lazy("never reached the processor"),
        gettext_lazy("The processor has no record of the charge; nothing was charged."),
    ),
    "processor_unreachable": (
        gettext_lazy("processor unreachable"),
        gettext_lazy("The processor could not be reached; nothing was charged."),
    ),
    "canceled": (
        gettext_lazy("called off"),
        gettext_lazy("The payment was called off before any money was taken."),
    ),
}
# Codes that are the processor's (or our) trouble, not the bank saying no.
NOT_DECLINES = frozenset({"processing_error", "no_response", "processor_unreachable", "canceled"})


def decline_label(code: str) -> str:
    """ "insufficient funds" for ``insufficient_funds``; unknown codes read as a plain decline."""
    if not code:
        return ""
    return str(DECLINE_REASONS.get(code, DECLINE_REASONS["generic_decline"])[0])


def decline_explanation(code: str) -> str:
    if not code:
        return ""
    return str(DECLINE_REASONS.get(code, DECLINE_REASONS["generic_decline"])[1])


def decline_choices() -> list[tuple[str, str]]:
    """(code, label) for a list filter, each label once."""
    seen: dict[str, str] = {}
    for code, (label, _explanation) in DECLINE_REASONS.items():
        seen.setdefault(str(label), code)
    return [(code, label.capitalize()) for label, code in seen.items()]


def payment_status_label(payment) -> str:
    """A payment's status as support says it: "Declined" (not "Failed") when the bank said
    no, "Not charged" when the processor never took it."""
    status = payment.status
    if status == "failed":
        if payment.decline_code in NOT_DECLINES:
            return _("Not charged")
        return _("Declined")
    if status == "succeeded":
        return _("Paid")
    if status == "canceled":
        return _("Called off")
    if status == "requires_action":
        return _("Waiting for the bank check")
    if status == "processing":
        return (
            _("Waiting for the transfer") if payment.method == "bank_transfer" else _("Processing")
        )
    return str(status)


def payment_answer_lost(payment, *, now: datetime | None = None) -> bool:
    """A card payment still Processing past the processor client's timeout: its answer was
    lost (the processor may or may not have taken the money). Check with processor asks."""
    if payment.method != "card" or payment.status != "processing":
        return False
    now = now or timezone.now()
    timeout = timedelta(seconds=settings.PAYMENT_GATEWAY_TIMEOUT_SECONDS)
    return now - payment.updated_at >= timeout


def payment_state(payment, *, now: datetime | None = None) -> str:
    """The attempt in words, after its method: "Processing — the processor's answer was
    lost", "Declined: insufficient funds", "Waiting for the customer's bank check"."""
    status = payment.status
    if status == "processing":
        if payment.method == "bank_transfer":
            return _("Waiting for the customer's bank transfer")
        if payment_answer_lost(payment, now=now):
            return _("Processing — the processor's answer was lost")
        return _("Processing — waiting for the processor's answer")
    if status == "requires_action":
        return _("Waiting for the customer's bank check")
    if status == "failed":
        label = decline_label(payment.decline_code) or _("no reason given")
        if payment.decline_code in NOT_DECLINES:
            return _("Not charged: %(reason)s") % {"reason": label}
        return _("Declined: %(reason)s") % {"reason": label}
    if status == "succeeded":
        return _("Paid")
    if status == "canceled":
        return _("Called off, nothing was taken")
    return str(status)


def payment_attempt(payment, *, now: datetime | None = None) -> str:
    """ "Visa •••• 4242 · Processing — the processor's answer was lost"."""
    return f"{payment.method_display} · {payment_state(payment, now=now)}"


def when(value: datetime | None) -> str:
    """The one date format of the support pages: "30 Nov 2026 14:05" (local time); "-"."""
    if value is None:
        return "-"
    local = timezone.localtime(value)
    return f"{date_format(local, DATE_FORMAT)} {date_format(local, TIME_FORMAT)}"
