"""Refunds: give money back on a succeeded payment, never more than is left to refund.

The ledger's pattern (``wallet.services.ledger``), as for payments: record the refund
(``pending``) under the payment's row lock and commit, call the processor with the
refund's idempotency key and no lock held, then settle through ``Refund.TRANSITIONS``
(``refund_settle``). Pending refunds count against the refundable amount, so two refunds
racing each other can't give back more than was paid together.

A refund is never dropped: one the processor has not answered for stays ``pending`` and is
sent again with the same key (``refund_reconcile``) until the processor accepts or refuses
it. Only a refusal makes it ``failed``.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from decimal import Decimal

from django.db import transaction

from accounts.models import User
from core.card_guard import contains_card_number
from core.money import format_money, to_minor
from core.text import one_line
from wallet.exceptions import (
    GatewayRequestError,
    RefundError,
    RefundExceedsCaptured,
    RefundNotAllowed,
)
from wallet.gateways import get_gateway
from wallet.models import Payment, PaymentMethod, PaymentStatus, Refund, RefundStatus
from wallet.selectors import payment_refundable_amount
from wallet.services.inputs import clean_amount, clean_idempotency_key
from wallet.services.ledger import (
    ledger_error_rows,
    ledger_label,
    ledger_left_open,
    ledger_open,
    ledger_send,
    refund_settle,
)

logger = logging.getLogger("wallet.payments")


def _refund_open(
    *,
    payment: Payment,
    amount: Decimal,
    reason: str,
    by: User | None,
    idempotency_key: str,
    on_record: Callable[[Refund], None] | None,
) -> Refund:
    """Step 1 (``ledger_open``) under the payment's row lock, so refunds of one payment
    are recorded one at a time and the refundable amount holds."""
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)

        def create() -> Refund:
            if locked.status != PaymentStatus.SUCCEEDED:
                raise RefundNotAllowed(payment=locked)
            refundable = payment_refundable_amount(payment=locked)
            if amount > refundable:
                raise RefundExceedsCaptured(
                    f"At most {format_money(refundable, locked.currency, language='en')} "
                    "can be refunded.",
                    payment=locked,
                )
            refund = Refund.objects.create(
                payment=locked,
                amount=amount,
                currency=locked.currency,
                reason=reason,
                created_by=by,
                idempotency_key=idempotency_key,
            )
            if on_record is not None:
                on_record(refund)
            return refund

        refund, _created = ledger_open(
            Refund,
            idempotency_key=idempotency_key,
            expected={"payment": locked, "amount": amount},
            create=create,
        )
    return refund


def _refund_send(refund: Refund) -> Refund:
    """Steps 2 and 3 for a pending refund: send it with its key (no lock held), then
    settle. Bank transfers are refunded by staff from the bank: the row is the ledger
    entry, settled at once."""
    payment = refund.payment
    if payment.method == PaymentMethod.BANK_TRANSFER:
        return refund_settle(refund=refund, succeeded=True)
    answer = ledger_send(
        refund,
        lambda: get_gateway().refund(
            charge_id=payment.gateway_charge_id,
            amount_minor=to_minor(refund.amount, refund.currency),
            idempotency_key=refund.idempotency_key,
            reason=refund.reason,
        ),
        refusals=(RefundExceedsCaptured, GatewayRequestError),
    )
    if answer.lost is not None:
        ledger_left_open(refund, answer.lost)
    if answer.refusal is not None:
        refused = answer.refusal
        refund = refund_settle(refund=refund, succeeded=False, failure=refused.message)
        raise type(refused)(refused.message, **ledger_error_rows(refund)) from refused
    return refund_settle(refund=refund, succeeded=True, gateway_refund_id=answer.result.id)


def payment_refund(
    *,
    payment: Payment,
    amount: Decimal,
    reason: str,
    by: User | None = None,
    idempotency_key: str | None = None,
    on_record: Callable[[Refund], None] | None = None,
) -> Refund:
    """Give ``amount`` back on a succeeded payment; ``by`` is who asked (staff, or None for
    the system, e.g. a shopper cancelling a paid order). Returns the succeeded ``Refund``.

    ``on_record(refund)`` runs once, inside the transaction that records a new refund and
    before the processor hears of it: the caller's own record of the request (an audit
    row) is saved with it or not at all, whatever happens after.

    Never refunds more than the payment's amount minus refunds already made or pending
    (``RefundExceedsCaptured``), checked under the payment's row lock. The processor is
    called with no lock held; settling takes the refund's row lock. Idempotent when an
    ``idempotency_key`` is given: the same key returns the same refund (and retries a
    pending one); the same key with another amount raises ``IdempotencyConflict``.
    A gateway timeout leaves the refund ``pending`` and raises ``GatewayUnavailable``
    (retry with the same key, or ``refund_reconcile``). Bank-transfer payments get a
    ledger row only: staff send the money back from the bank.

    Raises ``RefundNotAllowed`` (payment not succeeded), ``RefundExceedsCaptured``,
    ``RefundError`` (gateway refused; the refund is saved failed), ``ValueError`` for a
    bad amount, an empty reason or an empty or over-long key.
    """
    amount, _currency = clean_amount(amount, payment.currency)
    reason = one_line(reason)[:255]
    if not reason:
        raise ValueError("A refund needs a reason.")
    if contains_card_number(reason):
        raise ValueError("A refund reason can't hold a card number.")
    key = clean_idempotency_key(
        f"refund-{uuid.uuid4().hex}" if idempotency_key is None else idempotency_key
    )
    refund = _refund_open(
        payment=payment,
        amount=amount,
        reason=reason,
        by=by,
        idempotency_key=key,
        on_record=on_record,
    )
    if refund.status == RefundStatus.PENDING:
        logger.info(
            "%s: refunding %s",
            ledger_label(refund),
            format_money(amount, refund.currency, language="en"),
        )
        refund = _refund_send(refund)
    if refund.status == RefundStatus.FAILED:
        raise RefundError(refund.failure_message or None, **ledger_error_rows(refund))
    return refund


def refund_reconcile(*, refund: Refund) -> Refund:
    """Settle a refund left ``pending`` (a timeout, an unreachable processor, a process that
    died before sending it) by sending it again with its own idempotency key: the processor
    refunds at most once per key, so this is safe whether or not the first request arrived.
    Returns the refund, ``succeeded`` or ``failed`` (the processor refused it); a settled
    refund is returned unchanged (idempotent). No lock is held while sending; settling
    takes the refund's row lock. Raises ``GatewayUnavailable`` while the processor can't be
    reached; the refund stays pending."""
    refund = Refund.objects.select_related("payment").get(pk=refund.pk)
    if refund.status != RefundStatus.PENDING:
        return refund
    logger.info("%s: sending it again", ledger_label(refund))
    try:
        return _refund_send(refund)
    except (RefundError, GatewayRequestError) as exc:
        return exc.refund
