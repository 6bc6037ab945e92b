"""The country select renders its options in Python and keeps Select's behaviour."""

import pytest
from django.forms.utils import flatatt
from django.utils import translation
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from accounts.forms import AddressForm, LongSelect


def test_country_select_keeps_the_chosen_country_and_its_attributes():
    form = AddressForm(prefix="ship", data={"ship-country": "FR"})
    html = str(form["country"])

    assert 'name="ship-country"' in html and 'id="id_ship-country"' in html
    assert 'autocomplete="country"' in html
    assert '<option value="FR" selected>France</option>' in html
    assert html.count(" selected") == 1


def _as_before(widget, name, value, attrs) -> str:
    """LongSelect.render as it was: format_html_join over the choices."""
    selected = "" if value is None else str(value)
    options = format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        (
            (key, " selected" if str(key) == selected else "", label)
            for key, label in widget.choices
        ),
    )
    final_attrs = widget.build_attrs(widget.attrs, {**(attrs or {}), "name": name})
    return format_html("<select{}>{}</select>", flatatt(final_attrs), options)


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.parametrize("value", [None, "FR", "BA", "XX"])
def test_country_select_draws_what_format_html_drew(language, value):
    with translation.override(language):
        widget = AddressForm(prefix="ship").fields["country"].widget
        attrs = {"id": "id_ship-country", "required": True}
        drawn = widget.render("ship-country", value, attrs)
        assert drawn == _as_before(widget, "ship-country", value, attrs)
        assert drawn.count("<option") > 240
        assert drawn.count(" selected") == (0 if value in (None, "XX") else 1)
        if language == "ru":
            assert ">Франция</option>" in drawn


def test_a_widget_choice_marked_safe_is_not_escaped_twice_and_plain_text_is():
    widget = LongSelect(choices=[("a", mark_safe("<b>A</b>")), ("b", "B & <c>")])
    drawn = widget.render("x", "b")
    assert drawn == _as_before(widget, "x", "b", None)
    assert "<b>A</b>" in drawn and "B &amp; &lt;c&gt;" in drawn


@pytest.mark.parametrize(
    "language,nauru,kosovo",
    [("en", "Nauru", "Kosovo"), ("ru", "Науру", "Косово")],  # noqa: RUF001
)
def test_countries_are_named_in_the_shoppers_language(language, nauru, kosovo):
    # django-countries 9.1 calls Nauru "Naoero" in English; settings.COUNTRIES_OVERRIDE.
    with translation.override(language):
        html = str(AddressForm(prefix="ship")["country"])
    assert f'<option value="NR">{nauru}</option>' in html
    assert f'<option value="XK">{kosovo}</option>' in html
    assert "Naoero" not in html
