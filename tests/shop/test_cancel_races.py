"""Cancelling an order that waits for payment while a payment for it is on its way: every
interleaving a review of the cancel found, held to the end a shopper and the bank agree
on (docs/money.md, guarantee 1c). The first two run on SQLite too (the other tab is
played in between two steps of the cancel); the rest race real threads on PostgreSQL.
"""

import re
import threading
import time
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from shop.models import Order, OrderStatus
from shop.services import checkout as checkout_services
from shop.services import order_cancel, order_money, order_pay
from shop.services.order_money import order_mark_bank_transfer_received
from tests.factories import (
    CardFactory,
    ProductFactory,
    UserFactory,
    order_placed,
    payment_recorded,
)
from tests.shop.money_flows import messages_of
from wallet import services as wallet_services
from wallet.gateways.models import SimulatedCharge, SimulatedRefund
from wallet.models import Payment, PaymentMethod, PaymentStatus


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _audit_money_is_clean() -> None:
    out = StringIO()
    call_command("audit_money", stdout=out)
    assert "0 mismatches, 0 in flight" in out.getvalue(), out.getvalue()


def _pay_token(client, order) -> str:
    page = client.get(reverse("shop:order-pay", args=[order.number])).content.decode()
    return re.search(r'name="token" value="([0-9a-f]{32})"', page).group(1)


def _kept_minor(order) -> int:
    captured = SimulatedCharge.objects.filter(reference=order.number, captured=True)
    refunded = SimulatedRefund.objects.filter(charge__reference=order.number)
    return sum(c.amount_minor for c in captured) - sum(r.amount_minor for r in refunded)


@pytest.mark.django_db
def test_a_payment_that_went_through_just_before_the_cancel_is_refunded_and_said_so(
    user_client, user, monkeypatch
):
    """The other tab's payment is charged and settled after the cancel looked at the
    order's payments and before it took the order's lock: the cancel sees it under the
    lock, cancels the order as a paid one and says the money is refunded, never "Nothing
    was charged"."""
    card = CardFactory(owner=user)
    order = order_placed(user=user, product=ProductFactory(price=Decimal("18.50"), stock=5))
    real = order_money._call_off_open_payment
    paid_in_the_other_tab = []

    def call_off_then_the_other_tab_pays(o, **kwargs):
        found = real(o, **kwargs)
        if not paid_in_the_other_tab:
            fresh = checkout_services._payable(o, "other-tab")
            paid_in_the_other_tab.append(
                wallet_services.payment_charge_card(
                    user=user,
                    card=card,
                    amount=fresh.total,
                    currency=fresh.currency,
                    reference=fresh.number,
                    idempotency_key="other-tab",
                    before_send=checkout_services._still_waiting(fresh),
                )
            )
        return found

    monkeypatch.setattr(order_money, "_call_off_open_payment", call_off_then_the_other_tab_pays)
    response = user_client.post(reverse("shop:order-cancel", args=[order.number]), follow=True)

    told = messages_of(response)
    assert told[0].startswith(f"Order {order.number} is cancelled. We have refunded $"), told
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert order.paid_with == paid_in_the_other_tab[0]
    assert _kept_minor(order) == 0
    _audit_money_is_clean()


@pytest.mark.django_db
def test_after_a_cancel_that_had_to_wait_a_bank_transfer_can_be_chosen_again(
    user_client, user, monkeypatch
):
    """A cancel calls the order's bank transfer off, then finds a card payment opened in
    another tab and stops (the shopper is told to try again). The card is declined: the
    order waits, and choosing Bank transfer again starts a new transfer, not a replay of
    the one called off."""
    order = order_placed(user=user, product=ProductFactory(price=Decimal("18.50"), stock=5))
    user_client.post(
        reverse("shop:order-pay", args=[order.number]),
        {"token": _pay_token(user_client, order), "method": "bank_transfer"},
    )
    card = CardFactory(owner=user)
    real = order_money._call_off_open_payment

    def call_off_then_a_card_opens(o, **kwargs):
        found = real(o, **kwargs)
        if not Payment.objects.filter(idempotency_key="other-tab").exists():
            payment_recorded(
                o, key="other-tab", card=card, card_brand=card.brand, card_last4=card.last4
            )
        return found

    monkeypatch.setattr(order_money, "_call_off_open_payment", call_off_then_a_card_opens)
    response = user_client.post(reverse("shop:order-cancel", args=[order.number]), follow=True)
    assert any("still being processed" in m for m in messages_of(response))
    monkeypatch.undo()
    Payment.objects.filter(idempotency_key="other-tab").update(
        status=PaymentStatus.FAILED, decline_code="card_declined"
    )

    response = user_client.post(
        reverse("shop:order-pay", args=[order.number]),
        {"token": _pay_token(user_client, order), "method": "bank_transfer"},
        follow=True,
    )

    assert any("until your bank transfer arrives" in m for m in messages_of(response))
    transfers = Payment.objects.filter(reference=order.number, method=PaymentMethod.BANK_TRANSFER)
    assert sorted(t.status for t in transfers) == [PaymentStatus.CANCELED, PaymentStatus.PROCESSING]
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PENDING_PAYMENT


