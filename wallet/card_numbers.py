"""Card input rules: the one place that knows what a card number, expiry, CVC and name look like.

Every form or service that takes card data uses these functions. Each failure raises a
Django ``ValidationError`` with its own ``code`` and a message that is safe to show the
shopper (it never repeats what was typed), so forms call them from ``clean_<field>()``.

``CardData`` carries raw card data between the form, the services and the gateway. Its
``repr``/``str`` mask the number and CVC and it refuses to be pickled, so it cannot leak into
logs, tracebacks, sessions or caches by accident. Only the gateway ever sees the digits.
"""

from __future__ import annotations

import calendar
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from core.card_guard import luhn_checksum, luhn_valid
from core.text import one_line

NAME_MAX_LENGTH = 100
# Years ahead an expiry date may lie; card schemes issue for at most ~10 years.
EXPIRY_MAX_YEARS_AHEAD = 20


class CardBrand(models.TextChoices):
    VISA = "visa", "Visa"
    MASTERCARD = "mastercard", "Mastercard"
    AMEX = "amex", "American Express"
    DISCOVER = "discover", "Discover"
    JCB = "jcb", "JCB"
    UNIONPAY = "unionpay", "UnionPay"
    MIR = "mir", "Mir"


@dataclass(frozen=True)
class BrandRule:
    brand: CardBrand
    # (first, last, prefix length): the number's first `prefix length` digits, read as an
    # integer, fall in [first, last].
    ranges: tuple[tuple[int, int, int], ...]
    lengths: frozenset[int]
    cvc_length: int


_SIXTEEN_TO_NINETEEN = frozenset(range(16, 20))

# Issuer identification number (IIN) ranges. The UnionPay/Discover co-branded block
# 622126-622925 is treated as UnionPay: the whole 62 prefix belongs to UnionPay.
BRAND_RULES: tuple[BrandRule, ...] = (
    BrandRule(CardBrand.VISA, ((4, 4, 1),), frozenset({13, 16, 19}), 3),
    BrandRule(CardBrand.MASTERCARD, ((51, 55, 2), (2221, 2720, 4)), frozenset({16}), 3),
    BrandRule(CardBrand.AMEX, ((34, 34, 2), (37, 37, 2)), frozenset({15}), 4),
    BrandRule(
        CardBrand.DISCOVER, ((6011, 6011, 4), (644, 649, 3), (65, 65, 2)), _SIXTEEN_TO_NINETEEN, 3
    ),
    BrandRule(CardBrand.JCB, ((3528, 3589, 4),), _SIXTEEN_TO_NINETEEN, 3),
    BrandRule(CardBrand.UNIONPAY, ((62, 62, 2),), _SIXTEEN_TO_NINETEEN, 3),
    BrandRule(CardBrand.MIR, ((2200, 2204, 4),), _SIXTEEN_TO_NINETEEN, 3),
)
_RULES_BY_BRAND = {rule.brand: rule for rule in BRAND_RULES}
ACCEPTED_BRANDS_TEXT = "Visa, Mastercard, American Express, Discover, JCB, UnionPay and Mir"

MESSAGES = {
    "number_required": gettext_lazy("Enter the card number."),
    "number_characters": gettext_lazy(
        "A card number has only digits (spaces and dashes are fine)."
    ),
    "number_length": gettext_lazy("A card number has 12 to 19 digits."),
    "number_brand_length": gettext_lazy("A {brand} card number has {lengths} digits."),
    "unsupported_brand": gettext_lazy(
        "We accept Visa, Mastercard, American Express, Discover, JCB, UnionPay and Mir; "
        "this number is none of them."
    ),
    "invalid_number": gettext_lazy("This card number isn't valid. Check it for typing mistakes."),
    "cvc_required": gettext_lazy("Enter the security code (CVC) from the back of the card."),
    "cvc_characters": gettext_lazy("The security code has only digits."),
    "cvc_length": gettext_lazy("The security code has {length} digits."),
    "cvc_length_amex": gettext_lazy(
        "The security code on an American Express card has 4 digits (front)."
    ),
    "expiry_required": gettext_lazy("Enter the expiry date."),
    "invalid_expiry": gettext_lazy("Enter the expiry date as MM/YY, for example 08/29."),
    "invalid_month": gettext_lazy("The expiry month must be between 01 and 12."),
    "invalid_year": gettext_lazy("Enter the expiry year as two or four digits."),
    "expired": gettext_lazy("This card has expired."),
    "expiry_too_far": gettext_lazy("The expiry date is too far in the future. Check the year."),
    "name_required": gettext_lazy("Enter the name as it appears on the card."),
    "name_too_long": gettext_lazy("The name on card can have at most {max_length} characters."),
    "name_has_number": gettext_lazy("The name on card can't contain a card number."),
}


