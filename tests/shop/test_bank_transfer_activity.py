"""A bank transfer in the shopper's Payment activity: awaiting once chosen on the payment
page, paid once support marks it received, called off if the order is paid another way."""

import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import CardFactory, ProductFactory, WalletAccountFactory, order_placed
from wallet.models import WalletEvent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def shopper_client(user):
    WalletAccountFactory(user=user, confirmed_at=timezone.now())
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def order(user):
    return order_placed(user=user, product=ProductFactory(price=Decimal("18.50"), stock=5))


def _pay(client, order, **fields):
    url = reverse("shop:order-pay", args=[order.number])
    token = re.search(r'name="token" value="([0-9a-f]{32})"', client.get(url).content.decode())
    return client.post(url, {"token": token.group(1), **fields})


def _activity(client, query="") -> list[tuple[str, str]]:
    """(badge, message) for each line of /wallet/activity/, newest first."""
    html = client.get(f"/wallet/activity/{query}").content.decode()
    # A card named in a message is kept on one line by a span of its own.
    lines = re.findall(
        r'class="badge bz-kind[^"]*">([^<]+)</span>\s*'
        r'<span>((?:[^<]|<span class="text-nowrap">[^<]*</span>)+)</span>',
        html,
    )
    return [(badge, re.sub(r"</?span[^>]*>", "", message)) for badge, message in lines]


def test_a_bank_transfer_shows_awaiting_then_paid_once_support_marks_it_received(
    shopper_client, support_client, order
):
    total = f"${order.total:.2f}"
    _pay(shopper_client, order, method="bank_transfer")
    _pay(shopper_client, order, method="bank_transfer")  # shown again, chosen again: one line

    assert _activity(shopper_client) == [
        ("Awaiting payment", f"Bank transfer of {total} for {order.number} awaiting your payment.")
    ]
    assert _activity(shopper_client, "?kind=payment") == _activity(shopper_client)

    support_client.post(
        reverse("admin:shop_order_bank_transfer_received", args=[order.pk]),
        {"reason": "Seen on statement", "step": "confirm"},
    )

    lines = _activity(shopper_client)
    assert lines == [
        ("Payment", f"Paid {total} for {order.number} by bank transfer."),
        ("Awaiting payment", f"Bank transfer of {total} for {order.number} awaiting your payment."),
    ]
    html = shopper_client.get("/wallet/activity/").content.decode()
    assert "By Bazaar support" in html
    assert html.count(f'href="/orders/{order.number}/"') == 2


def test_a_transfer_no_longer_needed_is_called_off_in_the_activity(shopper_client, user, order):
    card = CardFactory(owner=user)
    _pay(shopper_client, order, method="bank_transfer")
    _pay(shopper_client, order, method=f"card-{card.pk}")  # paid by card after all

    kinds = [e.kind for e in WalletEvent.objects.filter(user=user).order_by("-id")]
    assert kinds == [
        WalletEvent.Kind.PAYMENT_CANCELED,
        WalletEvent.Kind.PAYMENT,
        WalletEvent.Kind.PAYMENT_PENDING,
        WalletEvent.Kind.CARD_LINKED,
    ]
    badges = [badge for badge, _message in _activity(shopper_client, "?kind=payment")]
    assert badges == ["Payment called off", "Payment", "Awaiting payment"]
    assert (
        "no longer expected: please do not send it."
        in shopper_client.get("/wallet/activity/").content.decode()
    )