@pytest.mark.django_db
def test_a_cancel_overtaken_by_payments_in_every_round_says_so_and_cancels_nothing(
    user_client, user, monkeypatch
):
    """Each time the cancel has called the order's transfer off, another tab starts a new
    one, so each look under the order's lock finds a payment started since. After its
    rounds the cancel gives up and says so: not "still being processed" (no card payment
    is involved), and the order still waits, with the last transfer awaited."""
    order = order_placed(user=user, product=ProductFactory(price=Decimal("18.50"), stock=5))
    real = order_money._call_off_open_payment
    rounds = []

    def call_off_then_another_transfer_starts(o, **kwargs):
        found = real(o, **kwargs)
        rounds.append(1)
        order_pay(order=o, method="bank_transfer", idempotency_key="other-tab")
        return found

    monkeypatch.setattr(
        order_money, "_call_off_open_payment", call_off_then_another_transfer_starts
    )
    response = user_client.post(reverse("shop:order-cancel", args=[order.number]), follow=True)

    assert messages_of(response) == [
        f"A payment for order {order.number} was started while you were cancelling it, so the "
        "order is not cancelled. Look at the order, and cancel it again if you still want to."
    ]
    assert len(rounds) == order_money._CANCEL_WAITING_TRIES
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PENDING_PAYMENT
    transfers = Payment.objects.filter(reference=order.number, method=PaymentMethod.BANK_TRANSFER)
    assert sorted(t.status for t in transfers) == [PaymentStatus.CANCELED] * 2 + [
        PaymentStatus.PROCESSING
    ]
    _audit_money_is_clean()


@pytest.mark.django_db
def test_check_now_on_a_failed_payment_of_an_order_cancelled_since_says_nothing_was_paid(
    user_client, user
):
    """A payment left open (its answer lost) turns out failed, and the order is cancelled
    meanwhile (nothing paid): Check now does not say money is being given back."""
    order = order_placed(user=user, product=ProductFactory(price=Decimal("18.50"), stock=5))
    payment_recorded(order, key="lost", status=PaymentStatus.FAILED, decline_code="card_declined")
    order_cancel(order=order, reason="Cancelled.")

    response = user_client.post(reverse("shop:order-pay-check", args=[order.number]), follow=True)

    assert messages_of(response) == [
        f"Order {order.number} has been cancelled, so there is nothing to pay; its items went "
        "back on sale."
    ]


# ------------------------------------------------------------------ PostgreSQL threads


