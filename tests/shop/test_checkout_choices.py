"""The order page draws its Ship to and Way of payment options with {% address_choices %}
and {% payment_choices %} (one escaped f-string an option, no template nodes per option);
these tests hold them equal to the template-language options they replaced
(checkout_choices_in_template_language.html), in English and Russian, for every kind of
option, and check that the page shows them."""

import re
from pathlib import Path

import pytest
from django.forms.utils import flatatt
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import format_html

from accounts.selectors import address_list_for_user
from shop.order_forms import CheckoutForm, PaymentMethodForm
from shop.selectors import card_choices_for_user
from shop.services import cart_add_item, cart_get_or_create_for_user
from tests.factories import AddressFactory, CardFactory, ProductFactory, SellerFactory
from wallet.models import Card

pytestmark = pytest.mark.django_db

IN_TEMPLATE_LANGUAGE = (
    Path(__file__).parent / "checkout_choices_in_template_language.html"
).read_text()
WITH_TAGS = (
    '{% load checkout_tags %}<section data-choices="address">{% address_choices form %}'
    '</section><section data-choices="payment">{% payment_choices form %}</section>'
)


def _normal(html: str) -> str:
    """Whitespace as a browser reads it: runs squeezed to one space, none beside a block
    element's tags (where it draws nothing)."""
    html = re.sub(r"\s+", " ", html, flags=re.ASCII)
    return re.sub(r"\s*(</?(?:div|section)\b[^>]*>)\s*", r"\1", html, flags=re.ASCII).strip()


@pytest.fixture
def shopper(user):
    """Two addresses (the last used one with markup in its name), and cards of every kind:
    the default, one expiring this month without a name, one expired."""
    today = timezone.localdate()
    AddressFactory(user=user, full_name='Ada <b>"Lovelace"</b>', last_used_at=timezone.now())
    AddressFactory(user=user, full_name="Charles Babbage", line2="Flat 2")
    CardFactory(owner=user, make_default=True)
    soon = CardFactory(owner=user, number="5555555555554444")
    expired = CardFactory(owner=user, number="378282246310005")
    Card.objects.filter(pk=soon.pk).update(
        exp_month=today.month, exp_year=today.year, name_on_card=""
    )
    Card.objects.filter(pk=expired.pk).update(exp_month=1, exp_year=today.year - 1)
    seller = SellerFactory(slug="nordic-home")
    cart_add_item(
        cart=cart_get_or_create_for_user(user=user),
        product=ProductFactory(seller=seller),
        quantity=1,
    )
    return user


def _form(user) -> CheckoutForm:
    addresses = list(address_list_for_user(user=user))
    cards = card_choices_for_user(user=user)
    usable = [c for c in cards if not c.is_expired]
    initial = {"token": "0" * 32, "address": str(addresses[0].pk), "payment": usable[0].value}
    return CheckoutForm(initial=initial, addresses=addresses, cards=cards)


@pytest.mark.parametrize("language", ["en", "ru"])
def test_each_option_is_the_template_language_option(shopper, language):
    form = _form(shopper)

    with translation.override(language):
        drawn = _normal(Template(WITH_TAGS).render(Context({"form": form})))
        expected = _normal(Template(IN_TEMPLATE_LANGUAGE).render(Context({"form": form})))

    assert drawn == expected
    assert drawn.count('<div class="form-check') == 3 + 4
    for needle in ("checked", "disabled", "-hint", "bg-light", "text-bg-warning", "&lt;b&gt;"):
        assert needle in drawn, needle


