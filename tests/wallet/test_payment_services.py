"""Payment services with the simulated gateway: every test card outcome, idempotent
retries, step-up, timeouts and reconciliation, saving a card, bank transfers."""

import logging
import re
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from tests.factories import CardFactory, UserFactory, card_data
from wallet.exceptions import (
    AuthenticationRequired,
    CardLimitReached,
    CardNotUsable,
    GatewayUnavailable,
    IdempotencyConflict,
    IllegalPaymentTransition,
    PaymentCanceled,
    PaymentDeclined,
    ProcessingError,
)
from wallet.gateways.models import SimulatedCharge, SimulatedToken
from wallet.models import Card, Payment, WalletEvent
from wallet.services import (
    card_disable,
    card_remove,
    payment_cancel,
    payment_charge_card,
    payment_charge_new_card,
    payment_charge_recorded,
    payment_confirm_step_up,
    payment_mark_bank_transfer_received,
    payment_reconcile,
    payment_record_card_charge,
    payment_start_bank_transfer,
)
from wallet.services import payments as payments_module
from wallet.services.ledger import payment_settle

pytestmark = pytest.mark.django_db

AMOUNT = Decimal("42.50")


@pytest.fixture(autouse=True)
def _no_faults(gateway_fault):
    return gateway_fault


def pay_new(user, number, key="BZ-000001:1", **kwargs):
    kwargs.setdefault("amount", AMOUNT)
    kwargs.setdefault("currency", "USD")
    kwargs.setdefault("reference", "BZ-000001")
    return payment_charge_new_card(
        user=user, card_data=card_data(number), idempotency_key=key, **kwargs
    )


def pay_saved(user, card, key="BZ-000001:1", **kwargs):
    kwargs.setdefault("amount", AMOUNT)
    kwargs.setdefault("currency", "USD")
    kwargs.setdefault("reference", "BZ-000001")
    return payment_charge_card(user=user, card=card, idempotency_key=key, **kwargs)


# ------------------------------------------------------------------ success


def test_paying_with_a_saved_card_succeeds_and_stamps_its_use(user):
    card = CardFactory(owner=user)
    payment = pay_saved(user, card)
    assert payment.status == Payment.Status.SUCCEEDED
    assert payment.gateway_charge_id.startswith("ch_")
    assert (payment.amount, payment.currency, payment.reference) == (AMOUNT, "USD", "BZ-000001")
    assert payment.method_display == "Visa •••• 4242"
    assert payment.settled_at is not None
    card.refresh_from_db()
    assert card.last_used_at is not None
    charge = SimulatedCharge.objects.get()
    assert (charge.amount_minor, charge.currency, charge.reference) == (4250, "USD", "BZ-000001")
    event = WalletEvent.objects.get(kind="payment")
    assert event.message == "Paid $42.50 for BZ-000001 with Visa •••• 4242."
    assert (event.payment, event.card, event.amount) == (payment, card, AMOUNT)


def test_paying_with_another_card_never_changes_the_default(user):
    default = CardFactory(owner=user)
    other = CardFactory(owner=user, number="5555555555554444")
    pay_saved(user, other)
    default.refresh_from_db()
    other.refresh_from_db()
    assert default.is_default and not other.is_default
    assert other.last_used_at is not None


@pytest.mark.parametrize(
    "number", ["4242424242424242", "5555555555554444", "378282246310005", "2200000000000004"]
)
def test_success_test_cards_pay(user, number):
    payment = pay_new(user, number)
    assert payment.status == Payment.Status.SUCCEEDED
    assert payment.card is None
    assert payment.card_last4 == number[-4:]


def test_zero_decimal_currency_is_sent_in_whole_units(user):
    pay_new(user, "4242424242424242", amount=Decimal("1200"), currency="JPY")
    assert SimulatedCharge.objects.get().amount_minor == 1200


# ----------------------------------------------------------------- declines


