"""Card pages: add (with its payment address), view, edit, make default, remove."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import CardFactory, UserFactory
from wallet.models import Card, WalletEvent
from wallet.services import card_remove

pytestmark = pytest.mark.django_db

YEAR = (timezone.now().year + 3) % 100
VISA = "4242 4242 4242 4242"
MASTERCARD = "5555 5555 5555 4444"


def card_post(number=VISA, **overrides):
    return {
        "number": number,
        "name": "Ada Lovelace",
        "expiry": f"12/{YEAR:02d}",
        "cvc": "735",
        "address_mode": "saved",
        **overrides,
    }


NEW_ADDRESS = {
    "address-full_name": "Ada Lovelace",
    "address-line1": "12 Analytical Row",
    "address-line2": "",
    "address-city": "London",
    "address-region": "",
    "address-postal_code": "n1 9gu",
    "address-country": "GB",
    "address-phone": "",
}


# ------------------------------------------------------------------------- add


def test_add_page_shows_the_last_order_address_read_only(wallet_client, saved_address):
    response = wallet_client.get("/wallet/cards/add/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "1 Navy Yard" in html
    assert "Use another address" in html
    assert 'href="?address=new"' in html
    assert 'name="address_mode" value="saved"' in html
    assert "Save the card" in html
    # An empty wallet: the first card is the default, said rather than asked.
    assert "Your first card becomes your default card." in html
    assert "Make this my default card" not in html
    for token in ("cc-number", "cc-name", "cc-exp", "cc-csc"):
        assert f'autocomplete="{token}"' in html


def test_with_a_card_in_the_wallet_the_add_page_asks_about_the_default(wallet_client, user):
    CardFactory(owner=user)
    html = wallet_client.get("/wallet/cards/add/").content.decode()
    assert "Make this my default card" in html
    assert "Your first card becomes your default card." not in html


def test_add_page_prefers_the_last_order_address_to_a_newer_unused_one(wallet_client, user):
    from tests.factories import AddressFactory

    ordered = AddressFactory(user=user, line1="1 Ordered Lane")
    AddressFactory(user=user, line1="2 Newer Unused Road")
    # Placing an order marks its address used (shop.services.checkout does exactly this).
    from accounts.services import address_mark_used

    address_mark_used(address=ordered)

    html = wallet_client.get("/wallet/cards/add/").content.decode()

    assert "The address of your last order:" in html
    assert "1 Ordered Lane" in html
    assert "2 Newer Unused Road" not in html


def test_add_page_without_an_order_calls_the_saved_address_what_it_is(wallet_client, user):
    from tests.factories import AddressFactory

    AddressFactory(user=user, line1="3 Address Book Street", last_used_at=None)

    html = wallet_client.get("/wallet/cards/add/").content.decode()
    new = wallet_client.get("/wallet/cards/add/?address=new").content.decode()

    assert "3 Address Book Street" in html
    assert "Your saved address:" in html
    assert "last order" not in html
    assert "Use your saved address" in new


def test_use_another_address_link_works_without_javascript(wallet_client, saved_address):
    response = wallet_client.get("/wallet/cards/add/?address=new")

    html = response.content.decode()
    assert 'name="address_mode" value="new"' in html
    assert 'name="address-line1"' in html
    assert 'class="bz-new-address"' in html  # shown, not d-none


def test_saving_with_the_saved_address_shows_the_saved_card(
    wallet_client, user, saved_address, outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = wallet_client.post("/wallet/cards/add/", card_post())

    card = Card.objects.get(owner=user)
    assert response.status_code == 302
    assert response.url == reverse("wallet:card-detail", args=[card.pk])
    assert card.payment_address["line1"] == "1 Navy Yard"
    assert card.is_default  # the first card
    page = wallet_client.get(response.url)
    html = page.content.decode()
    assert "•••• 4242" in html
    assert 'class="bz-card-badge visa"' in html
    assert f"12/{YEAR:02d}" in html
    assert 'href="/wallet/"' in html and 'href="/cart/"' in html
    assert "is saved in your wallet" in html
    assert "4242424242424242" not in html


def test_saving_with_another_address_uses_the_typed_one(wallet_client, user, saved_address):
    data = {**card_post(), "address_mode": "new", **NEW_ADDRESS}

    wallet_client.post("/wallet/cards/add/", data)

    card = Card.objects.get(owner=user)
    assert card.payment_address["line1"] == "12 Analytical Row"
    assert card.payment_address["postal_code"] == "N1 9GU"


def test_without_a_saved_address_the_address_fields_are_required(wallet_client, user):
    get = wallet_client.get("/wallet/cards/add/")
    assert 'name="address-line1"' in get.content.decode()

    response = wallet_client.post("/wallet/cards/add/", card_post())

    assert response.status_code == 400
    assert response.context["address_form"].has_error("line1", "required")
    assert not Card.objects.exists()


def test_make_this_my_default_card_moves_the_default(wallet_client, user, saved_address):
    first = CardFactory(owner=user)

    wallet_client.post("/wallet/cards/add/", card_post(MASTERCARD, make_default="on"))

    first.refresh_from_db()
    assert not first.is_default
    assert Card.objects.get(owner=user, last4="4444").is_default


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("number", "", "required"),
        ("number", "4242 4242 4242 4241", "invalid_number"),
        ("number", "4242-abcd-4242-4242", "number_characters"),
        ("number", "4242 4242", "number_length"),
        ("number", "9999 9999 9999 9995", "unsupported_brand"),
        ("expiry", "", "required"),
        ("expiry", "13/30", "invalid_month"),
        ("expiry", "ab/cd", "invalid_expiry"),
        ("expiry", "01/20", "expired"),
        ("cvc", "", "required"),
        ("cvc", "12", "cvc_length"),
        ("cvc", "12a", "cvc_characters"),
        ("name", "", "required"),
        ("name", "Ada 4242424242424242", "name_has_number"),
    ],
)
def test_each_card_error_is_shown_next_to_its_field_without_echoing_the_number(
    wallet_client, saved_address, field, value, code
):
    response = wallet_client.post("/wallet/cards/add/", card_post(**{field: value}))

    form = response.context["form"]
    assert response.status_code == 400
    assert form.has_error(field, code), form.errors.as_data()
    assert f'id="id_{field}_error"' in response.content.decode()
    html = response.content.decode()
    assert "4242 4242 4242" not in html and "4242424242424242" not in html
    assert 'value="735"' not in html
    assert not Card.objects.exists()


@pytest.mark.parametrize(
    "number",
    ["4000 0000 0000 0002", "4000 0000 0000 0127", "4000 0000 0000 0069", "4000 0000 0000 9979"],
)
def test_a_declined_card_gets_one_message_whatever_the_reason(wallet_client, saved_address, number):
    response = wallet_client.post("/wallet/cards/add/", card_post(number))

    assert response.status_code == 400
    form = response.context["form"]
    assert form.non_field_errors() == [
        "The card was declined. Check the details or use another card."
    ]
    assert not any(form.errors.get(field) for field in ("number", "expiry", "cvc", "name"))
    page = response.content.decode()
    assert "security code" not in page.lower() and "expired" not in page.lower()
    assert not Card.objects.exists()


def test_the_same_card_twice_updates_the_existing_one(wallet_client, user, saved_address):
    wallet_client.post("/wallet/cards/add/", card_post())
    first_token = Card.objects.get().gateway_token

    response = wallet_client.post(
        "/wallet/cards/add/",
        card_post(name="Ada King", expiry="11/" + f"{YEAR + 1:02d}"),
        follow=True,
    )

    card = Card.objects.get(owner=user)
    assert card.name_on_card == "Ada King"
    assert card.exp_month == 11
    assert card.gateway_token != first_token
    assert "already in your wallet" in response.content.decode()


def test_a_full_wallet_refuses_another_card_with_a_clear_message(
    wallet_client, user, saved_address, settings
):
    settings.WALLET_MAX_CARDS = 2
    CardFactory(owner=user, number="4242424242424242")
    CardFactory(owner=user, number="5555555555554444")

    page = wallet_client.get("/wallet/cards/add/")
    response = wallet_client.post("/wallet/cards/add/", card_post("2200 0000 0000 0004"))

    assert "the most it can" in page.content.decode()
    assert response.status_code == 400
    assert "Remove one first" in response.content.decode()
    assert Card.objects.filter(owner=user).count() == 2


def test_a_saved_address_missing_a_postal_code_asks_for_another(wallet_client, user):
    from tests.factories import AddressFactory

    AddressFactory(user=user, postal_code="", last_used_at=timezone.now())

    response = wallet_client.post("/wallet/cards/add/", card_post())

    assert response.status_code == 400
    assert response.context["address_mode"] == "new"
    assert "saved address is incomplete" in response.content.decode()
    assert not Card.objects.exists()


# ------------------------------------------------------------------- your cards


def test_your_cards_lists_each_card_masked_with_brand_expiry_address_and_actions(
    wallet_client, user
):
    CardFactory(owner=user, number="4242424242424242")
    CardFactory(owner=user, number="5555555555554444")

    response = wallet_client.get("/wallet/cards/")

    html = response.content.decode()
    assert "•••• 4242" in html and "•••• 4444" in html
    assert "Visa" in html and "Mastercard" in html
    assert "12 Analytical Row" in html
    assert html.count(">Default</span>") == 1
    assert html.count(">Remove</a>") == 2
    assert html.count(">Edit</a>") == 2
    assert html.count(">Make default</button>") == 1


def test_expired_and_soon_expiring_cards_are_flagged(wallet_client, user):
    import time_machine

    with time_machine.travel(date(2030, 1, 10)):
        CardFactory(owner=user, number="4242424242424242", exp_month=2, exp_year=2030)
        CardFactory(owner=user, number="5555555555554444", exp_month=6, exp_year=2031)
    with time_machine.travel(date(2030, 2, 5)):
        wallet_client.force_login(user)
        soon = wallet_client.get("/wallet/cards/").content.decode()
    with time_machine.travel(date(2030, 3, 5)):
        wallet_client.force_login(user)
        later = wallet_client.get("/wallet/cards/").content.decode()

    assert "Expires soon" in soon and "Expired" not in soon
    assert ">Expired</span>" in later


def test_card_list_query_count_does_not_grow_with_cards(
    wallet_client, user, django_assert_max_num_queries
):
    for number in ("4242424242424242", "5555555555554444", "2200000000000004"):
        CardFactory(owner=user, number=number)

    with django_assert_max_num_queries(6):
        wallet_client.get("/wallet/cards/")


def test_make_default_moves_the_badge(wallet_client, user):
    first = CardFactory(owner=user, number="4242424242424242")
    second = CardFactory(owner=user, number="5555555555554444")

    response = wallet_client.post(f"/wallet/cards/{second.pk}/default/", follow=True)

    first.refresh_from_db()
    second.refresh_from_db()
    assert second.is_default and not first.is_default
    assert "is now your default card" in response.content.decode()
    assert wallet_client.get(f"/wallet/cards/{second.pk}/default/").status_code == 405


def test_remove_asks_for_confirmation_first(wallet_client, user):
    card = CardFactory(owner=user)

    response = wallet_client.get(f"/wallet/cards/{card.pk}/remove/")

    assert response.status_code == 200
    assert "Remove this card?" in response.content.decode()
    card.refresh_from_db()
    assert card.removed_at is None


def test_removing_the_default_card_makes_another_the_default(wallet_client, user):
    first = CardFactory(owner=user, number="4242424242424242")
    second = CardFactory(owner=user, number="5555555555554444")
    assert first.is_default

    response = wallet_client.post(f"/wallet/cards/{first.pk}/remove/", follow=True)

    second.refresh_from_db()
    assert second.is_default
    html = response.content.decode()
    assert "Visa •••• 4242 was removed" in html
    assert "Mastercard •••• 4444 is now your default card" in html
    assert 'aria-label="Visa •••• 4242"' not in html
    assert 'aria-label="Mastercard •••• 4444"' in html


def test_removing_the_default_card_makes_the_most_recently_used_one_the_default(
    wallet_client, user
):
    from decimal import Decimal

    from wallet.services import payment_charge_card

    default = CardFactory(owner=user, number="4242424242424242")
    used = CardFactory(owner=user, number="5555555555554444")
    newest = CardFactory(owner=user, number="2200000000000004")
    payment_charge_card(
        user=user,
        card=used,
        amount=Decimal("9.99"),
        currency="USD",
        reference="BZ-000007",
        idempotency_key="test-BZ-000007-1",
    )

    response = wallet_client.post(f"/wallet/cards/{default.pk}/remove/", follow=True)

    used.refresh_from_db()
    newest.refresh_from_db()
    assert used.is_default and not newest.is_default
    assert "Mastercard •••• 4444 is now your default card" in response.content.decode()


def test_removing_the_last_card_shows_the_empty_state(wallet_client, user):
    card = CardFactory(owner=user)
    confirm = wallet_client.get(f"/wallet/cards/{card.pk}/remove/").content.decode()

    response = wallet_client.post(f"/wallet/cards/{card.pk}/remove/", follow=True)

    html = response.content.decode()
    assert "becomes the default" not in confirm  # no other card to promote
    assert "You have no linked cards" in html
    assert "Add a card" in html
    assert "is now your default card" not in html
    assert not Card.objects.active().filter(owner=user).exists()
    assert not Card.objects.filter(owner=user, is_default=True).exists()


def test_edit_changes_expiry_name_and_address_but_keeps_number_and_token(wallet_client, user):
    card = CardFactory(owner=user)
    token, last4 = card.gateway_token, card.last4
    page = wallet_client.get(f"/wallet/cards/{card.pk}/edit/")
    assert 'name="number"' not in page.content.decode()

    response = wallet_client.post(
        f"/wallet/cards/{card.pk}/edit/",
        {
            "name": "Ada King",
            "expiry": f"10/{YEAR + 2:02d}",
            **NEW_ADDRESS,
            "address-line1": "7 New Street",
        },
    )

    assert response.status_code == 302
    card.refresh_from_db()
    assert (card.gateway_token, card.last4) == (token, last4)
    assert card.name_on_card == "Ada King"
    assert card.exp_month == 10
    assert card.payment_address["line1"] == "7 New Street"
    assert WalletEvent.objects.filter(card=card, kind=WalletEvent.Kind.CARD_UPDATED).exists()


def test_edit_shows_errors_next_to_fields(wallet_client, user):
    card = CardFactory(owner=user)

    response = wallet_client.post(
        f"/wallet/cards/{card.pk}/edit/", {"name": "", "expiry": "01/20", **NEW_ADDRESS}
    )

    assert response.status_code == 400
    assert response.context["form"].has_error("expiry", "expired")
    assert response.context["form"].has_error("name", "required")


def test_edit_refuses_a_card_number_in_an_address_line_and_says_why(wallet_client, user):
    card = CardFactory(owner=user)

    response = wallet_client.post(
        f"/wallet/cards/{card.pk}/edit/",
        {
            "name": "",
            "expiry": f"10/{YEAR:02d}",
            **NEW_ADDRESS,
            "address-line2": "5555 5555 5555 4444",
        },
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert response.context["address_form"].has_error("line2", "card_number")
    assert "looks like a card number" in html
    assert "5555 5555 5555 4444" not in html
    card.refresh_from_db()
    assert card.payment_address["line2"] == ""


# ------------------------------------------------------------------------ IDOR


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/wallet/cards/{pk}/"),
        ("get", "/wallet/cards/{pk}/edit/"),
        ("post", "/wallet/cards/{pk}/edit/"),
        ("get", "/wallet/cards/{pk}/remove/"),
        ("post", "/wallet/cards/{pk}/remove/"),
        ("post", "/wallet/cards/{pk}/default/"),
    ],
)
def test_another_users_card_is_not_found(wallet_client, method, url):
    stranger_card = CardFactory(owner=UserFactory())

    response = getattr(wallet_client, method)(url.format(pk=stranger_card.pk))

    assert response.status_code == 404
    stranger_card.refresh_from_db()
    assert stranger_card.removed_at is None and stranger_card.is_default


@pytest.mark.parametrize("url", ["/wallet/cards/{pk}/", "/wallet/cards/{pk}/edit/"])
def test_own_card_pages_answer_to_the_owner(wallet_client, user, url):
    card = CardFactory(owner=user)

    assert wallet_client.get(url.format(pk=card.pk)).status_code == 200


def test_a_removed_card_is_not_found_any_more(wallet_client, user):
    card = CardFactory(owner=user)
    wallet_client.post(f"/wallet/cards/{card.pk}/remove/")

    assert wallet_client.get(f"/wallet/cards/{card.pk}/edit/").status_code == 404


def test_removing_a_card_twice_goes_back_to_your_cards_saying_it_is_gone(
    wallet_client, user, outbox, django_capture_on_commit_callbacks
):
    card = CardFactory(owner=user)
    with django_capture_on_commit_callbacks(execute=True):
        first = wallet_client.post(f"/wallet/cards/{card.pk}/remove/")
        second = wallet_client.post(f"/wallet/cards/{card.pk}/remove/", follow=True)
    back = wallet_client.get(f"/wallet/cards/{card.pk}/remove/", follow=True)

    assert first.status_code == 302
    assert second.redirect_chain == [("/wallet/cards/", 302)]
    assert [str(m) for m in second.context["messages"]] == [
        "Visa •••• 4242 was removed from your wallet.",
        "That card was already removed.",
    ]
    assert "That card was already removed." in back.content.decode()
    assert back.redirect_chain == [("/wallet/cards/", 302)]
    assert WalletEvent.objects.filter(kind=WalletEvent.Kind.CARD_REMOVED).count() == 1
    assert len(outbox) == 1  # one security notice


def test_another_users_removed_card_is_still_not_found(wallet_client):
    stranger = UserFactory()
    stranger_card = CardFactory(owner=stranger)
    card_remove(card=stranger_card)

    for method in ("get", "post"):
        response = getattr(wallet_client, method)(f"/wallet/cards/{stranger_card.pk}/remove/")
        assert response.status_code == 404


# --------------------------------------------------------------- security notices


def test_linking_and_removing_send_notices_without_the_card_number(
    wallet_client, user, saved_address, outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        wallet_client.post("/wallet/cards/add/", card_post())
    card = Card.objects.get(owner=user)
    with django_capture_on_commit_callbacks(execute=True):
        wallet_client.post(f"/wallet/cards/{card.pk}/remove/")

    assert [m.to for m in outbox] == [[user.email], [user.email]]
    assert "card ending 4242 was linked" in outbox[0].body
    assert "card ending 4242 was removed" in outbox[1].body
    for message in outbox:
        assert "4242424242424242" not in message.body
        assert "4242 4242 4242 4242" not in message.body
        assert "735" not in message.body


def test_a_card_number_typed_into_an_address_line_is_refused_and_not_echoed(
    wallet_client, saved_address
):
    data = {**card_post(), "address_mode": "new", **NEW_ADDRESS}
    data["address-line2"] = "5555 5555 5555 4444"

    response = wallet_client.post("/wallet/cards/add/", data)

    assert response.status_code == 400
    assert response.context["address_form"].has_error("line2", "card_number")
    assert "5555 5555 5555 4444" not in response.content.decode()
    assert not Card.objects.exists()


def test_security_notices_link_to_your_cards_on_the_public_site(
    wallet_client, user, saved_address, outbox, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://shop.bazaar.example"
    with django_capture_on_commit_callbacks(execute=True):
        wallet_client.post("/wallet/cards/add/", card_post())
    card = Card.objects.get(owner=user)
    with django_capture_on_commit_callbacks(execute=True):
        wallet_client.post(f"/wallet/cards/{card.pk}/remove/")

    assert len(outbox) == 2
    for message in outbox:
        assert "Your cards: https://shop.bazaar.example/wallet/cards/\n" in message.body
