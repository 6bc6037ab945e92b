"""Input rules for the wallet services: each ``clean_*`` takes what a caller passed and
returns it normalised, or raises.

Shopper input (card data, payment address, nickname) raises ``ValidationError`` keyed by
field, so forms can show it; programming errors in the caller (a float amount, an empty
idempotency key, a bad reference) raise ``TypeError``/``ValueError``. Nothing here writes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError

from accounts.models import PostalAddress, postal_address_clean
from core.card_guard import contains_card_number
from core.money import quantize
from core.text import one_line
from wallet import card_numbers
from wallet.card_numbers import CardData
from wallet.models import Card, Payment

NICKNAME_MAX_LENGTH = Card._meta.get_field("nickname").max_length
IDEMPOTENCY_KEY_MAX_LENGTH = Payment._meta.get_field("idempotency_key").max_length
REFERENCE_MAX_LENGTH = Payment._meta.get_field("reference").max_length


def clean_together(**rules: Callable[[], object]) -> dict[str, object]:
    """Run every rule (a no-argument callable) and return their values by name, or raise
    one ``ValidationError`` holding every rule's errors: a rule's own field errors as they
    are, a plain error under the rule's name. So a form shows all its problems at once."""
    values: dict[str, object] = {}
    errors: dict[str, object] = {}
    for name, rule in rules.items():
        try:
            values[name] = rule()
        except ValidationError as exc:
            errors.update(exc.error_dict if hasattr(exc, "error_dict") else {name: exc})
    if errors:
        raise ValidationError(errors)
    return values


def clean_payment_address(address: Mapping[str, str] | PostalAddress | None) -> dict[str, str]:
    """A copy of a postal address as a plain dict with ``PostalAddress.FIELDS`` keys, checked
    by the one address rule (``accounts.models.postal_address_clean``). Accepts a mapping
    (e.g. ``AddressForm.cleaned_data``) or a ``PostalAddress`` instance. Raises
    ``ValidationError`` keyed by field for missing or malformed values."""
    return postal_address_clean(address)


def clean_nickname(nickname: str) -> str:
    """A card's nickname with white space folded. Raises ``ValidationError`` keyed
    ``nickname`` when it is too long or looks like a card number."""
    value = one_line(nickname)
    if len(value) > NICKNAME_MAX_LENGTH:
        raise ValidationError(
            {
                "nickname": ValidationError(
                    f"At most {NICKNAME_MAX_LENGTH} characters.", "max_length"
                )
            }
        )
    if contains_card_number(value):
        raise ValidationError(
            {"nickname": ValidationError("A nickname can't be a card number.", "card_number")}
        )
    return value


def clean_card_data(card_data: CardData) -> CardData:
    """Run every card input rule on ``card_data``; raises ``ValidationError`` by field."""
    return card_numbers.card_data_clean(
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


def clean_idempotency_key(key: str) -> str:
    """A non-empty key that fits the column. ``ValueError`` otherwise: an empty key would
    make unrelated requests replay each other, a long one fail in the database."""
    if not isinstance(key, str) or not key.strip() or len(key) > IDEMPOTENCY_KEY_MAX_LENGTH:
        raise ValueError(
            f"An idempotency key must be a string of 1 to {IDEMPOTENCY_KEY_MAX_LENGTH} characters."
        )
    return key


def clean_reference(reference: str) -> str:
    """A payment reference (the order number), stripped. ``ValueError`` when it is empty,
    longer than the column or holds a card number."""
    value = (reference or "").strip()
    if not value or len(value) > REFERENCE_MAX_LENGTH:
        raise ValueError(f"A payment needs a reference of 1 to {REFERENCE_MAX_LENGTH} characters.")
    if contains_card_number(value):
        raise ValueError("A reference can't hold a card number.")
    return value


def clean_description(reference: str, description: str) -> str:
    """What the processor shows for a payment: ``description``, or "Bazaar order <reference>"
    when it is empty; cut to the column's 255 characters."""
    return (description or f"Bazaar order {reference}")[:255]


@dataclass(frozen=True)
class PaymentRequest:
    """What every payment is asked for, cleaned: see ``clean_payment_request``."""

    amount: Decimal
    currency: str
    reference: str
    idempotency_key: str
    description: str

    def fields(self) -> dict[str, object]:
        """The request as keyword arguments (for ``payment_open``)."""
        return asdict(self)


def clean_payment_request(
    amount: Decimal, currency: str, reference: str, idempotency_key: str, description: str = ""
) -> PaymentRequest:
    """A payment's amount and currency (``clean_amount``), reference (``clean_reference``),
    idempotency key (``clean_idempotency_key``) and description (``clean_description``),
    checked in that order. Raises ``TypeError``/``ValueError`` like those rules."""
    amount, currency = clean_amount(amount, currency)
    reference = clean_reference(reference)
    return PaymentRequest(
        amount=amount,
        currency=currency,
        reference=reference,
        idempotency_key=clean_idempotency_key(idempotency_key),
        description=clean_description(reference, description),
    )