@pytest.mark.parametrize(
    ("number", "code", "message_part"),
    [
        ("4000000000000002", "generic_decline", "Your card was declined"),
        ("4000000000009995", "insufficient_funds", "insufficient funds"),
        ("4000000000000069", "expired_card", "has expired"),
        ("4000000000000127", "incorrect_cvc", "security code"),
        ("4000000000009987", "lost_card", "Your card was declined"),
        ("4000000000009979", "stolen_card", "Your card was declined"),
        ("4000000000006975", "card_velocity_exceeded", "too many times"),
    ],
)
def test_decline_cards_save_a_failed_payment_and_raise(user, number, code, message_part):
    with pytest.raises(PaymentDeclined) as info:
        pay_new(user, number)
    payment = info.value.payment
    assert info.value.code == code
    assert message_part in info.value.message
    payment.refresh_from_db()
    assert payment.status == Payment.Status.FAILED
    assert payment.decline_code == code
    assert payment.decline_message == info.value.message
    assert WalletEvent.objects.filter(kind="payment_failed", payment=payment).exists()


def test_lost_and_stolen_cards_are_not_told_to_the_shopper(user):
    with pytest.raises(PaymentDeclined) as info:
        pay_new(user, "4000000000009979")
    assert "stolen" not in info.value.message.lower()


def test_saved_insufficient_funds_card_is_declined(user):
    card = CardFactory(owner=user, number="4000000000009995")
    with pytest.raises(PaymentDeclined) as info:
        pay_saved(user, card)
    assert info.value.code == "insufficient_funds"
    card.refresh_from_db()
    assert card.last_used_at is None


def test_0341_links_fine_and_every_later_payment_is_declined(user):
    card = CardFactory(owner=user, number="4000000000000341")
    for key in ("a", "b"):
        with pytest.raises(PaymentDeclined):
            pay_saved(user, card, key=key)
    assert Payment.objects.filter(status="failed").count() == 2


def test_0119_processing_error_fails_the_payment_with_a_generic_message(user):
    with pytest.raises(ProcessingError) as info:
        pay_new(user, "4000000000000119")
    assert isinstance(info.value, GatewayUnavailable)
    payment = Payment.objects.get()
    assert (payment.status, payment.decline_code) == ("failed", "processing_error")
    assert "no money was taken" in info.value.message


# ------------------------------------------------------------------ step-up


def test_3155_asks_for_authentication_and_approving_pays(user):
    with pytest.raises(AuthenticationRequired) as info:
        pay_new(user, "4000002500003155")
    payment = info.value.payment
    assert payment.status == Payment.Status.REQUIRES_ACTION
    assert payment.gateway_charge_id
    paid = payment_confirm_step_up(payment=payment, approved=True)
    assert paid.status == Payment.Status.SUCCEEDED
    assert payment_confirm_step_up(payment=payment, approved=True).pk == paid.pk


def test_3155_failing_the_challenge_declines(user):
    with pytest.raises(AuthenticationRequired) as info:
        pay_new(user, "4000002500003155")
    with pytest.raises(PaymentDeclined) as declined:
        payment_confirm_step_up(payment=info.value.payment, approved=False)
    assert declined.value.code == "authentication_failed"
    assert declined.value.payment.status == Payment.Status.FAILED


def test_1629_asks_for_authentication_then_declines(user):
    with pytest.raises(AuthenticationRequired) as info:
        pay_new(user, "4000008400001629")
    with pytest.raises(PaymentDeclined):
        payment_confirm_step_up(payment=info.value.payment, approved=True)


def test_saved_step_up_card_asks_every_time(user):
    card = CardFactory(owner=user, number="4000002500003155")
    with pytest.raises(AuthenticationRequired) as info:
        pay_saved(user, card)
    payment_confirm_step_up(payment=info.value.payment, approved=True)
    card.refresh_from_db()
    assert card.last_used_at is not None


