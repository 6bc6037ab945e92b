"""CardForm: labels, autocomplete tokens, coded errors, and no echo of number or CVC."""

import re

from django.utils import timezone

from wallet.card_numbers import CardBrand
from wallet.forms import CardEditForm, CardForm

FUTURE_YEAR = timezone.now().year + 3


def valid_post(**overrides):
    return {
        "number": "4242 4242 4242 4242",
        "name": " Ada  Lovelace ",
        "expiry": f"12/{FUTURE_YEAR % 100:02d}",
        "cvc": "735",
        **overrides,
    }


def test_valid_form_gives_card_data():
    form = CardForm(valid_post())
    assert form.is_valid(), form.errors
    data = form.card_data
    assert data.number == "4242424242424242"
    assert (data.exp_month, data.exp_year) == (12, FUTURE_YEAR)
    assert data.name == "Ada Lovelace"
    assert data.brand == CardBrand.VISA


def test_fields_have_visible_labels_autocomplete_and_numeric_keyboards():
    html = CardForm().as_div()
    for label in ("Card number", "Name on card", "Expiry (MM/YY)", "CVC"):
        assert f">{label}:</label>" in html or f">{label}</label>" in html
    for token in ("cc-number", "cc-name", "cc-exp", "cc-csc"):
        assert f'autocomplete="{token}"' in html
    numeric = re.findall(r'<input[^>]*inputmode="numeric"[^>]*>', html)
    assert {re.search(r'name="(\w+)"', tag).group(1) for tag in numeric} == {
        "number",
        "expiry",
        "cvc",
    }


def test_form_with_errors_never_echoes_number_or_cvc():
    form = CardForm(valid_post(name="", cvc="9876"))
    assert not form.is_valid()
    html = form.as_div()
    assert "4242 4242 4242 4242" not in html
    assert "4242424242424242" not in html
    assert "9876" not in html


def test_form_keeps_name_and_expiry_on_error_so_only_secrets_are_retyped():
    form = CardForm(valid_post(cvc=""))
    assert not form.is_valid()
    html = form.as_div()
    assert 'value="Ada  Lovelace"' in html or 'value=" Ada  Lovelace "' in html


def test_each_field_error_keeps_its_code():
    form = CardForm({"number": "4242 4242 4242 4241", "name": "", "expiry": "13/30", "cvc": "12"})
    assert not form.is_valid()
    assert form.has_error("number", "invalid_number")
    assert form.has_error("name", "required")
    assert form.has_error("expiry", "invalid_month")
    assert form.has_error("cvc", "cvc_length")


def test_amex_needs_a_four_digit_cvc():
    form = CardForm(valid_post(number="3782 822463 10005", cvc="735"))
    assert not form.is_valid()
    assert form.has_error("cvc", "cvc_length_amex")
    assert CardForm(valid_post(number="3782 822463 10005", cvc="7351")).is_valid()


def test_expired_card_is_refused():
    form = CardForm(valid_post(expiry="01/20"))
    assert not form.is_valid()
    assert form.has_error("expiry", "expired")


def test_required_fields_say_what_to_enter():
    form = CardForm({})
    assert not form.is_valid()
    assert form.errors["number"] == ["Enter the card number."]
    assert form.errors["cvc"] == ["Enter the security code (CVC) from the back of the card."]


def test_card_edit_form_prefills_from_card_and_cleans_expiry():
    class FakeCard:
        name_on_card = "Ada Lovelace"
        exp_month, exp_year = 3, 2031

    html = CardEditForm(card=FakeCard()).as_div()
    assert 'value="03/31"' in html
    form = CardEditForm({"name": "Ada King", "expiry": "04/32"})
    assert form.is_valid()
    assert form.cleaned_data["expiry"] == (4, 2032)
