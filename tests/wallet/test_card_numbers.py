"""Card input rules (wallet/card_numbers.py): number, brand, CVC, expiry, name, CardData."""

import copy
import pickle
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from core.card_guard import contains_card_number, luhn_valid
from wallet import card_numbers
from wallet.card_numbers import CardBrand, CardData


def error_code(call, *args, **kwargs):
    with pytest.raises(ValidationError) as info:
        call(*args, **kwargs)
    return info.value.code


# ------------------------------------------------------------------- number


@pytest.mark.parametrize(
    ("raw", "brand"),
    [
        ("4242 4242 4242 4242", CardBrand.VISA),
        ("4242-4242-4242-4242", CardBrand.VISA),
        ("5555555555554444", CardBrand.MASTERCARD),
        ("2223003122003222", CardBrand.MASTERCARD),
        ("3782 822463 10005", CardBrand.AMEX),
        ("6011111111111117", CardBrand.DISCOVER),
        ("3566002020360505", CardBrand.JCB),
        ("6200000000000005", CardBrand.UNIONPAY),
        ("2200 0000 0000 0004", CardBrand.MIR),
    ],
)
def test_valid_numbers_are_normalised_and_branded(raw, brand):
    digits, detected = card_numbers.validate_number(raw)
    assert digits == raw.replace(" ", "").replace("-", "")
    assert detected == brand


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "number_required"),
        ("   ", "number_required"),
        ("4242 4242 4242 424x", "number_characters"),
        ("\uff14\uff12" * 8, "number_characters"),  # full-width digits
        ("42424242424", "number_length"),
        ("42424242424242424242", "number_length"),
        ("9999 9999 9999 9995", "unsupported_brand"),
        ("4242 4242 4242 42", "number_brand_length"),
        ("378282246310", "number_brand_length"),
        ("4242 4242 4242 4241", "invalid_number"),
    ],
)
def test_each_bad_number_gets_its_own_code(raw, code):
    assert error_code(card_numbers.validate_number, raw) == code


def test_brand_length_message_names_the_brand_and_lengths():
    with pytest.raises(ValidationError) as info:
        card_numbers.validate_number("4242 4242 4242 42")
    assert info.value.messages == ["A Visa card number has 13, 16 or 19 digits."]


def test_error_messages_never_repeat_the_number():
    with pytest.raises(ValidationError) as info:
        card_numbers.validate_number("4242 4242 4242 4241")
    assert "4241" not in str(info.value)


@pytest.mark.parametrize(
    ("prefix", "brand"),
    [
        ("2221", CardBrand.MASTERCARD),
        ("2720", CardBrand.MASTERCARD),
        ("2220", None),
        ("2721", None),
        ("2200", CardBrand.MIR),
        ("2204", CardBrand.MIR),
        ("2205", None),
        ("51", CardBrand.MASTERCARD),
        ("55", CardBrand.MASTERCARD),
        ("56", None),
        ("34", CardBrand.AMEX),
        ("37", CardBrand.AMEX),
        ("35", None),
        ("3528", CardBrand.JCB),
        ("3589", CardBrand.JCB),
        ("3590", None),
        ("6011", CardBrand.DISCOVER),
        ("644", CardBrand.DISCOVER),
        ("649", CardBrand.DISCOVER),
        ("65", CardBrand.DISCOVER),
        ("62", CardBrand.UNIONPAY),
        ("4", CardBrand.VISA),
    ],
)
def test_brand_ranges_have_exact_edges(prefix, brand):
    assert card_numbers.detect_brand(prefix.ljust(16, "0")) == brand


# Property tests ------------------------------------------------------------

digit_strings = st.text(alphabet="0123456789", min_size=1, max_size=18)


@given(digit_strings)
def test_appending_the_check_digit_makes_any_digits_luhn_valid(partial):
    assert luhn_valid(partial + card_numbers.luhn_check_digit(partial))


@given(digit_strings, st.data())
def test_changing_one_digit_breaks_luhn(partial, data):
    number = partial + card_numbers.luhn_check_digit(partial)
    position = data.draw(st.integers(min_value=0, max_value=len(number) - 1))
    replacement = data.draw(st.sampled_from([d for d in "0123456789" if d != number[position]]))
    changed = number[:position] + replacement + number[position + 1 :]
    assert not luhn_valid(changed)


@given(digit_strings)
def test_luhn_agrees_with_the_textbook_definition(number):
    total = 0
    for index, char in enumerate(reversed(number)):
        value = int(char) * (2 if index % 2 else 1)
        total += value // 10 + value % 10
    assert luhn_valid(number) == (total % 10 == 0)


@st.composite
def branded_numbers(draw):
    """A Luhn-valid number built from a random brand's IIN range and allowed length."""
    rule = draw(st.sampled_from(card_numbers.BRAND_RULES))
    first, last, width = draw(st.sampled_from(rule.ranges))
    prefix = str(draw(st.integers(min_value=first, max_value=last))).zfill(width)
    length = draw(st.sampled_from(sorted(rule.lengths)))
    body = draw(
        st.text(alphabet="0123456789", min_size=length - width - 1, max_size=length - width - 1)
    )
    partial = prefix + body
    return rule.brand, partial + card_numbers.luhn_check_digit(partial)


@given(branded_numbers())
def test_numbers_from_a_brand_range_are_detected_as_that_brand(case):
    brand, number = case
    assert card_numbers.validate_number(number) == (number, brand)