def test_step_up_timeout_keeps_the_payment_waiting(user, gateway_fault):
    with pytest.raises(AuthenticationRequired) as info:
        pay_new(user, "4000002500003155")
    gateway_fault("unreachable")
    with pytest.raises(GatewayUnavailable):
        payment_confirm_step_up(payment=info.value.payment, approved=True)
    gateway_fault("")
    assert Payment.objects.get().status == Payment.Status.REQUIRES_ACTION
    assert payment_confirm_step_up(payment=info.value.payment, approved=True).status == "succeeded"


# ---------------------------------------------------------------- idempotency


def test_same_key_returns_the_same_payment_and_charges_once(user):
    card = CardFactory(owner=user)
    first = pay_saved(user, card, key="order-1-attempt-1")
    again = pay_saved(user, card, key="order-1-attempt-1")
    assert again.pk == first.pk
    assert Payment.objects.count() == 1
    assert SimulatedCharge.objects.count() == 1
    assert WalletEvent.objects.filter(kind="payment").count() == 1


@pytest.mark.parametrize("new_card", [False, True], ids=["saved", "new"])
def test_a_charge_its_caller_calls_off_before_sending_never_reaches_the_processor(user, new_card):
    class OrderGone(Exception):
        pass

    checked = []

    def before_send(payment):
        checked.append(payment.status)
        raise OrderGone("the order was cancelled meanwhile")

    with pytest.raises(OrderGone):
        if new_card:
            pay_new(user, "4242 4242 4242 4242", key="k", before_send=before_send)
        else:
            pay_saved(user, CardFactory(owner=user), key="k", before_send=before_send)

    assert checked == ["processing"]  # recorded (committed) before the caller was asked
    called_off = Payment.objects.get()
    assert (called_off.status, called_off.decline_code) == ("failed", "called_off")
    assert called_off.was_given_up  # asked about again, in case a replay sent it
    assert not SimulatedCharge.objects.exists()
    assert not WalletEvent.objects.filter(kind="payment").exists()


def test_a_replay_is_not_called_off_by_before_send(user):
    """``before_send`` speaks for the attempt its call opens: a replay of the key (a double
    submit) goes the first attempt's way without asking, as that one may have reached the
    processor already."""
    card = CardFactory(owner=user)
    first = pay_saved(user, card, key="k")
    again = pay_saved(user, card, key="k", before_send=lambda payment: 1 / 0)
    assert again.pk == first.pk and again.status == "succeeded"
    assert SimulatedCharge.objects.count() == 1


def test_a_replay_of_an_open_payment_that_before_send_refuses_is_not_sent_nor_called_off(
    user, settings
):
    """A replay (the same key) of a payment still open: ``before_send`` refusing stops this
    call's send, and leaves the payment to the call that opened it and to reconciliation
    (that call may have sent it)."""
    card = CardFactory(owner=user)
    settings.SIMULATED_GATEWAY_FAULT = "timeout_before"  # nothing reaches the processor
    with pytest.raises(GatewayUnavailable):
        pay_saved(user, card, key="k")
    settings.SIMULATED_GATEWAY_FAULT = ""

    def refuse(payment):
        raise RuntimeError("the order was cancelled meanwhile")

    with pytest.raises(RuntimeError):
        pay_saved(user, card, key="k", before_send=refuse)

    assert Payment.objects.get().status == "processing"
    assert not SimulatedCharge.objects.exists()


def test_a_replay_of_a_payment_settled_meanwhile_is_not_sent(user, settings):
    """A replay read its payment open; by the time it stamps it (before anything else) the
    payment was settled (given up as never received): it replays that, sending nothing."""
    card = CardFactory(owner=user)
    settings.SIMULATED_GATEWAY_FAULT = "timeout_before"
    with pytest.raises(GatewayUnavailable):
        pay_saved(user, card, key="k")
    settings.SIMULATED_GATEWAY_FAULT = ""

    def settled_meanwhile(payment):
        raise AssertionError("the replay asked the caller about a payment settled meanwhile")

    real_find = payments_module.payment_find

    def found_then_settled_elsewhere(**kwargs):
        payment = real_find(**kwargs)  # read open
        Payment.objects.filter(pk=payment.pk).update(status="failed", decline_code="no_response")
        return payment

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(payments_module, "payment_find", found_then_settled_elsewhere)
        with pytest.raises(ProcessingError):
            pay_saved(user, card, key="k", before_send=settled_meanwhile)

    assert not SimulatedCharge.objects.exists()


