"""Refunds: give money back on a succeeded payment, never more than is left to refund.

Same pattern as payments: record the refund (``pending``) under the payment's row lock and
commit, call the gateway with the refund's idempotency key and no lock held, then settle
through ``Refund.TRANSITIONS`` (``_refund_set_status`` is the one place a refund's status
changes). Pending refunds count against the refundable amount, so two refunds racing each
other can't give back more than was paid together.

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

from core.money import format_money, to_minor
from wallet import card_numbers as card_rules
from wallet.exceptions import (
    GatewayRequestError,
    GatewayUnavailable,
    IdempotencyConflict,
    RefundError,
    RefundExceedsCaptured,
    RefundNotAllowed,
)
from wallet.gateways import get_gateway
from wallet.models import Payment, PaymentMethod, PaymentStatus, Refund, RefundStatus, WalletEvent
from wallet.selectors import payment_refundable_amount
from wallet.services._common import clean_amount, clean_idempotency_key, event_record

logger = logging.getLogger("wallet.payments")


def _refund_set_status(refund: Refund, status: str, **fields) -> None:
    """The one place a refund's status changes. Caller holds the row lock. Checks the
    transition table first: an illegal move raises ``IllegalPaymentTransition``."""
    refund.check_transition(status)
    for name, value in fields.items():
        setattr(refund, name, value)
    refund.status = status
    refund.save(update_fields=[*fields, "status", "updated_at"])


def _refund_open(
    *,
    payment: Payment,
    amount: Decimal,
    reason: str,
    by,
    idempotency_key: str,
    on_record: Callable[[Refund], None] | None = None,
) -> Refund:
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        existing = Refund.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            if existing.payment_id != payment.pk or existing.amount != amount:
                logger.error(
                    "%s refund %s: idempotency key reused with other parameters",
                    payment.reference,
                    existing.pk,
                )
                raise IdempotencyConflict(refund=existing)
            return existing
        if payment.status != PaymentStatus.SUCCEEDED:
            raise RefundNotAllowed(payment=payment)
        refundable = payment_refundable_amount(payment=payment)
        if amount > refundable:
            raise RefundExceedsCaptured(
                f"At most {format_money(refundable, payment.currency)} can be refunded.",
                payment=payment,
            )
        refund = Refund.objects.create(
            payment=payment,
            amount=amount,
            currency=payment.currency,
            reason=reason,
            created_by=by,
            idempotency_key=idempotency_key,
        )
        if on_record is not None:
            on_record(refund)
        return refund


def _refund_settle(
    refund: Refund, *, succeeded: bool, gateway_refund_id: str = "", failure: str = ""
) -> Refund:
    with transaction.atomic():
        refund = (
            Refund.objects.select_for_update(of=("self",))
            .select_related("payment__user", "payment__card")
            .get(pk=refund.pk)
        )
        if refund.status != RefundStatus.PENDING:
            return refund
        _refund_set_status(
            refund,
            RefundStatus.SUCCEEDED if succeeded else RefundStatus.FAILED,
            gateway_refund_id=gateway_refund_id,
            failure_message=failure[:255],
        )
        payment = refund.payment
        if succeeded:
            money = format_money(refund.amount, refund.currency)
            event_record(
                user=payment.user,
                kind=WalletEvent.Kind.REFUND,
                card=payment.card,
                payment=payment,
                refund=refund,
                amount=refund.amount,
                currency=refund.currency,
                actor=refund.created_by,
                message=f"Refund of {money} for {payment.reference} to {payment.method_display}.",
            )
    logger.info(
        "%s refund %s: %s %s",
        refund.payment.reference,
        refund.pk,
        refund.status,
        refund.failure_message,
    )
    return refund


def _refund_drive(refund: Refund) -> Refund:
    payment = refund.payment
    if payment.method == PaymentMethod.BANK_TRANSFER:
        # Bank transfers are refunded by staff from the bank; the row is the ledger entry.
        return _refund_settle(refund, succeeded=True)
    try:
        result = get_gateway().refund(
            charge_id=payment.gateway_charge_id,
            amount_minor=to_minor(refund.amount, refund.currency),
            idempotency_key=refund.idempotency_key,
            reason=refund.reason,
        )
    except GatewayUnavailable as exc:
        logger.warning(
            "%s refund %s: gateway unavailable; left pending until retried or reconciled",
            payment.reference,
            refund.pk,
        )
        raise GatewayUnavailable(payment=payment, refund=refund) from exc
    except (RefundExceedsCaptured, GatewayRequestError) as exc:
        logger.error("%s refund %s: gateway refused (%s)", payment.reference, refund.pk, exc.code)
        refund = _refund_settle(refund, succeeded=False, failure=exc.message)
        raise type(exc)(exc.message, payment=payment, refund=refund) from exc
    return _refund_settle(refund, succeeded=True, gateway_refund_id=result.id)


def payment_refund(
    *,
    payment: Payment,
    amount: Decimal,
    reason: str,
    by=None,
    idempotency_key: str | None = None,
    on_record: Callable[[Refund], None] | None = None,
) -> Refund:
    """Give ``amount`` back on a succeeded payment; ``by`` is who asked (staff, or None for
    the system, e.g. a shopper cancelling a paid order). Returns the succeeded ``Refund``.

    ``on_record(refund)`` runs once, inside the transaction that records a new refund and
    before the processor hears of it: the caller's own record of the request (an audit
    row) is saved with it or not at all, whatever happens after.

    Never refunds more than the payment's amount minus refunds already made or pending
    (``RefundExceedsCaptured``), checked under the payment's row lock. Idempotent when an
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
    reason = " ".join((reason or "").split())[:255]
    if not reason:
        raise ValueError("A refund needs a reason.")
    if card_rules.contains_card_number(reason):
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
            "%s refund %s: refunding %s",
            refund.payment.reference,
            refund.pk,
            format_money(amount, refund.currency),
        )
        refund = _refund_drive(refund)
    if refund.status == RefundStatus.FAILED:
        raise RefundError(refund.failure_message or None, payment=refund.payment, refund=refund)
    return refund


def refund_reconcile(*, refund: Refund) -> Refund:
    """Settle a refund left ``pending`` (a timeout, an unreachable processor, a process that
    died before sending it) by sending it again with its own idempotency key: the processor
    refunds at most once per key, so this is safe whether or not the first request arrived.
    Returns the refund, ``succeeded`` or ``failed`` (the processor refused it). Raises
    ``GatewayUnavailable`` while the processor can't be reached; the refund stays pending."""
    refund = Refund.objects.select_related("payment").get(pk=refund.pk)
    if refund.status != RefundStatus.PENDING:
        return refund
    logger.info("%s refund %s: sending it again", refund.payment.reference, refund.pk)
    try:
        return _refund_drive(refund)
    except (RefundError, GatewayRequestError) as exc:
        return exc.refund
