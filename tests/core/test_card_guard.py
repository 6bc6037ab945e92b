"""One card-number guard for all free text: a 12-19 digit Luhn-valid run, with or without
separators, or a branded card number with more digits typed around it, is refused with a
field error, never saved and never echoed back; a phone number that is a card number
too."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import Address, postal_address_clean
from accounts.services import address_create
from core.card_guard import contains_card_number, reject_card_number
from shop.models import Order
from tests.factories import CardFactory, ProductFactory
from wallet.services import card_update

pytestmark = pytest.mark.django_db

VISA = "4242 4242 4242 4242"


def _echoes_the_card(page):
    """Two groups of the card's digits, however spaced: a lone "4242" is not enough,
    since the page's random CSRF and checkout tokens hold one now and then."""
    return re.search(r"4242\D{0,3}4242", page) is not None


ADDRESS = {
    "full_name": "Grace Hopper",
    "line1": "1 Navy Way",
    "line2": "",
    "city": "Arlington",
    "region": "VA",
    "postal_code": "22202",
    "country": "US",
    "phone": "+1 703 555 0199",
}


@pytest.mark.parametrize(
    "text",
    [
        "4242424242424242",
        "my card 4242 4242 4242 4242 thanks",
        "4000-0025-0000-3155",
        "3782 822463 10005",  # Amex, 15 digits
        "6011 0009 9013 9424",
        "123456789007",  # 12 digits, Luhn-valid, no brand
        # Other separators people type between the groups.
        "4242.4242.4242.4242",
        "4242_4242_4242_4242",
        "4242/4242/4242/4242",
        # The CVC or the expiry typed after it: the run as a whole fails the Luhn check.
        "4242 4242 4242 4242 123",
        "Refund to card 4242 4242 4242 4242 123",
        "4242424242424242 12/28 123",
        "4242-4242-4242-4242 1",
        "4242424242424242123",
        "3782 822463 10005 1234",
        # Digits typed before it.
        "ref 99 4242424242424242",
    ],
)
def test_card_numbers_are_spotted(text):
    assert contains_card_number(text)
    with pytest.raises(ValidationError) as info:
        reject_card_number(text)
    assert info.value.code == "card_number"


@pytest.mark.parametrize(
    "text",
    [
        "+44 20 7946 0958",
        "Flat 12, 221B Baker Street",
        "4242 4242 4242 4241",  # fails Luhn
        "12345678901",  # 11 digits
        "Order BZ-000123",
        "4242 4242 4242 4241 12",  # no Luhn-valid card in it
        "Paid 12.50 on 2026-12-02, ticket 4471",
        "Apt 5/12, 10 Downing St",
        "",
    ],
)
def test_other_numbers_pass(text):
    assert not contains_card_number(text)
    reject_card_number(text)


def test_the_address_rule_refuses_a_card_number_in_every_free_text_field():
    for field in ("full_name", "line1", "line2", "city", "region"):
        with pytest.raises(ValidationError) as info:
            postal_address_clean({**ADDRESS, field: f"x {VISA}"})
        assert [e.code for e in info.value.error_dict[field]] == ["card_number"]


@pytest.mark.parametrize(
    "phone", ["4242424242424242", "+4242 4242 4242 4242", "3782 822463 10005", "6011000990139424"]
)
def test_a_phone_number_that_is_a_card_number_is_refused(phone):
    with pytest.raises(ValidationError) as info:
        postal_address_clean({**ADDRESS, "phone": phone})
    assert [e.code for e in info.value.error_dict["phone"]] == ["card_number"]


@pytest.mark.parametrize(
    "phone",
    # Long international numbers, one of them Luhn-valid as one phone number in ten is.
    ["+62 812 3456 7899", "+86 138 0013 8000", "+49 30 12345678", "+1 (415) 555-0100"],
)
def test_real_phone_numbers_pass(phone):
    assert postal_address_clean({**ADDRESS, "phone": phone})["phone"] == phone


def test_the_address_service_refuses_a_card_number(user):
    with pytest.raises(ValidationError):
        address_create(user=user, **{**ADDRESS, "line1": VISA})
    assert not Address.objects.exists()


def test_the_address_book_page_refuses_a_card_number_and_never_echoes_it(user_client):
    response = user_client.post(reverse("accounts:address-add"), {**ADDRESS, "line1": VISA})

    assert response.status_code == 200
    assert response.context["form"].has_error("line1", "card_number")
    page = response.content.decode()
    assert not _echoes_the_card(page)
    assert "doesn&#x27;t belong here" in page or "doesn't belong here" in page
    assert not Address.objects.exists()


def test_the_address_book_page_refuses_a_card_number_as_a_phone_number(user_client):
    response = user_client.post(
        reverse("accounts:address-add"), {**ADDRESS, "phone": "4242424242424242"}
    )

    assert response.context["form"].has_error("phone", "card_number")
    assert not _echoes_the_card(response.content.decode())
    assert not Address.objects.exists()


def test_a_ship_to_address_typed_at_checkout_refuses_a_card_number(user_client, user):
    product = ProductFactory(stock=3)
    user_client.post(reverse("shop:cart-add", args=[product.pk]), {"quantity": 1})
    checkout = reverse("shop:checkout", args=[product.seller.slug])
    page = user_client.get(checkout).content.decode()
    fields = {
        "token": re.search(r'name="token" value="([0-9a-f]{32})"', page).group(1),
        "lines": re.search(r'name="lines" value="([^"]*)"', page).group(1),
        "address": "new",
        "payment": "other",
        **{f"shipping-{name}": value for name, value in ADDRESS.items()},
        "shipping-full_name": f"Grace {VISA}",
    }

    response = user_client.post(checkout, fields)

    assert response.status_code == 200
    assert not _echoes_the_card(response.content.decode())
    assert not Order.objects.exists() and not Address.objects.exists()


def _update(card, **changes):
    fields = {
        "exp_month": card.exp_month,
        "exp_year": card.exp_year,
        "name": card.name_on_card,
        "payment_address": ADDRESS,
    }
    return card_update(card=card, **{**fields, **changes})


def test_a_card_nickname_name_or_payment_address_with_a_card_number_is_refused(user):
    card = CardFactory(owner=user)
    for changes, field in [
        ({"nickname": VISA}, "nickname"),
        ({"name": f"Ada {VISA}"}, "name"),
        ({"payment_address": {**ADDRESS, "city": VISA}}, "city"),
    ]:
        with pytest.raises(ValidationError) as info:
            _update(card, **changes)
        assert field in info.value.error_dict
    card.refresh_from_db()
    assert "4242 4242" not in card.nickname + card.name_on_card + str(card.payment_address)