def test_same_key_with_another_amount_is_rejected_and_charges_nothing(user):
    card = CardFactory(owner=user)
    pay_saved(user, card, key="k")
    with pytest.raises(IdempotencyConflict):
        pay_saved(user, card, key="k", amount=Decimal("1.00"))
    with pytest.raises(IdempotencyConflict):
        pay_saved(UserFactory(), card, key="k")
    assert SimulatedCharge.objects.count() == 1
    assert Payment.objects.get().amount == AMOUNT


def test_retrying_a_declined_payment_replays_the_decline(user):
    with pytest.raises(PaymentDeclined) as first:
        pay_new(user, "4000000000000002", key="k")
    with pytest.raises(PaymentDeclined) as again:
        pay_new(user, "4000000000000002", key="k")
    assert again.value.payment.pk == first.value.payment.pk
    assert SimulatedCharge.objects.count() == 1


def test_a_new_key_after_a_decline_is_a_new_attempt(user):
    with pytest.raises(PaymentDeclined):
        pay_new(user, "4000000000000002", key="attempt-1")
    payment = pay_new(user, "4242424242424242", key="attempt-2")
    assert payment.status == "succeeded"
    assert Payment.objects.filter(reference="BZ-000001").count() == 2


# ------------------------------------------------------- timeouts and reconcile


def test_timeout_leaves_the_payment_processing_and_a_retry_settles_it(user, gateway_fault):
    card = CardFactory(owner=user)
    gateway_fault("timeout")
    with pytest.raises(GatewayUnavailable) as info:
        pay_saved(user, card, key="k")
    assert info.value.payment.status == Payment.Status.PROCESSING
    assert "We are checking with your bank; you will not be charged twice" in info.value.message
    assert SimulatedCharge.objects.count() == 1  # the processor did charge
    gateway_fault("")
    payment = pay_saved(user, card, key="k")
    assert payment.status == Payment.Status.SUCCEEDED
    assert SimulatedCharge.objects.count() == 1


def test_reconcile_settles_a_payment_the_processor_charged(user, gateway_fault):
    gateway_fault("timeout")
    with pytest.raises(GatewayUnavailable) as info:
        pay_new(user, "4242424242424242")
    gateway_fault("")
    payment = payment_reconcile(payment=info.value.payment)
    assert payment.status == Payment.Status.SUCCEEDED
    assert payment.gateway_charge_id == SimulatedCharge.objects.get().charge_id


def test_an_unreachable_processor_on_the_first_send_fails_the_payment_at_once(user, gateway_fault):
    gateway_fault("unreachable")
    with pytest.raises(ProcessingError) as info:
        pay_new(user, "4242424242424242")
    assert "nothing was charged" in info.value.message
    payment = Payment.objects.get()
    assert (payment.status, payment.decline_code) == ("failed", "processor_unreachable")
    assert not SimulatedCharge.objects.exists()


def test_reconcile_fails_a_payment_the_processor_never_received_only_after_the_window(
    user, gateway_fault, settings
):
    gateway_fault("timeout_before")
    with pytest.raises(GatewayUnavailable) as info:
        pay_new(user, "4242424242424242")
    assert info.value.payment.status == Payment.Status.PROCESSING
    gateway_fault("")
    # Inside the settle window the request might still reach the processor.
    payment = payment_reconcile(payment=Payment.objects.get())
    assert payment.status == Payment.Status.PROCESSING
    later = timezone.now() + timedelta(seconds=settings.PAYMENT_SETTLE_WINDOW_SECONDS + 1)
    with time_machine.travel(later):
        payment = payment_reconcile(payment=Payment.objects.get())
    assert (payment.status, payment.decline_code) == ("failed", "no_response")
    assert not SimulatedCharge.objects.exists()