@pytest.mark.parametrize("language", ["en", "ru"])
def test_without_a_saved_address_there_is_no_lone_radio_in_either_drawing(user, language):
    # The Ship to block alone: without cards, Way of payment draws no choices either.
    with_tag, in_template_language = (
        html.split('<section data-choices="payment">')[0]
        for html in (WITH_TAGS + "</section>", IN_TEMPLATE_LANGUAGE)
    )
    with translation.override(language):
        form = CheckoutForm(initial={"token": "0" * 32, "address": "new"}, addresses=[], cards=[])
        drawn = _normal(Template(with_tag).render(Context({"form": form})))
        expected = _normal(Template(in_template_language).render(Context({"form": form})))
        asked = translation.gettext("Enter the shipping address")

    assert drawn == expected
    assert '<input type="hidden" name="address" value="new">' in drawn
    assert 'type="radio"' not in drawn and asked in drawn


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_order_page_shows_the_options(client, shopper, language):
    client.force_login(shopper)
    client.cookies["django_language"] = language
    page = _normal(client.get(reverse("shop:checkout", args=["nordic-home"])).content.decode())

    with translation.override(language):
        drawn = _normal(Template(WITH_TAGS).render(Context({"form": _form(shopper)})))
    # The page's form has its own token; the options are the same.
    for options in re.findall(r'<section data-choices="\w+">(.*?)</section>', drawn):
        assert options in page
    assert "<b>" not in page
    assert '<a href="/wallet/cards/">' in page


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_order_page_keeps_each_card_on_one_line(client, shopper, language):
    """A phone's narrow column must not break "American Express ••••" from "0005": each
    saved card's name is kept whole, as on the payment page."""
    client.force_login(shopper)
    client.cookies["django_language"] = language
    page = client.get(reverse("shop:checkout", args=["nordic-home"])).content.decode()

    for card in ("Visa •••• 4242", "Mastercard •••• 4444", "American Express •••• 0005"):
        assert f'<span><span class="text-nowrap">{card}</span>, ' in page


def _django_radios(bound_field) -> list[tuple[str, str, object]]:
    """Each radio as Django draws it (``BoundWidget.tag()``, its widget templates), and
    as radios() drew it before (``format_html`` of ``flatatt``)."""
    return [
        (
            str(widget.tag()),
            str(
                format_html(
                    '<input type="{}" name="{}" value="{}"{}>',
                    widget.data["type"],
                    widget.data["name"],
                    widget.data["value"],
                    flatatt(widget.data["attrs"]),
                )
            ),
            widget.id_for_label,
            widget.choice_label,
        )
        for widget in bound_field.subwidgets
    ]


def _attributes(tag: str) -> dict[str, str | None]:
    return {
        name: value
        for name, value in re.findall(r'\s([a-z-]+)(?:="([^"]*)")?', tag.removeprefix("<input"))
    }


def _posted(user, **data) -> CheckoutForm:
    addresses = list(address_list_for_user(user=user))
    cards = card_choices_for_user(user=user)
    return CheckoutForm(data=data, addresses=addresses, cards=cards)


def test_each_radio_input_is_the_one_django_draws(shopper):
    addresses = list(address_list_for_user(user=shopper))
    cards = card_choices_for_user(user=shopper)
    usable = [c for c in cards if not c.is_expired]
    expired = next(c for c in cards if c.is_expired)
    token, lines = "0" * 32, "1:1:1.00"
    forms = {
        "shown": _form(shopper),
        "posted": _posted(
            shopper,
            token=token,
            lines=lines,
            address=str(addresses[1].pk),
            payment=usable[1].value,
        ),
        "posted an expired card": _posted(
            shopper, token=token, lines=lines, address="new", payment=expired.value
        ),
        "posted nothing chosen": _posted(shopper, token=token, lines=lines),
        "posted a tampered value": _posted(
            shopper, token=token, lines=lines, address='"><b>', payment="card-0"
        ),
    }
    paying = {  # the payment page's way to pay
        "payment page": PaymentMethodForm(cards=cards, initial={"method": usable[0].value}),
        "payment page posted": PaymentMethodForm(
            data={"token": token, "method": "bank_transfer"}, cards=cards
        ),
        "payment page posted an expired card": PaymentMethodForm(
            data={"token": token, "method": expired.value}, cards=cards
        ),
    }
    seen = set()
    for state, form in {**forms, **paying}.items():
        if form.is_bound:
            form.is_valid()
        for field in ("method",) if state in paying else ("address", "payment"):
            drawn = getattr(form, f"{field}_radios")
            expected = _django_radios(form[field])
            assert len(drawn) == len(expected) > 1, (state, field)
            for radio, (by_django, as_before, id_for_label, label) in zip(
                drawn, expected, strict=True
            ):
                assert str(radio.tag) == as_before, (state, field)
                assert _attributes(radio.tag) == _attributes(by_django), (state, field)
                assert (radio.id_for_label, radio.choice_label) == (id_for_label, label)
                assert f'value="{radio.value}"' in by_django
                seen.update(_attributes(radio.tag))
    # Every attribute a radio can carry came up.
    assert {"checked", "required", "disabled", "aria-describedby", "aria-invalid"} <= seen
