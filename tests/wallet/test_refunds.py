"""Refunds: limits, idempotency, timeouts, bank transfers, events."""

from decimal import Decimal

import pytest

from tests.factories import UserFactory, card_data
from wallet.exceptions import (
    GatewayUnavailable,
    IdempotencyConflict,
    PaymentDeclined,
    RefundExceedsCaptured,
    RefundNotAllowed,
)
from wallet.gateways.models import SimulatedCharge, SimulatedRefund
from wallet.models import Refund, WalletEvent
from wallet.selectors import payment_refundable_amount, payment_refunded_amount
from wallet.services import (
    payment_charge_new_card,
    payment_mark_bank_transfer_received,
    payment_refund,
    payment_start_bank_transfer,
    refund_reconcile,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return UserFactory(is_staff=True)


@pytest.fixture
def payment(user, gateway_fault):
    return payment_charge_new_card(
        user=user,
        card_data=card_data("4242424242424242"),
        amount=Decimal("100.00"),
        currency="USD",
        reference="BZ-000010",
        idempotency_key="pay-10",
    )


def test_partial_refunds_add_up_to_the_payment_and_no_further(payment, staff):
    payment_refund(payment=payment, amount=Decimal("60.00"), reason="Damaged", by=staff)
    assert payment_refundable_amount(payment=payment) == Decimal("40.00")
    with pytest.raises(RefundExceedsCaptured) as info:
        payment_refund(payment=payment, amount=Decimal("40.01"), reason="More", by=staff)
    assert info.value.message == "At most $40.00 can be refunded."
    payment_refund(payment=payment, amount=Decimal("40.00"), reason="Rest", by=staff)
    assert payment_refundable_amount(payment=payment) == Decimal("0")
    assert payment_refunded_amount(payment=payment) == Decimal("100.00")
    assert SimulatedCharge.objects.get().amount_refunded_minor == 10000
    assert Refund.objects.filter(status="succeeded").count() == 2


def test_refund_records_who_why_and_an_activity_line(payment, staff, user):
    refund = payment_refund(payment=payment, amount=Decimal("25"), reason="Late", by=staff)
    assert (refund.created_by, refund.reason, refund.currency) == (staff, "Late", "USD")
    assert refund.gateway_refund_id.startswith("re_")
    event = WalletEvent.objects.get(kind="refund")
    assert event.user == user and event.refund == refund and event.actor == staff
    assert event.message == "Refund of $25.00 for BZ-000010 to Visa •••• 4242."


def test_refund_with_the_same_key_refunds_once(payment, staff):
    first = payment_refund(
        payment=payment, amount=Decimal("30"), reason="x", by=staff, idempotency_key="r1"
    )
    again = payment_refund(
        payment=payment, amount=Decimal("30"), reason="x", by=staff, idempotency_key="r1"
    )
    assert again.pk == first.pk
    assert SimulatedRefund.objects.count() == 1
    with pytest.raises(IdempotencyConflict):
        payment_refund(
            payment=payment, amount=Decimal("31"), reason="x", by=staff, idempotency_key="r1"
        )


def test_a_failed_payment_cannot_be_refunded(user, staff, gateway_fault):
    with pytest.raises(PaymentDeclined) as info:
        payment_charge_new_card(
            user=user,
            card_data=card_data("4000000000000002"),
            amount=Decimal("10"),
            currency="USD",
            reference="BZ-000011",
            idempotency_key="declined",
        )
    with pytest.raises(RefundNotAllowed):
        payment_refund(payment=info.value.payment, amount=Decimal("1"), reason="x", by=staff)
    assert not Refund.objects.exists()


def test_refund_timeout_stays_pending_counts_against_the_limit_and_reconciles(
    payment, staff, gateway_fault
):
    gateway_fault("timeout")
    with pytest.raises(GatewayUnavailable) as info:
        payment_refund(
            payment=payment, amount=Decimal("70"), reason="x", by=staff, idempotency_key="r"
        )
    refund = info.value.refund
    assert refund.status == Refund.Status.PENDING
    assert payment_refundable_amount(payment=payment) == Decimal("30.00")
    gateway_fault("")
    with pytest.raises(RefundExceedsCaptured):
        payment_refund(payment=payment, amount=Decimal("31"), reason="y", by=staff)
    assert refund_reconcile(refund=refund).status == Refund.Status.SUCCEEDED
    assert SimulatedRefund.objects.count() == 1


def test_a_refund_the_gateway_never_got_stays_pending_and_is_sent_again_once(
    payment, staff, gateway_fault
):
    gateway_fault("unreachable")
    with pytest.raises(GatewayUnavailable) as info:
        payment_refund(payment=payment, amount=Decimal("70"), reason="x", by=staff)
    assert info.value.refund.status == Refund.Status.PENDING
    # Still unreachable: it stays pending, never dropped.
    with pytest.raises(GatewayUnavailable):
        refund_reconcile(refund=info.value.refund)
    assert payment_refundable_amount(payment=payment) == Decimal("30.00")
    gateway_fault("")
    assert refund_reconcile(refund=info.value.refund).status == Refund.Status.SUCCEEDED
    assert refund_reconcile(refund=info.value.refund).status == Refund.Status.SUCCEEDED
    assert SimulatedRefund.objects.get().amount_minor == 7000


def test_a_refund_whose_answer_was_lost_is_not_made_twice_when_sent_again(
    payment, staff, gateway_fault
):
    gateway_fault("timeout")
    with pytest.raises(GatewayUnavailable) as info:
        payment_refund(payment=payment, amount=Decimal("70"), reason="x", by=staff)
    gateway_fault("")
    assert refund_reconcile(refund=info.value.refund).status == Refund.Status.SUCCEEDED
    assert SimulatedRefund.objects.count() == 1


def test_a_refund_the_processor_refuses_is_failed_and_frees_the_amount(payment, staff):
    SimulatedCharge.objects.update(amount_refunded_minor=10000)  # refunded elsewhere
    with pytest.raises(RefundExceedsCaptured) as info:
        payment_refund(payment=payment, amount=Decimal("70"), reason="x", by=staff)
    assert info.value.refund.status == Refund.Status.FAILED
    assert payment_refundable_amount(payment=payment) == Decimal("100.00")


def test_bank_transfer_refund_is_a_ledger_row(user, staff):
    payment = payment_start_bank_transfer(
        user=user, amount=Decimal("20"), currency="EUR", reference="BZ-12", idempotency_key="b"
    )
    with pytest.raises(RefundNotAllowed):
        payment_refund(payment=payment, amount=Decimal("5"), reason="x", by=staff)
    payment_mark_bank_transfer_received(payment=payment, by=staff)
    refund = payment_refund(payment=payment, amount=Decimal("20"), reason="Returned", by=staff)
    assert refund.status == Refund.Status.SUCCEEDED and refund.currency == "EUR"
    assert not SimulatedRefund.objects.exists()


def test_refund_needs_a_positive_amount_and_a_reason(payment, staff):
    with pytest.raises(ValueError):
        payment_refund(payment=payment, amount=Decimal("0"), reason="x", by=staff)
    with pytest.raises(ValueError):
        payment_refund(payment=payment, amount=Decimal("1"), reason="  ", by=staff)
    with pytest.raises(ValueError):
        payment_refund(payment=payment, amount=Decimal("1"), reason="x", idempotency_key="")
    assert not Refund.objects.exists()
