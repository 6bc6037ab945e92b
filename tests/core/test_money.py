from decimal import Decimal

import pytest
from django.template import Context, Template
from hypothesis import given
from hypothesis import strategies as st

from core.money import format_money, from_minor, quantize, to_minor


def test_to_minor_converts_dollars_to_cents():
    assert to_minor(Decimal("12.34"), "USD") == 1234


def test_to_minor_respects_zero_decimal_currencies():
    assert to_minor(Decimal("1200"), "JPY") == 1200


def test_to_minor_refuses_floats():
    with pytest.raises(TypeError):
        to_minor(12.34, "USD")


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_minor_units_round_trip(cents):
    assert to_minor(from_minor(cents, "USD"), "USD") == cents


def test_format_money_groups_thousands_and_shows_symbol():
    assert format_money(Decimal("1234.5"), "USD") == "$1,234.50"
    assert format_money(Decimal("-3"), "EUR") == "-€3.00"
    assert format_money(Decimal("10"), "CHF") == "10.00 CHF"


def test_money_filter_formats_in_templates():
    rendered = Template("{% load money %}{{ amount|money:'GBP' }}").render(
        Context({"amount": Decimal("5")})
    )
    assert rendered == "£5.00"


def _printed_as_before(amount: Decimal, currency: str, language: str) -> str:
    """format_money as it was written before its currency's unit was remembered."""
    places = {"JPY": 0, "KWD": 3}.get(currency.upper(), 2)
    value = Decimal(amount).quantize(Decimal(1).scaleb(-places), "ROUND_HALF_UP")
    sign = "-" if value < 0 else ""
    digits = f"{abs(value):,.{places}f}"
    symbol = {"USD": "$", "EUR": "€", "RUB": "₽", "JPY": "¥"}.get(currency.upper())
    if language == "ru":
        digits = digits.replace(",", "\u00a0").replace(".", ",")
        return f"{sign}{digits}\u00a0{symbol or currency.upper()}"
    return f"{sign}{symbol}{digits}" if symbol else f"{sign}{digits} {currency.upper()}"


@given(
    st.decimals(min_value=-(10**9), max_value=10**9, places=4, allow_nan=False),
    st.sampled_from(["USD", "usd", "EUR", "RUB", "JPY", "KWD", "CHF", "jpy"]),
    st.sampled_from(["en", "ru"]),
)
def test_money_is_rounded_and_printed_the_same_on_every_call(amount, currency, language):
    places = {"JPY": 0, "KWD": 3}.get(currency.upper(), 2)
    rounded = amount.quantize(Decimal(1).scaleb(-places), "ROUND_HALF_UP")
    for _ in range(2):  # the first call and a later one (its currency's unit remembered)
        assert str(quantize(amount, currency)) == str(rounded)  # value and exponent
        assert format_money(amount, currency, language) == _printed_as_before(
            amount, currency, language
        )
