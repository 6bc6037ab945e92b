"""The order page and the payment page mark a saved card that expires soon, and an expired
one is marked Expired, never preselected and can't be chosen."""

import re
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from tests.factories import (
    AddressFactory,
    CardFactory,
    ProductFactory,
    UserFactory,
    order_placed,
)
from wallet.models import Card

pytestmark = pytest.mark.django_db

YEAR = timezone.now().year + 1


@pytest.fixture
def shopper(client):
    """A shopper on 5 December next year with a card expiring this month (the default)
    and one that expired last month."""
    with time_machine.travel(date(YEAR, 12, 5), tick=False):
        user = UserFactory()
        AddressFactory(user=user)
        soon = CardFactory(owner=user, exp_month=12, exp_year=YEAR, make_default=True)
        # Linked before it expired: a card can't be linked once expired.
        with time_machine.travel(date(YEAR, 10, 1), tick=False):
            gone = CardFactory(owner=user, number="5555555555554444", exp_month=11, exp_year=YEAR)
        client.force_login(user)
        yield user, soon, gone


def _radio(html: str, card: Card) -> str:
    return re.search(rf'<input[^>]*value="card-{card.pk}"[^>]*>', html).group(0)


def test_the_order_page_marks_expiring_and_expired_cards(client, shopper):
    _user, soon, gone = shopper
    product = ProductFactory(price=Decimal("10.00"), stock=5)
    client.post(reverse("shop:cart-add", args=[product.pk]), {"quantity": 1})

    html = client.get(reverse("shop:checkout", args=[product.seller.slug])).content.decode()

    assert "Expires soon" in html and "Expired" in html
    assert "checked" in _radio(html, soon)
    assert "disabled" in _radio(html, gone) and "checked" not in _radio(html, gone)


def test_the_payment_page_marks_them_too_and_refuses_the_expired_one(client, shopper):
    user, _soon, gone = shopper
    order = order_placed(user=user, product=ProductFactory(price=Decimal("10.00"), stock=5))
    url = reverse("shop:order-pay", args=[order.number])

    html = client.get(url).content.decode()
    token = re.search(r'name="token" value="([0-9a-f]{32})"', html).group(1)
    refused = client.post(url, {"token": token, "method": f"card-{gone.pk}"})

    assert "Expires soon" in html and "Expired" in html
    assert "disabled" in _radio(html, gone) and "checked" not in _radio(html, gone)
    assert refused.status_code == 200
    assert refused.context["method_form"].has_error("method", "invalid_choice")
