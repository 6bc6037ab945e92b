"""Tabs racing each other over one order's money, with real threads, real transactions and
a processor that takes 300 ms to answer (PostgreSQL; see tests/wallet/conftest.py).

Each tab is its own browser session of the same shopper, holding a payment page opened
before anyone paid, and all submit at once. The processor is watched: at most one charge
may be in it at any moment, and exactly one may stay captured.
"""

import re
import threading
import time
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from core.money import to_minor
from shop.models import Order, OrderStatus
from tests.factories import CardFactory, ProductFactory, UserFactory, order_placed
from tests.shop.money_flows import shown_messages
from tests.wallet.conftest import run_concurrently
from wallet.gateways.models import SimulatedCharge, SimulatedRefund
from wallet.gateways.simulated import SimulatedGateway

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _slow_processor(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SIMULATED_GATEWAY_LATENCY_MS = 300


def watch(monkeypatch, name: str) -> dict:
    """Count calls to the processor's ``name`` and the most that were inside it at once."""
    seen = {"calls": 0, "inside": 0, "peak": 0}
    lock = threading.Lock()
    real = getattr(SimulatedGateway, name)

    def watched(self, *args, **kwargs):
        with lock:
            seen["calls"] += 1
            seen["inside"] += 1
            seen["peak"] = max(seen["peak"], seen["inside"])
        try:
            return real(self, *args, **kwargs)
        finally:
            with lock:
                seen["inside"] -= 1

    monkeypatch.setattr(SimulatedGateway, name, watched)
    return seen


def tab(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def pay_form(client, order, **fields) -> dict:
    page = client.get(reverse("shop:order-pay", args=[order.number])).content.decode()
    token = re.search(r'name="token" value="([0-9a-f]{32})"', page).group(1)
    return {"token": token, **fields}


def audit_is_clean() -> None:
    call_command("audit_money", stdout=StringIO())


@pytest.mark.parametrize("tabs", [2, 4, 10])
def test_tabs_paying_one_order_charge_it_once(requires_postgres, monkeypatch, tabs):
    user = UserFactory()
    card = CardFactory(owner=user)
    order = order_placed(user=user, product=ProductFactory(price=Decimal("21.50"), stock=3))
    clients = [tab(user) for _ in range(tabs)]
    forms = [pay_form(client, order, method=f"card-{card.pk}") for client in clients]
    charges = watch(monkeypatch, "charge")
    url = reverse("shop:order-pay", args=[order.number])

    outcomes = run_concurrently(
        *[
            lambda c=client, f=form: c.post(url, f)
            for client, form in zip(clients, forms, strict=True)
        ]
    )

    assert [error for _response, error in outcomes] == [None] * tabs
    assert all(response.status_code == 302 for response, _error in outcomes)
    assert charges["peak"] == 1  # never two charges in the processor at once
    assert charges["calls"] == 1  # every other tab asked about it instead of paying again
    assert SimulatedCharge.objects.filter(captured=True).count() == 1
    assert not SimulatedRefund.objects.exists()
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID
    # Every tab now lands on the paid order.
    for client in clients:
        page = client.get(url)
        assert page.status_code == 302 and page.url == order.get_absolute_url()
    audit_is_clean()


def test_tabs_paying_with_new_cards_at_once_charge_once(requires_postgres, monkeypatch):
    user = UserFactory()
    order = order_placed(user=user, product=ProductFactory(price=Decimal("34.50"), stock=3))
    clients = [tab(user) for _ in range(4)]
    new_card = {
        "method": "new",
        "number": "5555 5555 5555 4444",
        "name": "Ada Lovelace",
        "expiry": "12/39",
        "cvc": "123",
        "save_card": "on",
    }
    forms = [pay_form(client, order, **new_card) for client in clients]
    charges = watch(monkeypatch, "charge")
    url = reverse("shop:order-pay", args=[order.number])

    outcomes = run_concurrently(
        *[
            lambda c=client, f=form: c.post(url, f)
            for client, form in zip(clients, forms, strict=True)
        ]
    )

    assert [error for _response, error in outcomes] == [None] * 4
    assert charges["peak"] == 1 and charges["calls"] == 1
    assert SimulatedCharge.objects.filter(captured=True).count() == 1
    assert user.cards.count() == 1
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID
    audit_is_clean()


def test_two_cancels_at_once_refund_once(requires_postgres, monkeypatch):
    user = UserFactory()
    card = CardFactory(owner=user)
    order = order_placed(user=user, product=ProductFactory(price=Decimal("30.50"), stock=3))
    first = tab(user)
    first.post(
        reverse("shop:order-pay", args=[order.number]),
        pay_form(first, order, method=f"card-{card.pk}"),
    )
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID
    clients = [tab(user), tab(user)]
    refunds = watch(monkeypatch, "refund")
    url = reverse("shop:order-cancel", args=[order.number])

    outcomes = run_concurrently(*[lambda c=client: c.post(url) for client in clients])

    assert [error for _response, error in outcomes] == [None, None]
    assert SimulatedRefund.objects.count() == 1
    assert refunds["calls"] >= 1
    assert Order.objects.get(pk=order.pk).status == OrderStatus.CANCELLED
    audit_is_clean()


def test_cancel_twice_across_an_outage_refunds_once(requires_postgres, settings):
    user = UserFactory()
    card = CardFactory(owner=user)
    order = order_placed(user=user, product=ProductFactory(price=Decimal("30.50"), stock=3))
    shopper = tab(user)
    shopper.post(
        reverse("shop:order-pay", args=[order.number]),
        pay_form(shopper, order, method=f"card-{card.pk}"),
    )
    url = reverse("shop:order-cancel", args=[order.number])

    settings.SIMULATED_GATEWAY_FAULT = "unreachable"
    shopper.post(url)
    assert Order.objects.get(pk=order.pk).status == OrderStatus.REFUND_PENDING
    settings.SIMULATED_GATEWAY_FAULT = ""
    outcomes = run_concurrently(
        lambda: tab(user).post(url), lambda: call_command("reconcile_payments", stdout=StringIO())
    )

    assert [error for _result, error in outcomes] == [None, None]
    assert SimulatedRefund.objects.count() == 1
    assert Order.objects.get(pk=order.pk).status == OrderStatus.CANCELLED
    audit_is_clean()


@pytest.mark.parametrize("cancel_after", [0.0, 0.15])
def test_cancelling_an_order_while_another_tab_pays_for_it_leaves_the_bank_and_the_order_agreeing(
    requires_postgres, cancel_after
):
    """One tab pays (the processor takes 300 ms), another presses Cancel order at once or
    while the charge is out. Whichever wins, the order ends paid with its money kept and
    the cancel told to wait, or cancelled and the charge never sent, or (paid first, then
    cancelled) refunded in full; never cancelled and charged."""
    user = UserFactory()
    card = CardFactory(owner=user)
    order = order_placed(user=user, product=ProductFactory(price=Decimal("27.50"), stock=3))
    payer, canceller = tab(user), tab(user)
    form = pay_form(payer, order, method=f"card-{card.pk}")
    canceller.get(reverse("shop:order-cancel", args=[order.number]))

    def cancel():
        time.sleep(cancel_after)
        return canceller.post(reverse("shop:order-cancel", args=[order.number]), follow=True)

    outcomes = run_concurrently(
        lambda: payer.post(reverse("shop:order-pay", args=[order.number]), form, follow=True),
        cancel,
    )

    assert [error for _response, error in outcomes] == [None, None]
    assert [response.status_code for response, _error in outcomes] == [200, 200]
    order.refresh_from_db()
    captured = SimulatedCharge.objects.filter(reference=order.number, captured=True)
    assert captured.count() <= 1
    refunded = SimulatedRefund.objects.filter(charge__reference=order.number)
    kept = sum(c.amount_minor for c in captured) - sum(r.amount_minor for r in refunded)
    # Read from each page's HTML: a page rendered in another thread can't be told apart in
    # ``response.context``.
    pay_told, cancel_told = (shown_messages(response) for response, _error in outcomes)
    if order.status == OrderStatus.PAID:
        assert kept == to_minor(order.total, order.currency)
        assert pay_told == [f"Thank you! Order {order.number} is paid."]
        assert "still being processed" in cancel_told[0]
    else:
        assert order.status == OrderStatus.CANCELLED
        assert kept == 0
        if cancel_told[0] == f"Order {order.number} is cancelled. Nothing was charged.":
            # Cancelled first: the charge was called off before the processor heard of it.
            assert not SimulatedCharge.objects.filter(reference=order.number).exists()
            # Told by the payment page (cancelled before it looked) or by the check before
            # sending (cancelled after), in the same words.
            assert pay_told == [
                f"Order {order.number} has been cancelled, so there is nothing to pay; its "
                "items went back on sale."
            ], pay_told
        else:  # paid first (the paying tab thanked), then cancelled with a refund
            assert cancel_told[0].startswith(f"Order {order.number} is cancelled. We have refunded")
    audit_is_clean()