def _thread(fn, box, name):
    def run():
        try:
            box[name] = ("ok", fn())
        except Exception as exc:  # collected for the test to assert on
            box[name] = ("error", exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, name=name)
    thread.start()
    return thread


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("fault", ["", "timeout"], ids=["answered", "answer-lost"])
def test_a_double_submit_racing_a_cancel_never_charges_the_cancelled_order(
    requires_postgres, monkeypatch, settings, time_machine, fault
):
    """Pay pressed twice (one key) and Cancel order in a third tab: both submits find the
    order waiting, the cancel finds nothing open and cancels, then the first submit
    records the payment and the second finds it. Neither may send it: the processor never
    hears of a charge for the cancelled order, whether or not its answers get lost."""
    user = UserFactory()
    card = CardFactory(owner=user)
    order = order_placed(user=user, product=ProductFactory(price=Decimal("18.50"), stock=3))
    events = {k: threading.Event() for k in ("p1", "p2", "cancelled", "inserted", "second_done")}
    real_payable = checkout_services._payable
    real_still_waiting = checkout_services._still_waiting

    def payable(o, key=""):
        fresh = real_payable(o, key)
        me = threading.current_thread().name
        events["p1" if me == "first" else "p2"].set()
        assert events["cancelled"].wait(10)
        if me == "second":
            assert events["inserted"].wait(10)
        return fresh

    def still_waiting(o):
        check = real_still_waiting(o)

        def gated(payment):
            if threading.current_thread().name == "first":
                events["inserted"].set()
                assert events["second_done"].wait(20)
            check(payment)

        return gated

    monkeypatch.setattr(checkout_services, "_payable", payable)
    monkeypatch.setattr(checkout_services, "_still_waiting", still_waiting)
    box = {}

    def pay():
        try:
            return checkout_services.order_pay_with_saved_card(
                order=order, card=card, idempotency_key=f"{order.number}:pay:same-token"
            )
        finally:
            if threading.current_thread().name == "second":
                events["second_done"].set()

    first, second = _thread(pay, box, "first"), _thread(pay, box, "second")
    assert events["p1"].wait(10) and events["p2"].wait(10)
    settings.SIMULATED_GATEWAY_FAULT = fault
    order_cancel(order=order, by=user, reason="Cancelled by the shopper.")  # the third tab
    events["cancelled"].set()
    first.join(30)
    second.join(30)
    settings.SIMULATED_GATEWAY_FAULT = ""

    assert [box[name][0] for name in ("first", "second")] == ["error", "error"], box
    assert Order.objects.get(pk=order.pk).status == OrderStatus.CANCELLED
    assert not SimulatedCharge.objects.filter(reference=order.number).exists()
    time_machine.move_to(
        timezone.now() + timedelta(seconds=settings.PAYMENT_SETTLE_WINDOW_SECONDS + 1)
    )
    call_command("reconcile_payments", stdout=StringIO())
    assert Payment.objects.get(reference=order.number).status in (
        PaymentStatus.CANCELED,
        PaymentStatus.FAILED,
    )
    _audit_money_is_clean()


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_cancel_order_while_support_marks_the_transfer_received_cancels_it_as_paid(
    requires_postgres, monkeypatch, support_user
):
    """Support's Mark bank transfer received holds the transfer's row when the shopper
    presses Cancel order: the cancel waits, finds the transfer received and the order paid,
    and cancels it as a paid one (the money is owed back), never a 500."""
    user = UserFactory()
    order = order_placed(user=user, product=ProductFactory(price=Decimal("18.50"), stock=3))
    order_pay(order=order, method="bank_transfer", idempotency_key="k")
    holding = threading.Event()
    real = order_money._order_pay_with

    def pay_with_slowly(**kwargs):
        holding.set()
        time.sleep(1.0)  # support's transaction open, the transfer's row locked
        return real(**kwargs)

    monkeypatch.setattr(order_money, "_order_pay_with", pay_with_slowly)
    box = {}
    mark = _thread(
        lambda: order_mark_bank_transfer_received(order=order, by=support_user, reason="seen"),
        box,
        "mark",
    )
    assert holding.wait(10)
    client = Client()
    client.force_login(user)
    response = client.post(reverse("shop:order-cancel", args=[order.number]))
    mark.join(20)

    assert response.status_code == 302
    assert box["mark"][0] == "ok", box
    order.refresh_from_db()
    assert order.status in (OrderStatus.REFUND_PENDING, OrderStatus.CANCELLED)
    assert order.paid_with.method == PaymentMethod.BANK_TRANSFER


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_cancel_and_mark_received_on_a_transfer_started_meanwhile_never_deadlock(
    requires_postgres, monkeypatch, support_user
):
    """A transfer is started in another tab after the cancel called the order's payments
    off, and support marks it received at once (the transfer's row, then the order's):
    the cancel, which holds the order's row, must not reach for the transfer's."""
    user = UserFactory()
    order = order_placed(user=user, product=ProductFactory(price=Decimal("18.50"), stock=3))
    started, support_holds = threading.Event(), threading.Event()
    real_call_off = order_money._call_off_open_payment
    real_pay_with = order_money._order_pay_with
    calls = []

    def call_off_then_a_transfer_starts(o, **kwargs):
        found = real_call_off(o, **kwargs)
        if not calls:
            calls.append(1)
            order_pay(order=o, method="bank_transfer", idempotency_key="k")  # another tab
            started.set()
            assert support_holds.wait(10)
        return found

    def pay_with_slowly(**kwargs):
        support_holds.set()
        time.sleep(0.5)  # the cancel takes the order's row meanwhile
        return real_pay_with(**kwargs)

    monkeypatch.setattr(order_money, "_call_off_open_payment", call_off_then_a_transfer_starts)
    monkeypatch.setattr(order_money, "_order_pay_with", pay_with_slowly)
    box = {}

    def mark():
        assert started.wait(10)
        return order_mark_bank_transfer_received(order=order, by=support_user, reason="seen")

    threads = [
        _thread(mark, box, "mark"),
        _thread(
            lambda: order_cancel(order=order, by=user, reason="Cancelled by the shopper."),
            box,
            "cancel",
        ),
    ]
    for thread in threads:
        thread.join(30)

    assert [box[name][0] for name in ("mark", "cancel")] == ["ok", "ok"], box
    order.refresh_from_db()
    # Received first, so paid; then cancelled as a paid order.
    assert order.status in (OrderStatus.REFUND_PENDING, OrderStatus.CANCELLED)
    assert order.paid_with.method == PaymentMethod.BANK_TRANSFER
