from decimal import Decimal

import pytest
from django.template import Context, Template
from hypothesis import given
from hypothesis import strategies as st

from core.money import format_money, from_minor, to_minor


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