def _error(code: str, **params: object) -> ValidationError:
    return ValidationError(
        MESSAGES[code].format(**{"max_length": NAME_MAX_LENGTH, **params}), code=code
    )


# ------------------------------------------------------------------ number


def normalize_number(raw: str) -> str:
    """Strip spaces and dashes. Raises ``number_required`` / ``number_characters``."""
    value = re.sub(r"[\s\-]", "", raw or "")
    if not value:
        raise _error("number_required")
    if not value.isascii() or not value.isdigit():
        raise _error("number_characters")
    return value


def luhn_check_digit(partial: str) -> str:
    """The digit that makes ``partial + digit`` Luhn-valid (handy for test data)."""
    return str((10 - luhn_checksum(partial + "0")) % 10)


def brand_rule(brand: str) -> BrandRule:
    return _RULES_BY_BRAND[CardBrand(brand)]


def detect_brand(digits: str) -> CardBrand | None:
    """The brand a number's IIN belongs to, or None. Looks at the prefix only, not length."""
    for rule in BRAND_RULES:
        for first, last, width in rule.ranges:
            if len(digits) >= width and first <= int(digits[:width]) <= last:
                return rule.brand
    return None


def _lengths_text(lengths: frozenset[int]) -> str:
    ordered = sorted(lengths)
    if ordered == list(range(ordered[0], ordered[-1] + 1)) and len(ordered) > 2:
        return gettext("%(low)s to %(high)s") % {"low": ordered[0], "high": ordered[-1]}
    if len(ordered) == 1:
        return str(ordered[0])
    return gettext("%(some)s or %(last)s") % {
        "some": ", ".join(str(n) for n in ordered[:-1]),
        "last": ordered[-1],
    }


def validate_number(raw: str) -> tuple[str, CardBrand]:
    """Normalise and check a card number; returns ``(digits, brand)``.

    Checks, each with its own code: required, characters, 12-19 digits, a supported brand,
    the brand's length, Luhn.
    """
    digits = normalize_number(raw)
    if not 12 <= len(digits) <= 19:
        raise _error("number_length")
    brand = detect_brand(digits)
    if brand is None:
        raise _error("unsupported_brand")
    rule = _RULES_BY_BRAND[brand]
    if len(digits) not in rule.lengths:
        raise _error("number_brand_length", brand=brand.label, lengths=_lengths_text(rule.lengths))
    if not luhn_valid(digits):
        raise _error("invalid_number")
    return digits, brand


def card_fingerprint(digits: str) -> str:
    """Keyed fingerprint (HMAC-SHA256 with ``CARD_FINGERPRINT_KEY``) of a normalised number.

    Lets us spot the same card linked twice without storing the number; without the key the
    fingerprint cannot be brute-forced back into a number.
    """
    key = settings.CARD_FINGERPRINT_KEY.encode()
    return hmac.new(key, digits.encode(), hashlib.sha256).hexdigest()


def mask_number(digits: str) -> str:
    return f"•••• {digits[-4:]}" if len(digits) >= 4 else "••••"


# --------------------------------------------------------------------- cvc


def validate_cvc(raw: str, brand: str | None = None) -> str:
    """Check a CVC: digits only, 4 for American Express, 3 for the others (3 or 4 if unknown)."""
    value = (raw or "").strip()
    if not value:
        raise _error("cvc_required")
    if not value.isascii() or not value.isdigit():
        raise _error("cvc_characters")
    if brand is None:
        if len(value) not in (3, 4):
            raise _error("cvc_length", length="3 or 4")
        return value
    expected = _RULES_BY_BRAND[CardBrand(brand)].cvc_length
    if len(value) != expected:
        if brand == CardBrand.AMEX:
            raise _error("cvc_length_amex")
        raise _error("cvc_length", length=expected)
    return value


# ------------------------------------------------------------------ expiry

_EXPIRY_WITH_SEPARATOR = re.compile(r"^(\d{1,2})\s*[/\-.\s]\s*(\d+)$")
_EXPIRY_DIGITS_ONLY = re.compile(r"^(\d{2})(\d{2}|\d{4})$")


def normalize_year(year: int | str) -> int:
    """Two-digit years are in this century (28 -> 2028); four-digit years pass through."""
    text = str(year).strip()
    if not text.isdigit() or len(text) not in (2, 4):
        raise _error("invalid_year")
    value = int(text)
    return 2000 + value if len(text) == 2 else value


def expiry_last_day(month: int, year: int) -> date:
    """A card is valid through the last day of its expiry month."""
    return date(year, month, calendar.monthrange(year, month)[1])


def is_expired(month: int, year: int, today: date | None = None) -> bool:
    today = today or timezone.localdate()
    return expiry_last_day(month, year) < today


