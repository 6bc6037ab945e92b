"""Money: Decimal amounts with an ISO currency code, converted to minor units in one place.

Payment gateways speak integer minor units (cents); the database and templates speak
Decimal. Every conversion between the two goes through `to_minor` / `from_minor`.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.utils import translation

# ISO 4217 exponents that differ from 2.
_EXPONENTS = {"JPY": 0, "KRW": 0, "VND": 0, "CLP": 0, "ISK": 0, "BHD": 3, "KWD": 3, "JOD": 3}
_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CNY": "¥", "RUB": "₽"}


def exponent(currency: str) -> int:
    return _EXPONENTS.get(currency.upper(), 2)


def quantize(amount: Decimal, currency: str) -> Decimal:
    return Decimal(amount).quantize(Decimal(1).scaleb(-exponent(currency)), ROUND_HALF_UP)


def to_minor(amount: Decimal, currency: str) -> int:
    """Decimal("12.34"), "USD" -> 1234. Refuses floats so no binary rounding sneaks in."""
    if isinstance(amount, float):
        raise TypeError("Money amounts must be Decimal, not float.")
    return int(quantize(amount, currency).scaleb(exponent(currency)))


def from_minor(amount_minor: int, currency: str) -> Decimal:
    """1234, "USD" -> Decimal("12.34")."""
    return quantize(Decimal(int(amount_minor)).scaleb(-exponent(currency)), currency)


# Russian writes the amount first, digits grouped by a (no-break) space, a decimal comma,
# then the symbol: "1 234,50 $". No-break spaces keep an amount on one line.
_NBSP = "\u00a0"


def format_money(amount: Decimal | None, currency: str, language: str | None = None) -> str:
    """Decimal("1234.5"), "USD" -> "$1,234.50" in English, "1 234,50 $" in Russian (the
    active language unless ``language`` is given); unknown symbols fall back to the code."""
    if amount is None:
        return ""
    value = quantize(amount, currency)
    sign = "-" if value < 0 else ""
    digits = f"{abs(value):,.{exponent(currency)}f}"
    symbol = _SYMBOLS.get(currency.upper())
    if (language or translation.get_language() or "en").startswith("ru"):
        digits = digits.replace(",", _NBSP).replace(".", ",")
        return f"{sign}{digits}{_NBSP}{symbol or currency.upper()}"
    return f"{sign}{symbol}{digits}" if symbol else f"{sign}{digits} {currency.upper()}"
