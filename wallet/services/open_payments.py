"""Open card payments: ask the processor what became of one, clear the way for a new
attempt, call one off.

A reference (an order number) has at most one open card payment (``processing`` or
waiting for step-up; a partial unique constraint). Nothing is declared "never received"
while it could still be in flight: a card payment the processor has no record of is
settled failed (``no_response``) only once its last request is older than the settle
window (``Payment.may_be_in_flight``). Every processor call here is made with no lock
held; what it says is settled through the ledger (``payment_settle_answer``).
"""

from __future__ import annotations

import logging

from wallet.exceptions import GatewayUnavailable, PaymentAlreadySucceeded, PaymentInProgress
from wallet.gateways import get_gateway
from wallet.models import Payment, PaymentMethod, PaymentStatus
from wallet.selectors import payment_open_for_reference, payments_open_or_with_balance
from wallet.services.ledger import ledger_label, payment_settle, payment_settle_answer

logger = logging.getLogger("wallet.payments")


def payment_reconcile(*, payment: Payment) -> Payment:
    """Ask the processor what became of a pending card payment (by its idempotency key) and
    settle it. Returns the payment; never raises for declines.

    A charge the processor has no record of stays ``processing`` while it may still be in
    flight, and is settled failed (``no_response``, nothing charged) after the settle
    window. A payment we gave up on that way is asked about again: if the processor took
    the money after all, it is recorded as succeeded (a late capture, which the shop gives
    back or applies). Bank transfers and settled payments are returned unchanged. Settling
    takes the payment's row lock (atomic, idempotent). Raises ``GatewayUnavailable`` if the
    processor can't be asked; the payment is then unchanged.
    """
    payment = Payment.objects.get(pk=payment.pk)
    if payment.method != PaymentMethod.CARD or not (payment.is_pending or payment.was_given_up):
        return payment
    result = get_gateway().retrieve_charge(idempotency_key=payment.idempotency_key)
    if payment.was_given_up:
        if result is None or result.status != PaymentStatus.SUCCEEDED:
            return payment
        return payment_settle_answer(payment=payment, result=result)
    if result is None:
        if payment.status != PaymentStatus.PROCESSING:
            return payment
        if payment.may_be_in_flight():
            logger.info(
                "%s: the processor has no record yet; still inside the settle window",
                ledger_label(payment),
            )
            return payment
        logger.warning(
            "%s: the processor never received the charge; marking it failed",
            ledger_label(payment),
        )
        return payment_settle(
            payment=payment, status=PaymentStatus.FAILED, decline_code="no_response"
        )
    logger.info("%s: reconciled with charge %s", ledger_label(payment), result.id)
    return payment_settle_answer(payment=payment, result=result)


def _payment_cancel_step_up(payment: Payment) -> Payment:
    """Call off a charge waiting for the shopper's step-up, at the processor first (no lock
    held). The processor's answer wins: a charge the shopper confirmed meanwhile comes back
    succeeded. Raises ``GatewayUnavailable``."""
    result = get_gateway().cancel_charge(charge_id=payment.gateway_charge_id)
    logger.info("%s: step-up called off at the processor", ledger_label(payment))
    return payment_settle_answer(payment=payment, result=result)


def payment_resolve_open(*, reference: str, cancel_step_up: bool = False) -> Payment | None:
    """The reference's open card payment after asking the processor about it: settled if the
    processor knows its fate (succeeded, failed), or still open (in flight, or the processor
    can't be asked now). With ``cancel_step_up`` a payment waiting for the shopper's bank
    confirmation is called off. ``None`` when no card payment is open. Never raises for
    gateway trouble: the payment then stays open. Settles like ``payment_reconcile``."""
    payment = payment_open_for_reference(reference=reference)
    if payment is None:
        return None
    try:
        payment = payment_reconcile(payment=payment)
        if cancel_step_up and payment.status == PaymentStatus.REQUIRES_ACTION:
            payment = _payment_cancel_step_up(payment)
    except GatewayUnavailable as exc:
        logger.warning(
            "%s: the processor can't be asked now (%s); left open", ledger_label(payment), exc.code
        )
    return payment


def payment_clear_the_way(*, reference: str, idempotency_key: str) -> None:
    """Before a new payment for ``reference`` (a card charge, or a bank transfer to await):
    settle its open card payment through the processor, a step-up waiting called off
    (never a second payment while the first is unresolved). Returns when nothing
    is open any more, or when the open one is this very request (same ``idempotency_key``:
    a double submit continues with it). Raises ``PaymentAlreadySucceeded`` (carrying it)
    when the open one turned out paid, or a payment for the reference had already
    succeeded, and ``PaymentInProgress`` (carrying it) while it is still in flight. Writes
    only through ``payment_resolve_open``."""
    # Both in one read (one snapshot): a payment that settles meanwhile is seen either
    # still open or already paid, never neither.
    current, paid = payments_open_or_with_balance(reference=reference)
    if current is not None and current.idempotency_key == idempotency_key:
        return
    if current is None:
        if paid is not None:
            raise PaymentAlreadySucceeded(payment=paid)
        return
    payment = payment_resolve_open(reference=reference, cancel_step_up=True)
    if payment is None or payment.status in (PaymentStatus.FAILED, PaymentStatus.CANCELED):
        return
    if payment.status == PaymentStatus.SUCCEEDED:
        raise PaymentAlreadySucceeded(payment=payment)
    raise PaymentInProgress(payment=payment)


def payment_cancel(*, payment: Payment) -> Payment:
    """Abandon a pending payment (e.g. its order expired). Returns the payment, which may
    turn out ``succeeded`` if the shopper completed it first: check its status.

    Bank transfers waiting for money are canceled at once (atomic, under the payment's row
    lock); a card payment waiting for step-up is canceled at the processor first (no lock
    held). A card payment still ``processing`` is reconciled first; while its fate is
    unknown (in flight, or the processor can't be asked) raises ``GatewayUnavailable``.
    Final payments are returned unchanged (idempotent).
    """
    payment = Payment.objects.get(pk=payment.pk)
    if payment.is_final:
        return payment
    if payment.method == PaymentMethod.BANK_TRANSFER:
        return payment_settle(
            payment=payment, status=PaymentStatus.CANCELED, only_from=(PaymentStatus.PROCESSING,)
        )
    payment = payment_reconcile(payment=payment)
    if payment.status == PaymentStatus.PROCESSING:
        raise GatewayUnavailable(payment=payment)
    if payment.status == PaymentStatus.REQUIRES_ACTION:
        payment = _payment_cancel_step_up(payment)
    return payment
