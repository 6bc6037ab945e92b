"""Helpers shared by the wallet services: locks, events, notices, input cleaning."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import dateformat, timezone

from accounts.countries import COUNTRIES
from accounts.models import PostalAddress
from core.links import absolute_url
from core.money import quantize
from wallet import card_numbers as card_rules
from wallet.card_numbers import CardData
from wallet.gateways import get_gateway
from wallet.models import Card, Payment, Refund, WalletEvent

logger = logging.getLogger("wallet")

ADDRESS_REQUIRED = ("full_name", "line1", "city", "postal_code", "country")
# Free-text fields checked for a pasted card number (phone and postal code are not).
_ADDRESS_FREE_TEXT = ("full_name", "line1", "line2", "city", "region")
NICKNAME_MAX_LENGTH = 40


def lock_user(user) -> None:
    """Lock the user's row (``SELECT ... FOR UPDATE``) for the rest of the transaction.

    Every change to a user's set of cards takes this lock first, so link/remove/default
    changes for one user run one at a time (card limit, one default, dedupe by fingerprint).
    """
    list(get_user_model().objects.select_for_update().filter(pk=user.pk).values_list("pk"))


def token_delete_on_commit(token: str) -> None:
    """Delete a gateway token once the transaction commits (at once outside one).

    A failure is logged, not raised: a leftover token is harmless once no card uses it.
    """

    def _delete() -> None:
        try:
            get_gateway().delete_token(token)
        except Exception:
            logger.exception("wallet: could not delete a gateway token; delete it by hand")

    transaction.on_commit(_delete)


def event_record(
    *,
    user,
    kind: str,
    message: str,
    card: Card | None = None,
    payment: Payment | None = None,
    refund: Refund | None = None,
    amount: Decimal | None = None,
    currency: str = "",
    actor=None,
) -> WalletEvent:
    return WalletEvent.objects.create(
        user=user,
        kind=kind,
        message=message[:255],
        card=card,
        payment=payment,
        refund=refund,
        amount=amount,
        currency=currency,
        actor=actor,
    )


def security_notice_send(*, user, subject: str, sentence: str, advice: str) -> None:
    """Queue a security notice email to ``user`` for after the transaction commits.

    The text names the card by brand and last 4 digits only and links to the shopper's
    cards by their absolute address.
    """
    when = dateformat.format(timezone.localtime(), r"j F Y \a\t H:i T")
    body = render_to_string(
        "wallet/emails/security_notice.txt",
        {
            "user": user,
            "sentence": sentence.format(when=when),
            "advice": advice,
            "cards_url": absolute_url(reverse("wallet:card-list")),
        },
    )
    recipient = user.email

    def _send() -> None:
        try:
            send_mail(subject, body, None, [recipient])
        except Exception:  # a notice must never undo the card change it reports
            logger.exception("wallet: security notice to user %s failed", user.pk)

    transaction.on_commit(_send)


def clean_payment_address(address: Mapping[str, str] | PostalAddress | None) -> dict[str, str]:
    """A copy of a postal address as a plain dict with ``PostalAddress.FIELDS`` keys.

    Accepts a mapping (e.g. ``AddressForm.cleaned_data``) or a ``PostalAddress`` instance.
    Raises ``ValidationError`` keyed by field for missing or malformed values.
    """
    data = address.as_dict() if isinstance(address, PostalAddress) else dict(address or {})
    cleaned = {name: " ".join(str(data.get(name) or "").split()) for name in PostalAddress.FIELDS}
    cleaned["country"] = cleaned["country"].upper()
    errors: dict[str, ValidationError] = {}
    for name in PostalAddress.FIELDS:
        max_length = PostalAddress._meta.get_field(name).max_length
        if name in ADDRESS_REQUIRED and not cleaned[name]:
            errors[name] = ValidationError("This field is required.", code="required")
        elif max_length and len(cleaned[name]) > max_length:
            errors[name] = ValidationError(f"At most {max_length} characters.", code="max_length")
        elif name in _ADDRESS_FREE_TEXT and card_rules.contains_card_number(cleaned[name]):
            errors[name] = ValidationError(
                "This looks like a card number; it doesn't belong here.", code="card_number"
            )
    if cleaned["country"] and "country" not in errors and cleaned["country"] not in COUNTRIES:
        errors["country"] = ValidationError("Choose a country.", code="invalid_country")
    if errors:
        raise ValidationError(errors)
    return cleaned


def clean_nickname(nickname: str) -> str:
    value = " ".join((nickname or "").split())
    if len(value) > NICKNAME_MAX_LENGTH:
        raise ValidationError(
            {
                "nickname": ValidationError(
                    f"At most {NICKNAME_MAX_LENGTH} characters.", "max_length"
                )
            }
        )
    if card_rules.contains_card_number(value):
        raise ValidationError(
            {"nickname": ValidationError("A nickname can't be a card number.", "card_number")}
        )
    return value


def clean_card_data(card_data: CardData) -> CardData:
    """Run every card input rule on ``card_data``; raises ``ValidationError`` by field."""
    return card_rules.card_data_clean(
        number=card_data.number,
        exp_month=card_data.exp_month,
        exp_year=str(card_data.exp_year),
        cvc=card_data.cvc,
        name=card_data.name,
    )


def clean_amount(amount: Decimal, currency: str) -> tuple[Decimal, str]:
    """Check a money amount: a positive Decimal with no more decimals than the currency has.

    Raises ``TypeError`` for floats and ``ValueError`` for anything else wrong: these are
    programming errors in the caller, not shopper input.
    """
    if isinstance(amount, float):
        raise TypeError("Money amounts must be Decimal, not float.")
    currency = (currency or "").upper()
    if len(currency) != 3 or not currency.isalpha():
        raise ValueError(f"Bad currency code {currency!r}.")
    try:
        value = Decimal(amount)
    except (InvalidOperation, TypeError) as exc:
        raise ValueError(f"Bad amount {amount!r}.") from exc
    if not value.is_finite() or quantize(value, currency) != value:
        raise ValueError(f"{amount} has more decimal places than {currency} allows.")
    if value <= 0:
        raise ValueError("Amounts must be positive.")
    if value >= Decimal("1e10"):
        raise ValueError("Amount too large.")
    return quantize(value, currency), currency


IDEMPOTENCY_KEY_MAX_LENGTH = 200  # Payment/Refund.idempotency_key


def clean_idempotency_key(key: str) -> str:
    """A non-empty key that fits the column. ``ValueError`` otherwise: an empty key would
    make unrelated requests replay each other, a long one fail in the database."""
    if not isinstance(key, str) or not key.strip() or len(key) > IDEMPOTENCY_KEY_MAX_LENGTH:
        raise ValueError(
            f"An idempotency key must be a string of 1 to {IDEMPOTENCY_KEY_MAX_LENGTH} characters."
        )
    return key


def clean_reference(reference: str) -> str:
    value = (reference or "").strip()
    if not value or len(value) > 64:
        raise ValueError("A payment needs a reference of 1 to 64 characters.")
    if card_rules.contains_card_number(value):
        raise ValueError("A reference can't hold a card number.")
    return value
