"""One address format on every page and letter: "City, Region Postcode" under the street,
the country last, whether it is in the address book, ships an order or bills a card."""

from django.core import mail
from django.urls import reverse
from django.utils import translation
from django_countries import countries

from shop.services import order_pay
from tests.factories import AddressFactory, CardFactory, UserFactory, order_placed

SPRINGFIELD = {
    "full_name": "Abe Lincoln",
    "line1": "8th and Jackson",
    "line2": "",
    "city": "Springfield",
    "region": "IL",
    "postal_code": "62701",
    "country": "US",
    "phone": "",
}


def test_one_address_reads_the_same_everywhere(client, db, django_capture_on_commit_callbacks):
    user = UserFactory()
    address = AddressFactory(user=user, **SPRINGFIELD)
    card = CardFactory(owner=user, address=SPRINGFIELD)
    order = order_placed(user=user, address=address)
    with django_capture_on_commit_callbacks(execute=True):
        order_pay(order=order, method="saved_card", card=card, idempotency_key="k1")
    client.force_login(user)

    shown = {
        "address book": client.get(reverse("accounts:address-list")).content.decode(),
        "order page": client.get(order.get_absolute_url()).content.decode(),
        "card page": client.get(reverse("wallet:card-detail", args=[card.pk])).content.decode(),
        "order letter": mail.outbox[-1].body,
        "order letter (HTML)": mail.outbox[-1].alternatives[0][0],
    }
    for where, text in shown.items():
        assert "Springfield, IL 62701" in text, where
        assert "62701 Springfield" not in text, where
        assert "United States" in text, where


def test_a_country_is_named_in_the_language_of_each_page(client, db):
    user = UserFactory()
    AddressFactory(user=user, **{**SPRINGFIELD, "country": "DE"})
    client.force_login(user)
    url = reverse("accounts:address-list")

    english = client.get(url).content.decode()
    client.cookies["django_language"] = "ru"
    russian = client.get(url).content.decode()
    client.cookies["django_language"] = "en"

    with translation.override("ru"):
        in_russian = str(countries.name("DE"))
    assert in_russian != "Germany"
    assert "Germany" in english and in_russian not in english
    assert in_russian in russian and "Germany" not in russian
    assert "Germany" in client.get(url).content.decode()  # and back: each language its own
