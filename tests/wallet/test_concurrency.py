"""Races between real threads with real transactions (PostgreSQL; see conftest).

Each race is forced, not left to the scheduler: the calls are held at one point (behind the
lock they compete for, or inside the gateway call) until all of them are there, so a test
can't pass because its threads happened to run one after another.
"""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from tests.factories import CardFactory, UserFactory, card_data, payment_address
from tests.wallet.conftest import (
    all_waiting_for_row_lock,
    run_concurrently,
    start_concurrently,
    wait_all_inside,
)
from wallet.exceptions import CardLimitReached, RefundExceedsCaptured
from wallet.gateways.models import SimulatedCharge, SimulatedRefund
from wallet.gateways.simulated import SimulatedGateway
from wallet.models import Card, Payment, WalletEvent
from wallet.services import (
    card_link,
    card_set_default,
    payment_charge_card,
    payment_charge_new_card,
    payment_refund,
)

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]


def test_two_concurrent_set_default_calls_leave_exactly_one_default(requires_postgres):
    user = UserFactory()
    cards = [
        CardFactory(owner=user, number=number)
        for number in ("4242424242424242", "5555555555554444", "378282246310005")
    ]
    owner_row = get_user_model().objects.filter(pk=user.pk)
    for _ in range(5):
        # Both calls start while the owner's row (card_set_default's first lock) is held
        # here, and both are queued behind it before it is released.
        with all_waiting_for_row_lock(owner_row, waiters=2):
            join = start_concurrently(
                lambda: card_set_default(card=cards[1]), lambda: card_set_default(card=cards[2])
            )
        outcomes = join()
        assert [error for _result, error in outcomes] == [None, None]
        defaults = Card.objects.filter(owner=user, is_default=True)
        assert defaults.count() == 1
        assert defaults.get() in (cards[1], cards[2])


def test_concurrent_double_charge_with_the_same_key_charges_once(requires_postgres, monkeypatch):
    user = UserFactory()
    card = CardFactory(owner=user)
    # All three requests must be at the gateway at once (so none holds a lock across the
    # call, and the gateway itself sees the same key three times concurrently).
    wait_all_inside(monkeypatch, SimulatedGateway, "charge", parties=3)

    def pay():
        return payment_charge_card(
            user=user,
            card=card,
            amount=Decimal("19.99"),
            currency="USD",
            reference="BZ-000500",
            idempotency_key="BZ-000500:double-click",
        )

    outcomes = run_concurrently(pay, pay, pay)
    assert [error for _result, error in outcomes] == [None, None, None]
    payments = {result.pk for result, _error in outcomes}
    assert len(payments) == 1
    assert Payment.objects.get().status == Payment.Status.SUCCEEDED
    assert SimulatedCharge.objects.count() == 1
    assert WalletEvent.objects.filter(kind="payment").count() == 1


def test_concurrent_double_submit_saving_a_new_card_charges_and_saves_once(
    requires_postgres, monkeypatch
):
    user = UserFactory()
    wait_all_inside(monkeypatch, SimulatedGateway, "charge", parties=2)

    def pay():
        return payment_charge_new_card(
            user=user,
            card_data=card_data("4242424242424242"),
            amount=Decimal("5.00"),
            currency="USD",
            reference="BZ-000501",
            idempotency_key="BZ-000501:save",
            save_card=True,
            payment_address=payment_address(),
        )

    outcomes = run_concurrently(pay, pay)
    assert [error for _result, error in outcomes] == [None, None]
    assert SimulatedCharge.objects.count() == 1
    assert Card.objects.filter(owner=user).count() == 1
    assert Payment.objects.get().card == Card.objects.get()


def test_concurrent_links_never_pass_the_card_limit(requires_postgres, settings):
    settings.WALLET_MAX_CARDS = 2
    user = UserFactory()
    CardFactory(owner=user)

    def link(number):
        return lambda: card_link(
            user=user, card_data=card_data(number), payment_address=payment_address()
        )

    outcomes = run_concurrently(link("5555555555554444"), link("378282246310005"))
    errors = [error for _result, error in outcomes]
    assert sum(error is None for error in errors) == 1
    assert sum(isinstance(error, CardLimitReached) for error in errors) == 1
    assert Card.objects.active().filter(owner=user).count() == 2


def test_concurrent_first_links_make_exactly_one_default(requires_postgres):
    user = UserFactory()

    def link(number):
        return lambda: card_link(
            user=user, card_data=card_data(number), payment_address=payment_address()
        )

    outcomes = run_concurrently(link("4242424242424242"), link("5555555555554444"))
    assert [error for _result, error in outcomes] == [None, None]
    assert Card.objects.filter(owner=user, is_default=True).count() == 1


def test_concurrent_refunds_never_exceed_the_payment(requires_postgres):
    user = UserFactory()
    staff = UserFactory(is_staff=True)
    payment = payment_charge_new_card(
        user=user,
        card_data=card_data("4242424242424242"),
        amount=Decimal("100.00"),
        currency="USD",
        reference="BZ-000502",
        idempotency_key="pay",
    )

    def refund():
        return payment_refund(payment=payment, amount=Decimal("60.00"), reason="r", by=staff)

    outcomes = run_concurrently(refund, refund, refund)
    errors = [error for _result, error in outcomes]
    assert sum(error is None for error in errors) == 1
    assert all(isinstance(e, RefundExceedsCaptured) for e in errors if e is not None)
    assert SimulatedRefund.objects.count() == 1
