"""The ledger side of every payment: open the attempt (step 1) and settle it (step 3).

``_payment_set_status`` is the one place a payment's status changes; ``_payment_settle``
takes the row lock, moves the payment through the transition table and records what
followed (event, card use, saving a pending card). ``_payment_outcome`` maps a settled row to
the service's return value or exception. Internal to ``wallet.services.payments``.
"""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.money import format_money, to_minor
from wallet.exceptions import (
    AuthenticationRequired,
    CardBlocked,
    CardLimitReached,
    GatewayRequestError,
    GatewayUnavailable,
    IdempotencyConflict,
    IllegalPaymentTransition,
    PaymentAlreadySucceeded,
    PaymentCanceled,
    PaymentDeclined,
    PaymentInProgress,
    ProcessingError,
    decline_message,
)
from wallet.gateways.base import ChargeResult, ChargeStatus, TokenResult
from wallet.models import Card, Payment, PaymentMethod, PaymentStatus, WalletEvent
from wallet.selectors import payment_open_for_reference, payments_with_balance
from wallet.services._common import event_record, token_delete_on_commit
from wallet.services.cards.link import card_attach

logger = logging.getLogger("wallet.payments")


# Failure codes that mean the processor took nothing: retrying is safe.
NOTHING_CHARGED_CODES = ("processing_error", "no_response", "processor_unreachable")

_STATUS_FROM_GATEWAY = {
    ChargeStatus.SUCCEEDED: PaymentStatus.SUCCEEDED,
    ChargeStatus.REQUIRES_ACTION: PaymentStatus.REQUIRES_ACTION,
    ChargeStatus.FAILED: PaymentStatus.FAILED,
    ChargeStatus.CANCELED: PaymentStatus.CANCELED,
}


def _payment_set_status(payment: Payment, status: str, **fields) -> None:
    """The one place a payment's status changes. Caller holds the row lock.

    Checks the transition table first: an illegal move raises ``IllegalPaymentTransition``
    and changes nothing.
    """
    payment.check_transition(status)
    for name, value in fields.items():
        setattr(payment, name, value)
    payment.status = status
    update_fields = [*fields, "status", "updated_at"]
    if status in Payment.FINAL_STATUSES:
        payment.settled_at = timezone.now()
        update_fields.append("settled_at")
    payment.save(update_fields=update_fields)


def _payment_open(*, idempotency_key: str, **fields) -> tuple[Payment, bool]:
    """Insert the attempt (committed on return) or find the one with this key.

    Same key with different parameters raises ``IdempotencyConflict``. A card payment for a
    reference that already has an open one (the database allows one) raises
    ``PaymentInProgress`` carrying the open payment: another tab got there first. A new
    card payment for a reference another payment has already paid is called off before
    the processor hears of it (``PaymentAlreadySucceeded``).
    """
    payment = Payment.objects.select_related("card").filter(idempotency_key=idempotency_key)
    existing = payment.first()
    if existing is None:
        try:
            with transaction.atomic():
                created = Payment.objects.create(idempotency_key=idempotency_key, **fields)
        except IntegrityError:
            # A concurrent request inserted first (the unique index made us wait for it to
            # commit): the same key continues with its row; another key lost the race for
            # the reference's one open card payment.
            existing = payment.first()
            if existing is None:
                other = payment_open_for_reference(reference=fields["reference"])
                if other is None:
                    raise
                logger.info(
                    "%s payment %s is open: a second attempt was refused", other.reference, other.pk
                )
                raise PaymentInProgress(payment=other) from None
        else:
            if created.method == PaymentMethod.CARD:
                _payment_refuse_if_paid(created)
            return created, True
    for name, value in fields.items():
        # A new-card payment (card=None) gains a card once it is saved: not a difference.
        if name == "description" or (name == "card" and value is None):
            continue
        current = getattr(existing, f"{name}_id" if name in ("user", "card") else name)
        expected = getattr(value, "pk", value)
        if current != expected:
            logger.error(
                "%s payment %s: idempotency key reused with a different %s",
                existing.reference,
                existing.pk,
                name,
            )
            raise IdempotencyConflict()
    return existing, False


def _payment_refuse_if_paid(payment: Payment) -> None:
    """Checked once the new attempt is committed, so it can't miss a payment that
    succeeded meanwhile: while ``payment`` is open no other card payment of the reference
    can be, so any payment that paid it had settled before this one was inserted."""
    paid = payments_with_balance(reference=payment.reference).exclude(pk=payment.pk).first()
    if paid is None:
        return
    logger.info(
        "%s payment %s: already paid by payment %s; called off before charging",
        payment.reference,
        payment.pk,
        paid.pk,
    )
    _payment_settle(payment.pk, status=PaymentStatus.CANCELED)
    raise PaymentAlreadySucceeded(payment=paid)


def _payment_touch(payment: Payment) -> None:
    """Stamp a payment as sent to the processor now (a retry re-sends it): the settle
    window counts from here."""
    payment.updated_at = timezone.now()
    Payment.objects.filter(pk=payment.pk).update(updated_at=payment.updated_at)


def _pending_card_attach(payment: Payment) -> None:
    """Save the new card a successful payment asked to keep (caller holds the payment lock)."""
    data = payment.pending_card
    try:
        with transaction.atomic():
            card, _created = card_attach(
                user=payment.user,
                token=TokenResult(**data["token"]),
                name_on_card=data["name"],
                payment_address=data["address"],
            )
    except (CardLimitReached, CardBlocked) as exc:
        logger.warning(
            "%s payment %s: paid, but the card was not saved (%s)",
            payment.reference,
            payment.pk,
            exc.code,
        )
        token_delete_on_commit(data["token"]["token"])
    else:
        payment.card = card
        Card.objects.filter(pk=card.pk).update(last_used_at=payment.settled_at)
    payment.pending_card = None
    payment.save(update_fields=["card", "pending_card", "updated_at"])