def validate_expiry(
    month: int | str, year: int | str, today: date | None = None
) -> tuple[int, int]:
    """Check an expiry month/year; returns ``(month, four_digit_year)``.

    Month 1-12, year of two or four digits, not past the last day of the month, and no more
    than ``EXPIRY_MAX_YEARS_AHEAD`` years ahead.
    """
    month_text = str(month).strip()
    if not month_text.isdigit() or not 1 <= int(month_text) <= 12:
        raise _error("invalid_month")
    month_value = int(month_text)
    year_value = normalize_year(year)
    today = today or timezone.localdate()
    if is_expired(month_value, year_value, today):
        raise _error("expired")
    if year_value > today.year + EXPIRY_MAX_YEARS_AHEAD:
        raise _error("expiry_too_far")
    return month_value, year_value


def parse_expiry(raw: str, today: date | None = None) -> tuple[int, int]:
    """Parse and check "MM/YY" (also "M/YY", "MM/YYYY", "MM-YY", "MMYY", "MMYYYY")."""
    value = (raw or "").strip()
    if not value:
        raise _error("expiry_required")
    match = _EXPIRY_WITH_SEPARATOR.match(value) or _EXPIRY_DIGITS_ONLY.match(value)
    if not match:
        raise _error("invalid_expiry")
    return validate_expiry(match.group(1), match.group(2), today=today)


def format_expiry(month: int, year: int) -> str:
    """12, 2028 -> "12/28"."""
    return f"{month:02d}/{year % 100:02d}"


# -------------------------------------------------------------------- name


def validate_name(raw: str) -> str:
    """Trim and collapse spaces; required, at most ``NAME_MAX_LENGTH`` characters.

    A name holding six or more digits is refused: that is someone pasting a card number
    into the wrong box, and the name is stored.
    """
    value = one_line(raw)
    if not value:
        raise _error("name_required")
    if len(value) > NAME_MAX_LENGTH:
        raise _error("name_too_long")
    if sum(char.isdigit() for char in value) >= 6:
        raise _error("name_has_number")
    return value


# ---------------------------------------------------------------- CardData


@dataclass(frozen=True, repr=False)
class CardData:
    """Raw card data on its way to the gateway. Never stored, logged or pickled.

    The number is normalised (spaces and dashes removed) and a two-digit year becomes four
    digits; nothing else is checked here: use ``card_data_clean`` or ``CardForm`` for that.
    """

    number: str
    exp_month: int
    exp_year: int
    cvc: str
    name: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "number", re.sub(r"[\s\-]", "", str(self.number)))
        object.__setattr__(self, "cvc", str(self.cvc).strip())
        object.__setattr__(self, "exp_month", int(self.exp_month))
        year = int(self.exp_year)
        object.__setattr__(self, "exp_year", 2000 + year if year < 100 else year)
        object.__setattr__(self, "name", one_line(self.name))

    @property
    def brand(self) -> CardBrand | None:
        return detect_brand(self.number)

    @property
    def last4(self) -> str:
        return self.number[-4:]

    @property
    def fingerprint(self) -> str:
        return card_fingerprint(self.number)

    @property
    def masked_number(self) -> str:
        return mask_number(self.number)

    def __repr__(self) -> str:
        return (
            f"CardData(number={self.masked_number!r}, exp={self.exp_month:02d}/{self.exp_year}, "
            f"cvc='***', name={self.name!r})"
        )

    __str__ = __repr__

    def __reduce_ex__(self, protocol):  # pickle, copy, cache and session serialisers
        raise TypeError("CardData holds a card number and must never be serialised.")


def card_data_clean(
    *, number: str, expiry: str | None = None, exp_month=None, exp_year=None, cvc: str, name: str
) -> CardData:
    """Validate every card field at once; returns ``CardData`` or raises a ValidationError
    whose ``error_dict`` is keyed by field (number, expiry, cvc, name).

    Give either ``expiry`` ("MM/YY") or ``exp_month`` and ``exp_year``.
    """
    errors: dict[str, ValidationError] = {}
    digits = brand = month = year = None
    try:
        digits, brand = validate_number(number)
    except ValidationError as exc:
        errors["number"] = exc
    try:
        if expiry is not None:
            month, year = parse_expiry(expiry)
        else:
            month, year = validate_expiry(exp_month, exp_year)
    except ValidationError as exc:
        errors["expiry"] = exc
    try:
        cvc = validate_cvc(cvc, brand)
    except ValidationError as exc:
        errors["cvc"] = exc
    try:
        name = validate_name(name)
    except ValidationError as exc:
        errors["name"] = exc
    if errors:
        raise ValidationError(errors)
    return CardData(number=digits, exp_month=month, exp_year=year, cvc=cvc, name=name)