def test_reconcile_while_the_gateway_is_still_down_changes_nothing(user, gateway_fault):
    gateway_fault("timeout")
    with pytest.raises(GatewayUnavailable):
        pay_new(user, "4242424242424242")
    with pytest.raises(GatewayUnavailable):
        payment_reconcile(payment=Payment.objects.get())
    assert Payment.objects.get().status == Payment.Status.PROCESSING


def test_reconcile_command_settles_what_the_processor_knows_and_leaves_what_is_in_flight(
    user, gateway_fault
):
    gateway_fault("timeout")
    with pytest.raises(GatewayUnavailable):
        pay_new(user, "4242424242424242", key="charged", reference="BZ-000001")
    gateway_fault("timeout_before")
    with pytest.raises(GatewayUnavailable):
        pay_new(user, "4242424242424242", key="in-flight", reference="BZ-000002")
    gateway_fault("")
    out = StringIO()
    call_command("reconcile_payments", stdout=out)
    assert Payment.objects.get(idempotency_key="charged").status == "succeeded"
    assert Payment.objects.get(idempotency_key="in-flight").status == "processing"
    assert "BZ-000001 payment" in out.getvalue()


def test_saving_a_new_card_links_it_after_the_payment(user, address):
    payment = pay_new(user, "5555 5555 5555 4444", save_card=True, payment_address=address)
    card = Card.objects.get(owner=user)
    assert payment.card == card
    assert card.display == "Mastercard •••• 4444"
    assert card.is_default  # the first card in the wallet
    assert card.last_used_at is not None
    assert payment.pending_card is None
    assert WalletEvent.objects.get(kind="payment").card == card


def test_retrying_a_paid_save_card_payment_returns_it(user, address):
    first = pay_new(user, "5555555555554444", save_card=True, payment_address=address)
    again = pay_new(user, "5555555555554444", save_card=True, payment_address=address)
    assert again.pk == first.pk and again.card == first.card
    assert SimulatedCharge.objects.count() == 1
    with pytest.raises(IdempotencyConflict):
        pay_new(user, "4242424242424242", save_card=True, payment_address=address)


def test_saving_a_card_never_makes_it_default_when_one_exists(user, address):
    default = CardFactory(owner=user)
    pay_new(user, "5555555555554444", save_card=True, payment_address=address)
    default.refresh_from_db()
    assert default.is_default
    assert Card.objects.filter(owner=user, is_default=True).count() == 1


def test_card_is_not_saved_when_unticked(user):
    pay_new(user, "4242424242424242")
    assert not Card.objects.exists()
    assert not SimulatedToken.objects.exists()


def test_declined_payment_does_not_save_the_card(user, address):
    with pytest.raises(PaymentDeclined):
        pay_new(user, "4000000000009995", save_card=True, payment_address=address)
    assert not Card.objects.exists()
    assert Payment.objects.get().pending_card is None


def test_card_declined_at_verification_fails_the_payment(user, address):
    with pytest.raises(PaymentDeclined) as info:
        pay_new(user, "4000000000000002", save_card=True, payment_address=address)
    assert info.value.payment.status == "failed"
    assert not SimulatedCharge.objects.exists()


def test_processing_error_while_saving_the_card_fails_the_payment(user, address):
    with pytest.raises(ProcessingError) as info:
        pay_new(user, "4000000000000119", save_card=True, payment_address=address)
    assert info.value.payment.status == "failed"
    assert not SimulatedCharge.objects.exists()