@given(st.text(alphabet="0123456789", min_size=12, max_size=19))
def test_detected_brand_always_owns_the_prefix(number):
    brand = card_numbers.detect_brand(number)
    if brand is not None:
        rule = card_numbers.brand_rule(brand)
        assert any(first <= int(number[:width]) <= last for first, last, width in rule.ranges)


@given(st.text(max_size=30))
def test_validate_number_either_accepts_or_raises_a_coded_error(raw):
    try:
        digits, brand = card_numbers.validate_number(raw)
    except ValidationError as exc:
        assert exc.code in card_numbers.MESSAGES
    else:
        assert digits.isdigit() and luhn_valid(digits) and brand is not None


# ---------------------------------------------------------------------- cvc


@pytest.mark.parametrize(
    ("raw", "brand", "code"),
    [
        ("", CardBrand.VISA, "cvc_required"),
        ("12a", CardBrand.VISA, "cvc_characters"),
        ("1234", CardBrand.VISA, "cvc_length"),
        ("12", CardBrand.MASTERCARD, "cvc_length"),
        ("123", CardBrand.AMEX, "cvc_length_amex"),
        ("12", None, "cvc_length"),
    ],
)
def test_bad_cvcs_get_their_own_codes(raw, brand, code):
    assert error_code(card_numbers.validate_cvc, raw, brand) == code


def test_cvc_length_is_four_for_amex_and_three_for_others():
    assert card_numbers.validate_cvc("1234", CardBrand.AMEX) == "1234"
    assert card_numbers.validate_cvc(" 123 ", CardBrand.MIR) == "123"
    assert card_numbers.validate_cvc("1234", None) == "1234"


# ------------------------------------------------------------------- expiry

TODAY = date(2026, 11, 26)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12/28", (12, 2028)),
        ("1/28", (1, 2028)),
        ("01 / 2028", (1, 2028)),
        ("12-28", (12, 2028)),
        ("1228", (12, 2028)),
        ("122028", (12, 2028)),
        ("11/26", (11, 2026)),  # valid through the last day of the month
    ],
)
def test_expiry_accepts_two_and_four_digit_years(raw, expected):
    assert card_numbers.parse_expiry(raw, today=TODAY) == expected


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "expiry_required"),
        ("december", "invalid_expiry"),
        ("12/2", "invalid_year"),
        ("12/202", "invalid_year"),
        ("13/28", "invalid_month"),
        ("00/28", "invalid_month"),
        ("10/26", "expired"),
        ("12/2099", "expiry_too_far"),
    ],
)
def test_bad_expiry_dates_get_their_own_codes(raw, code):
    assert error_code(card_numbers.parse_expiry, raw, today=TODAY) == code


def test_card_expires_after_the_last_day_of_its_month():
    assert not card_numbers.is_expired(2, 2028, today=date(2028, 2, 29))
    assert card_numbers.is_expired(2, 2028, today=date(2028, 3, 1))


# --------------------------------------------------------------------- name


def test_name_is_trimmed_and_spaces_collapsed():
    assert card_numbers.validate_name("  Ada   King  Lovelace ") == "Ada King Lovelace"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("   ", "name_required"),
        ("A" * 101, "name_too_long"),
        ("Ada 4242 4242 4242", "name_has_number"),
    ],
)
def test_bad_names_get_their_own_codes(raw, code):
    assert error_code(card_numbers.validate_name, raw) == code


def test_contains_card_number_spots_pasted_numbers_only():
    assert contains_card_number("my card 4242 4242 4242 4242 thanks")
    assert contains_card_number("4000-0025-0000-3155")
    assert not contains_card_number("+44 20 7946 0958")
    assert not contains_card_number("Flat 12, 221B Baker Street")


# ----------------------------------------------------------------- CardData


def test_card_data_repr_and_str_mask_number_and_cvc():
    data = CardData(number="4242 4242 4242 4242", exp_month=12, exp_year=28, cvc="735", name="Ada")
    for text in (repr(data), str(data), f"{data}", f"{[data]}"):
        assert "4242424242424242" not in text
        assert "4242 4242 4242 4242" not in text
        assert "735" not in text
        assert "•••• 4242" in text


def test_card_data_normalises_number_and_year():
    data = CardData(number="4242-4242 4242-4242", exp_month="7", exp_year="28", cvc=" 735 ")
    assert data.number == "4242424242424242"
    assert (data.exp_month, data.exp_year, data.cvc) == (7, 2028, "735")
    assert data.brand == CardBrand.VISA
    assert data.last4 == "4242"


def test_card_data_refuses_to_be_pickled_or_copied():
    data = CardData(number="4242424242424242", exp_month=12, exp_year=2028, cvc="735")
    with pytest.raises(TypeError):
        pickle.dumps(data)
    with pytest.raises(TypeError):
        copy.deepcopy(data)


def test_fingerprint_is_keyed_and_stable(settings):
    number = "4242424242424242"
    first = card_numbers.card_fingerprint(number)
    assert first == card_numbers.card_fingerprint(number)
    assert number not in first
    settings.CARD_FINGERPRINT_KEY = "another-key"
    assert card_numbers.card_fingerprint(number) != first


def test_card_data_clean_reports_every_bad_field_by_name():
    with pytest.raises(ValidationError) as info:
        card_numbers.card_data_clean(number="4242", expiry="13/28", cvc="", name="")
    assert set(info.value.error_dict) == {"number", "expiry", "cvc", "name"}


def test_card_data_clean_checks_cvc_against_the_brand():
    with pytest.raises(ValidationError) as info:
        card_numbers.card_data_clean(
            number="378282246310005", expiry="12/40", cvc="123", name="Ada"
        )
    assert info.value.error_dict["cvc"][0].code == "cvc_length_amex"
