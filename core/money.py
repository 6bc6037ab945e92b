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


# Per currency code as given: its smallest unit (Decimal("0.01")), its exponent, and the
# symbol or code format_money prints. Pages format and total every line they show; these
# were worked out again each time. Fixed by the tables above, so never stale.
_units: dict[str, tuple[Decimal, int, str | None, str]] = {}


def _unit(currency: str) -> tuple[Decimal, int, str | None, str]:
    try:
        return _units[currency]
    except KeyError:
        code = currency.upper()
        places = exponent(code)
        unit = (Decimal(1).scaleb(-places), places, _SYMBOLS.get(code), code)
        if len(_units) < 1000:  # codes come from validated fields; a bound all the same
            _units[currency] = unit
        return unit


def quantize(amount: Decimal, currency: str) -> Decimal:
    return Decimal(amount).quantize(_unit(currency)[0], ROUND_HALF_UP)


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
    unit, places, symbol, code = _unit(currency)
    value = Decimal(amount).quantize(unit, ROUND_HALF_UP)
    sign = "-" if value < 0 else ""
    digits = f"{abs(value):,.{places}f}"
    if (language or translation.get_language() or "en").startswith("ru"):
        digits = digits.replace(",", _NBSP).replace(".", ",")
        return f"{sign}{digits}{_NBSP}{symbol or code}"
    return f"{sign}{symbol}{digits}" if symbol else f"{sign}{digits} {code}"
