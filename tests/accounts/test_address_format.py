"""One address format on every page and letter: "City, Region Postcode" under the street,
the country last, whether it is in the address book, ships an order or bills a card."""

from django.core import mail
from django.urls import reverse

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
