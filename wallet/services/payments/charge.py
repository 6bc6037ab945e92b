"""Charging a card: a saved card, or a card typed in for this payment (optionally saved).

Steps 1 and 2 of the pattern in the package docstring: record the attempt, then call the
gateway with no lock held and hand the answer to ``_payment_settle``. A new attempt first
settles the reference's open card payment through the processor (``payment_clear_the_way``):
there is never a second charge in flight for one reference.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from decimal import Decimal

from django.views.decorators.debug import sensitive_variables

from core.money import format_money, to_minor
from wallet.card_numbers import CardData
from wallet.exceptions import (
    CardNotUsable,
    GatewayRequestError,
    GatewayUnavailable,
    IdempotencyConflict,
    PaymentDeclined,
    ProcessingError,
)
from wallet.gateways import get_gateway
from wallet.models import Card, Payment, PaymentMethod, PaymentStatus
from wallet.services._common import (
    clean_amount,
    clean_card_data,
    clean_idempotency_key,
    clean_payment_address,
    clean_reference,
    token_delete_on_commit,
)
from wallet.services.cards.link import _link_precheck
from wallet.services.payments._ledger import (
    _default_description,
    _payment_apply_result,
    _payment_open,
    _payment_outcome,
    _payment_settle,
    _payment_touch,
)
from wallet.services.payments.reconcile import payment_clear_the_way

logger = logging.getLogger("wallet.payments")


def _payment_transport_failure(
    payment: Payment, exc: GatewayUnavailable, *, first_send: bool
) -> Payment:
    """A call for ``payment`` failed in transport. Settled failed only when the processor
    was unreachable on the payment's first send (nothing was delivered, so nothing can have
    been charged): raises ``ProcessingError``, or returns the payment if a concurrent retry
    with the same key got it paid meanwhile. Otherwise it stays ``processing`` for a retry
    or reconciliation: raises ``GatewayUnavailable``."""
    if first_send and exc.code == "unreachable":
        logger.warning(
            "%s payment %s: the processor is unreachable; nothing was sent, marked failed",
            payment.reference,
            payment.pk,
        )
        settled = _payment_settle(
            payment.pk, status=PaymentStatus.FAILED, decline_code="processor_unreachable"
        )
        return _payment_outcome(settled)
    logger.warning(
        "%s payment %s: gateway unavailable (%s); left processing until retried or reconciled",
        payment.reference,
        payment.pk,
        exc.code,
    )
    raise GatewayUnavailable(payment=payment) from exc


def _payment_charge(payment: Payment, *, source: str | CardData, first_send: bool) -> Payment:
    """Step 2 and 3 of the pattern: call the gateway (no lock held), then settle."""
    logger.info(
        "%s payment %s: charging %s with %s",
        payment.reference,
        payment.pk,
        format_money(payment.amount, payment.currency),
        payment.method_display,
    )
    try:
        result = get_gateway().charge(
            source=source,
            amount_minor=to_minor(payment.amount, payment.currency),
            currency=payment.currency,
            idempotency_key=payment.idempotency_key,
            description=payment.description,
            reference=payment.reference,
        )
    except ProcessingError:
        payment = _payment_settle(
            payment.pk, status=PaymentStatus.FAILED, decline_code="processing_error"
        )
        return _payment_outcome(payment)
    except GatewayUnavailable as exc:
        return _payment_transport_failure(payment, exc, first_send=first_send)
    except IdempotencyConflict as exc:
        logger.error(
            "%s payment %s: the gateway holds another request under this key; reconcile",
            payment.reference,
            payment.pk,
        )
        raise IdempotencyConflict(payment=payment) from exc
    except GatewayRequestError as exc:
        logger.error(
            "%s payment %s: the gateway refused the request (%s)",
            payment.reference,
            payment.pk,
            exc.code,
        )
        payment = _payment_settle(
            payment.pk, status=PaymentStatus.FAILED, decline_code="invalid_request"
        )
        return _payment_outcome(payment)
    payment = _payment_apply_result(payment, result)
    return _payment_outcome(payment)


def payment_charge_card(
    *,
    user,
    card: Card,
    amount: Decimal,
    currency: str,
    reference: str,
    idempotency_key: str,
    description: str = "",
) -> Payment:
    """Charge a saved card. Returns the succeeded ``Payment``; otherwise raises a
    ``PaymentError`` carrying the saved row (see the module docstring).

    Idempotent by ``idempotency_key``: a retry or concurrent double submit returns the
    same payment and charges once; the same key with other parameters raises
    ``IdempotencyConflict``. Success stamps ``card.last_used_at``; it never changes which
    card is the default. No lock is held during the gateway call.

    Raises first, before recording anything: ``CardNotUsable`` (not the user's card,
    removed, disabled or expired), ``ValueError``/``TypeError`` for a bad amount, and
    ``PaymentInProgress``/``PaymentAlreadySucceeded`` when another card payment for the
    reference is still open or turned out paid (see ``payment_clear_the_way``).
    """
    amount, currency = clean_amount(amount, currency)
    reference = clean_reference(reference)
    idempotency_key = clean_idempotency_key(idempotency_key)
    if not Payment.objects.filter(idempotency_key=idempotency_key).exists():
        fresh = Card.objects.filter(pk=card.pk).first()
        if fresh is None or fresh.owner_id != user.pk or not fresh.is_active:
            raise CardNotUsable()
        if fresh.is_expired:
            raise CardNotUsable(
                "This card has expired. Update its expiry date or choose another card.",
                code="card_expired",
            )
        card = fresh
        payment_clear_the_way(reference=reference, idempotency_key=idempotency_key)
    payment, created = _payment_open(
        idempotency_key=idempotency_key,
        user=user,
        method=PaymentMethod.CARD,
        card=card,
        card_brand=card.brand,
        card_last4=card.last4,
        amount=amount,
        currency=currency,
        reference=reference,
        description=_default_description(reference, description),
    )
    if payment.status != PaymentStatus.PROCESSING:
        return _payment_outcome(payment)
    if not created:
        _payment_touch(payment)
    return _payment_charge(payment, source=payment.card.gateway_token, first_send=created)


def _payment_tokenize_for_saving(
    payment: Payment, card_data: CardData, address: dict[str, str], *, first_send: bool
) -> str | None:
    """Tokenize a new card the shopper wants saved, remember the token on the payment and
    return it; the card joins the wallet only when the payment succeeds. Returns None when
    the card was refused here (the payment is then settled failed)."""
    payment.refresh_from_db(fields=["pending_card"])
    if payment.pending_card:
        return payment.pending_card["token"]["token"]
    try:
        token = get_gateway().tokenize(card_data)
    except (PaymentDeclined, ProcessingError) as exc:
        # Nothing was charged: the charge call is never made for a refused card.
        _payment_settle(payment.pk, status=PaymentStatus.FAILED, decline_code=exc.code)
        return None
    except GatewayUnavailable as exc:
        # Like any transport failure of the charge itself; returning None sends the caller
        # to the payment's outcome.
        _payment_transport_failure(payment, exc, first_send=first_send)
        return None
    pending = {"token": asdict(token), "name": card_data.name, "address": address}
    stored = Payment.objects.filter(pk=payment.pk, pending_card__isnull=True).update(
        pending_card=pending
    )
    if not stored:  # a concurrent retry stored its token first: use it, drop ours
        token_delete_on_commit(token.token)
        payment.refresh_from_db(fields=["pending_card"])
        return payment.pending_card["token"]["token"]
    return token.token


@sensitive_variables("card_data")
def payment_charge_new_card(
    *,
    user,
    card_data: CardData,
    amount: Decimal,
    currency: str,
    reference: str,
    idempotency_key: str,
    description: str = "",
    save_card: bool = False,
    payment_address=None,
) -> Payment:
    """Charge a card typed in for this payment. Returns the succeeded ``Payment``;
    otherwise raises a ``PaymentError`` carrying the saved row (see the module docstring).

    With ``save_card`` the card is tokenized first and the token charged; the card joins
    the wallet (deduped by fingerprint, never made default unless it is the first card)
    only once the payment succeeds, including after a step-up. ``payment_address`` (a
    mapping or ``PostalAddress``) is then required. A full wallet is refused before any
    charge (``CardLimitReached``). Idempotent like ``payment_charge_card``.

    Raises before recording anything: ``ValidationError`` (card fields, address),
    ``CardLimitReached``/``CardBlocked`` (with ``save_card``), ``ValueError`` for a bad
    amount, ``PaymentInProgress``/``PaymentAlreadySucceeded`` like
    ``payment_charge_card``.
    """
    card_data = clean_card_data(card_data)
    amount, currency = clean_amount(amount, currency)
    reference = clean_reference(reference)
    idempotency_key = clean_idempotency_key(idempotency_key)
    address = clean_payment_address(payment_address) if save_card else None
    if not Payment.objects.filter(idempotency_key=idempotency_key).exists():
        if save_card:
            _link_precheck(user=user, fingerprint=card_data.fingerprint)
        payment_clear_the_way(reference=reference, idempotency_key=idempotency_key)
    payment, created = _payment_open(
        idempotency_key=idempotency_key,
        user=user,
        method=PaymentMethod.CARD,
        card=None,
        card_brand=card_data.brand,
        card_last4=card_data.last4,
        amount=amount,
        currency=currency,
        reference=reference,
        description=_default_description(reference, description),
    )
    if payment.status != PaymentStatus.PROCESSING:
        return _payment_outcome(payment)
    if not created:
        _payment_touch(payment)
    source: str | CardData | None = card_data
    if save_card or payment.pending_card:
        source = _payment_tokenize_for_saving(payment, card_data, address, first_send=created)
        if source is None:
            return _payment_outcome(Payment.objects.get(pk=payment.pk))
    return _payment_charge(payment, source=source, first_send=created)