def test_timeout_while_saving_the_card_leaves_the_payment_for_reconciliation(
    user, address, gateway_fault, settings
):
    gateway_fault("timeout")
    with pytest.raises(GatewayUnavailable) as info:
        pay_new(user, "4242424242424242", save_card=True, payment_address=address)
    assert info.value.payment.status == Payment.Status.PROCESSING
    gateway_fault("")
    assert payment_reconcile(payment=info.value.payment).status == Payment.Status.PROCESSING
    later = timezone.now() + timedelta(seconds=settings.PAYMENT_SETTLE_WINDOW_SECONDS + 1)
    with time_machine.travel(later):
        payment = payment_reconcile(payment=info.value.payment)
    assert (payment.status, payment.decline_code) == ("failed", "no_response")
    assert not Card.objects.exists()


def test_step_up_card_is_saved_once_authentication_succeeds(user, address):
    with pytest.raises(AuthenticationRequired) as info:
        pay_new(user, "4000002500003155", save_card=True, payment_address=address)
    assert not Card.objects.exists()
    payment = payment_confirm_step_up(payment=info.value.payment, approved=True)
    assert payment.card.last4 == "3155"


def test_step_up_card_is_not_saved_when_authentication_fails(user, address, on_commit):
    with pytest.raises(AuthenticationRequired) as info:
        pay_new(user, "4000002500003155", save_card=True, payment_address=address)
    token = info.value.payment.pending_card["token"]["token"]
    with on_commit(), pytest.raises(PaymentDeclined):
        payment_confirm_step_up(payment=info.value.payment, approved=False)
    assert not Card.objects.exists()
    assert SimulatedToken.objects.get(token=token).deleted_at is not None


def test_full_wallet_refuses_save_card_before_charging(user, address, settings):
    settings.WALLET_MAX_CARDS = 1
    CardFactory(owner=user)
    with pytest.raises(CardLimitReached):
        pay_new(user, "5555555555554444", save_card=True, payment_address=address)
    assert not Payment.objects.exists()


def test_saving_an_already_saved_card_updates_it(user, address):
    card = CardFactory(owner=user)
    payment = pay_new(user, "4242424242424242", save_card=True, payment_address=address)
    assert payment.card == card
    assert Card.objects.filter(owner=user).count() == 1


# ------------------------------------------------------------ unusable cards


def test_cards_that_are_not_usable_are_refused_before_any_record(user, other_user):
    theirs = CardFactory(owner=other_user)
    removed = CardFactory(owner=user)
    card_remove(card=removed)
    disabled = CardFactory(owner=user, number="5555555555554444")
    card_disable(card=disabled, by=UserFactory(is_staff=True), reason="fraud report")
    for card in (theirs, removed, disabled):
        with pytest.raises(CardNotUsable):
            pay_saved(user, card, key=f"k{card.pk}")
    assert not Payment.objects.exists()


def test_a_charge_recorded_with_its_reference_is_sent_once_committed(user):
    card = CardFactory(owner=user)
    with transaction.atomic():
        payment = payment_record_card_charge(
            user=user,
            card=card,
            amount=AMOUNT,
            currency="USD",
            reference="BZ-000001",
            idempotency_key="BZ-000001:1",
        )
        assert payment.status == Payment.Status.PROCESSING
        assert not SimulatedCharge.objects.exists()
    paid = payment_charge_recorded(payment=payment)
    assert paid.status == Payment.Status.SUCCEEDED
    assert SimulatedCharge.objects.get().idempotency_key == "BZ-000001:1"
    assert payment_charge_recorded(payment=paid) == paid  # settled: replayed, not sent again
    assert SimulatedCharge.objects.count() == 1


def _recorded(user, card, key: str) -> Payment:
    with transaction.atomic():
        return payment_record_card_charge(
            user=user,
            card=card,
            amount=AMOUNT,
            currency="USD",
            reference=key.split(":")[0],
            idempotency_key=key,
        )


