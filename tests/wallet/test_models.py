"""Model rules: the payment transition table, database constraints, display helpers."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from tests.factories import CardFactory
from wallet.exceptions import IllegalPaymentTransition
from wallet.models import Card, Payment, PaymentStatus, WalletAccount
from wallet.services.ledger import ledger_set_status

pytestmark = pytest.mark.django_db


def make_payment(user, **fields):
    values = {
        "reference": "BZ-000001",
        "method": Payment.Method.BANK_TRANSFER,
        "amount": Decimal("5.00"),
        "currency": "USD",
        "idempotency_key": "k",
        **fields,
    }
    return Payment.objects.create(user=user, **values)


def test_succeeded_is_final_and_failed_or_canceled_lead_only_to_a_late_capture():
    assert Payment.TRANSITIONS[PaymentStatus.SUCCEEDED] == frozenset()
    for given_up in (PaymentStatus.FAILED, PaymentStatus.CANCELED):
        assert Payment.TRANSITIONS[given_up] == frozenset({PaymentStatus.SUCCEEDED})


def test_every_status_is_in_the_transition_table():
    assert set(Payment.TRANSITIONS) == set(PaymentStatus.values)


def test_illegal_move_raises_and_changes_nothing(user):
    payment = make_payment(user)
    ledger_set_status(payment, PaymentStatus.SUCCEEDED)
    with pytest.raises(IllegalPaymentTransition):
        ledger_set_status(payment, PaymentStatus.FAILED, decline_code="x")
    assert payment.status == PaymentStatus.SUCCEEDED and payment.decline_code == ""
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED and payment.decline_code == ""


def test_allowed_move_sets_settled_at_for_final_states(user):
    payment = make_payment(user)
    ledger_set_status(payment, PaymentStatus.REQUIRES_ACTION)
    assert payment.settled_at is None
    ledger_set_status(payment, PaymentStatus.SUCCEEDED)
    payment.refresh_from_db()
    assert payment.status == "succeeded" and payment.settled_at is not None


def test_database_allows_one_default_card_per_user(user):
    first = CardFactory(owner=user)
    second = CardFactory(owner=user, number="5555555555554444")
    assert first.is_default
    with pytest.raises(IntegrityError), transaction.atomic():
        Card.objects.filter(pk=second.pk).update(is_default=True)


def test_database_refuses_a_removed_default_card(user):
    card = CardFactory(owner=user)
    with pytest.raises(IntegrityError), transaction.atomic():
        Card.objects.filter(pk=card.pk).update(removed_at="2026-01-01T00:00:00Z")


def test_database_refuses_the_same_card_twice_in_one_wallet(user):
    card = CardFactory(owner=user)
    with pytest.raises(IntegrityError), transaction.atomic():
        Card.objects.create(
            owner=user,
            gateway_token="tok_other",
            fingerprint=card.fingerprint,
            brand="visa",
            last4="4242",
            exp_month=1,
            exp_year=2040,
            name_on_card="x",
        )


def test_database_refuses_non_positive_payments(user):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_payment(user, amount=Decimal("0"))


def test_idempotency_key_is_unique(user):
    make_payment(user)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_payment(user)


def test_card_display_strings(user):
    card = CardFactory(owner=user, number="378282246310005")
    assert str(card) == card.display == "American Express •••• 0005"
    assert card.payment_address_lines[0] == "Ada Lovelace"


def test_wallet_account_confirmation_flag(user):
    account = WalletAccount.objects.create(user=user)
    assert not account.is_confirmed
    assert user.wallet_account == account