def _payment_settle(
    payment_id: int,
    *,
    status: str,
    gateway_charge_id: str = "",
    decline_code: str = "",
    actor=None,
    only_from: tuple[str, ...] | None = None,
) -> Payment:
    """Lock the payment and move it to ``status`` with its side effects (event, card use,
    saving a pending card). A payment already there is returned unchanged.

    A move the transition table forbids (the processor says failed about a payment we hold
    as succeeded) is logged for staff and changes nothing. A failed or canceled payment the
    processor reports as succeeded is a late capture: it is recorded as succeeded (the money
    did move) and the caller gives it back or applies it. ``only_from`` narrows the
    statuses the caller accepts and raises ``IllegalPaymentTransition`` for any other.
    """
    with transaction.atomic():
        payment = (
            Payment.objects.select_for_update(of=("self",))
            .select_related("card", "user")
            .get(pk=payment_id)
        )
        if payment.status == status:
            return payment
        if only_from is not None and payment.status not in only_from:
            raise IllegalPaymentTransition(
                f"Payment {payment.pk} is {payment.status}, not {' or '.join(only_from)}."
            )
        if not payment.can_transition_to(status):
            logger.error(
                "%s payment %s: is %s but the gateway now says %s; needs a look by staff",
                payment.reference,
                payment.pk,
                payment.status,
                status,
            )
            return payment
        if payment.is_final:
            logger.error(
                "%s payment %s: late capture: was %s, the processor took the money after all",
                payment.reference,
                payment.pk,
                payment.status,
            )
        fields: dict = {}
        if gateway_charge_id:
            fields["gateway_charge_id"] = gateway_charge_id
        if status == PaymentStatus.FAILED:
            code = decline_code or "generic_decline"
            fields["decline_code"] = code
            fields["decline_message"] = decline_message(code)
        if actor is not None and status == PaymentStatus.SUCCEEDED:
            fields["confirmed_by"] = actor
        _payment_set_status(payment, status, **fields)

        money = format_money(payment.amount, payment.currency)
        if status == PaymentStatus.SUCCEEDED:
            if payment.card_id:
                Card.objects.filter(pk=payment.card_id).update(last_used_at=payment.settled_at)
            if payment.pending_card:
                _pending_card_attach(payment)
            how = (
                f"with {payment.method_display}"
                if payment.method == PaymentMethod.CARD
                else "by bank transfer"
            )
            event_record(
                user=payment.user,
                kind=WalletEvent.Kind.PAYMENT,
                card=payment.card,
                payment=payment,
                amount=payment.amount,
                currency=payment.currency,
                actor=actor,
                message=f"Paid {money} for {payment.reference} {how}.",
            )
        elif status == PaymentStatus.CANCELED and payment.method == PaymentMethod.BANK_TRANSFER:
            # Closes the "Awaiting payment" line, so nobody sends money for it any more.
            event_record(
                user=payment.user,
                kind=WalletEvent.Kind.PAYMENT_CANCELED,
                payment=payment,
                amount=payment.amount,
                currency=payment.currency,
                message=f"Bank transfer of {money} for {payment.reference} is no longer "
                "expected: please do not send it.",
            )
        elif status == PaymentStatus.FAILED:
            event_record(
                user=payment.user,
                kind=WalletEvent.Kind.PAYMENT_FAILED,
                card=payment.card,
                payment=payment,
                amount=payment.amount,
                currency=payment.currency,
                message=f"Payment of {money} for {payment.reference} failed: "
                f"{payment.decline_message}",
            )
        if payment.is_final and payment.pending_card:
            token_delete_on_commit(payment.pending_card["token"]["token"])
            payment.pending_card = None
            payment.save(update_fields=["pending_card", "updated_at"])
    logger.info(
        "%s payment %s: %s %s", payment.reference, payment.pk, payment.status, payment.decline_code
    )
    return payment


def _payment_apply_result(payment: Payment, result: ChargeResult) -> Payment:
    if result.amount_minor != to_minor(payment.amount, payment.currency):
        logger.error(
            "%s payment %s: gateway charge %s is for %s minor units, not %s",
            payment.reference,
            payment.pk,
            result.id,
            result.amount_minor,
            payment.amount,
        )
    return _payment_settle(
        payment.pk,
        status=_STATUS_FROM_GATEWAY[result.status],
        gateway_charge_id=result.id,
        decline_code=result.decline_code,
    )


def _payment_outcome(payment: Payment) -> Payment:
    """Return a succeeded (or waiting bank transfer) payment; raise for everything else."""
    status = payment.status
    if status == PaymentStatus.SUCCEEDED:
        return payment
    if payment.method == PaymentMethod.BANK_TRANSFER and status == PaymentStatus.PROCESSING:
        return payment
    if status == PaymentStatus.REQUIRES_ACTION:
        raise AuthenticationRequired(payment=payment)
    if status == PaymentStatus.CANCELED:
        raise PaymentCanceled(payment=payment)
    if status == PaymentStatus.PROCESSING:
        raise GatewayUnavailable(payment=payment)
    code = payment.decline_code
    if code in NOTHING_CHARGED_CODES:
        raise ProcessingError(payment.decline_message, code=code, payment=payment)
    if code == "invalid_request":
        raise GatewayRequestError(payment=payment)
    raise PaymentDeclined(payment.decline_message, code=code, payment=payment)


def _default_description(reference: str, description: str) -> str:
    return (description or f"Bazaar order {reference}")[:255]