def test_settling_a_saved_card_payment_as_held_moves_it_once_and_a_stale_copy_replays(
    user, django_assert_num_queries
):
    card = CardFactory(owner=user)
    payment = _recorded(user, card, "BZ-000002:1")
    called = []

    # The move is one conditional UPDATE (no locked read first), then the card's use and
    # the activity line, and on_success, in one transaction (a savepoint pair here); then
    # the security event (3 inside the test's transaction).
    with django_assert_num_queries(8) as queries:
        paid = payment_settle(
            payment=payment,
            status=Payment.Status.SUCCEEDED,
            gateway_charge_id="ch_1",
            on_success=called.append,
        )
    assert paid.status == Payment.Status.SUCCEEDED and paid.settled_at is not None
    assert payment.status == Payment.Status.PROCESSING  # the caller's copy is left as held
    assert called == [paid]
    assert not [q for q in queries.captured_queries if q["sql"].startswith("SELECT")]

    # The caller's stale copy (still processing) finds the row moved: settled the long
    # way, idempotently: no second activity line, on_success not called again.
    again = payment_settle(
        payment=payment, status=Payment.Status.SUCCEEDED, on_success=called.append
    )
    assert again.status == Payment.Status.SUCCEEDED
    assert called == [paid]
    assert WalletEvent.objects.filter(payment=payment, kind=WalletEvent.Kind.PAYMENT).count() == 1
    stored = Payment.objects.get(pk=payment.pk)
    assert (stored.status, stored.gateway_charge_id) == (Payment.Status.SUCCEEDED, "ch_1")
    assert Card.objects.get(pk=card.pk).last_used_at == stored.settled_at


def test_a_failing_on_success_undoes_the_settle(user):
    payment = _recorded(user, CardFactory(owner=user), "BZ-000003:1")

    def fails(_payment):
        raise RuntimeError("the order could not be recorded")

    with pytest.raises(RuntimeError):
        payment_settle(payment=payment, status=Payment.Status.SUCCEEDED, on_success=fails)
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.PROCESSING
    assert not WalletEvent.objects.filter(payment=payment).exists()


def test_a_recorded_charge_refuses_an_unusable_card_before_writing(user, other_user):
    theirs = CardFactory(owner=other_user)
    with transaction.atomic(), pytest.raises(CardNotUsable):
        payment_record_card_charge(
            user=user,
            card=theirs,
            amount=AMOUNT,
            currency="USD",
            reference="BZ-000001",
            idempotency_key="BZ-000001:1",
        )
    assert not Payment.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_charge_is_recorded_with_its_reference_only_inside_a_transaction(user):
    with pytest.raises(RuntimeError):
        payment_record_card_charge(
            user=user,
            card=CardFactory(owner=user),
            amount=AMOUNT,
            currency="USD",
            reference="BZ-000001",
            idempotency_key="BZ-000001:1",
        )
    assert not Payment.objects.exists()


def test_an_expired_saved_card_is_refused(user):
    card = CardFactory(owner=user)
    Card.objects.filter(pk=card.pk).update(exp_year=2020)
    with pytest.raises(CardNotUsable) as info:
        pay_saved(user, card)
    assert info.value.code == "card_expired"


def test_floats_are_refused(user):
    card = CardFactory(owner=user)
    with pytest.raises(TypeError):
        pay_saved(user, card, amount=42.5)
    with pytest.raises(ValueError):
        pay_saved(user, card, amount=Decimal("1.001"))


@pytest.mark.parametrize("key", ["", "   ", "k" * 201])
def test_an_empty_or_over_long_idempotency_key_is_refused_before_any_record(user, key):
    card = CardFactory(owner=user)
    with pytest.raises(ValueError):
        pay_saved(user, card, key=key)
    with pytest.raises(ValueError):
        payment_charge_new_card(
            user=user,
            card_data=card_data("4242424242424242"),
            amount=AMOUNT,
            currency="USD",
            reference="BZ-000001",
            idempotency_key=key,
        )
    with pytest.raises(ValueError):
        payment_start_bank_transfer(
            user=user, amount=AMOUNT, currency="USD", reference="BZ-000001", idempotency_key=key
        )
    assert not Payment.objects.exists()
    assert not SimulatedCharge.objects.exists()
    assert pay_saved(user, card, key="k" * 200).status == Payment.Status.SUCCEEDED


# -------------------------------------------------------------- bank transfer


def test_bank_transfer_waits_until_staff_mark_it_received(user):
    staff = UserFactory(is_staff=True)
    payment = payment_start_bank_transfer(
        user=user, amount=AMOUNT, currency="USD", reference="BZ-000002", idempotency_key="bt"
    )
    assert payment.status == Payment.Status.PROCESSING and payment.is_pending
    assert payment.method_display == "Bank transfer"
    again = payment_start_bank_transfer(
        user=user, amount=AMOUNT, currency="USD", reference="BZ-000002", idempotency_key="bt"
    )
    assert again.pk == payment.pk
    paid = payment_mark_bank_transfer_received(payment=payment, by=staff)
    assert paid.status == Payment.Status.SUCCEEDED and paid.confirmed_by == staff
    assert payment_mark_bank_transfer_received(payment=payment, by=staff).pk == paid.pk
    assert WalletEvent.objects.get(kind="payment").actor == staff
    awaiting = WalletEvent.objects.get(kind=WalletEvent.Kind.PAYMENT_PENDING)  # one, not two
    assert awaiting.payment == payment and awaiting.amount == AMOUNT and awaiting.actor is None


def test_canceled_bank_transfer_cannot_be_marked_received(user):
    payment = payment_start_bank_transfer(
        user=user, amount=AMOUNT, currency="USD", reference="BZ-000002", idempotency_key="bt"
    )
    assert payment_cancel(payment=payment).status == Payment.Status.CANCELED
    with pytest.raises(IllegalPaymentTransition):
        payment_mark_bank_transfer_received(payment=payment, by=UserFactory(is_staff=True))
    assert Payment.objects.get().status == Payment.Status.CANCELED
    assert list(WalletEvent.objects.order_by("id").values_list("kind", flat=True)) == [
        WalletEvent.Kind.PAYMENT_PENDING,
        WalletEvent.Kind.PAYMENT_CANCELED,
    ]


def test_card_payment_is_not_marked_received_by_staff(user):
    payment = pay_new(user, "4242424242424242")
    with pytest.raises(IllegalPaymentTransition):
        payment_mark_bank_transfer_received(payment=payment, by=UserFactory(is_staff=True))


def test_cancel_stops_a_payment_waiting_for_step_up(user):
    with pytest.raises(AuthenticationRequired) as info:
        pay_new(user, "4000002500003155")
    assert payment_cancel(payment=info.value.payment).status == Payment.Status.CANCELED
    with pytest.raises(PaymentCanceled):
        payment_confirm_step_up(payment=info.value.payment, approved=True)


def test_cancel_leaves_a_succeeded_payment_alone(user):
    payment = pay_new(user, "4242424242424242")
    assert payment_cancel(payment=payment).status == Payment.Status.SUCCEEDED


# ------------------------------------------------------------------- logging


def test_payment_log_lines_start_with_the_reference(user, caplog, gateway_fault):
    caplog.set_level(logging.DEBUG)
    pay_new(user, "4242424242424242", key="a")
    gateway_fault("timeout")
    with pytest.raises(GatewayUnavailable):
        pay_new(user, "4242424242424242", key="b", reference="BZ-000002")
    lines = [r.getMessage() for r in caplog.records if r.name == "wallet.payments"]
    assert lines
    assert all(re.match(r"BZ-00000[12] ", line) for line in lines)
    assert any("left processing" in line for line in lines)


def test_payment_address_is_required_to_save_a_card(user):
    with pytest.raises(ValidationError) as info:
        pay_new(user, "4242424242424242", save_card=True, payment_address={})
    assert {"line1", "city", "postal_code", "country"} <= set(info.value.message_dict)
    assert not Payment.objects.exists()
