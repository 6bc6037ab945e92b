"""Payments: charge a saved or new card, step-up, bank transfer, cancel, reconcile.

Every card payment follows one pattern, so a double submit or a retry never charges twice
and a gateway timeout leaves a known state:

1. record the attempt: insert the ``Payment`` row (``processing``) and commit. Its
   ``idempotency_key`` is unique, so a second request with the same key gets the same row;
2. call the gateway with that key and no row lock held;
3. lock the row again (``select_for_update``) and settle it through the transition table,
   recording a ``WalletEvent``. Settling twice with the same result is a no-op.

A retry with the same key replays a settled payment's outcome, or drives a ``processing``
one through the gateway again (the gateway's own idempotency returns the first result).

Outcomes: the charge services return the ``Payment`` when it succeeded; otherwise the row
is saved and they raise a ``PaymentError`` subclass carrying it as ``exc.payment``:
``AuthenticationRequired`` (status requires_action: send the shopper to the challenge,
then ``payment_confirm_step_up``), ``PaymentDeclined`` (failed; ``exc.message`` is safe to
show), ``ProcessingError`` (failed, nothing charged, retry is fine), ``GatewayUnavailable``
(still processing: a retry with the same key or ``payment_reconcile`` settles it),
``PaymentCanceled``. Do not call these services inside an outer ``transaction.atomic``:
the attempt must be committed before the gateway is called so its record survives.

Log lines start with the payment reference (the order number).
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from core.money import format_money, to_minor
from wallet.cards import CardData
from wallet.exceptions import (
    AuthenticationRequired,
    CardBlocked,
    CardLimitReached,
    CardNotUsable,
    GatewayRequestError,
    GatewayUnavailable,
    IdempotencyConflict,
    IllegalPaymentTransition,
    PaymentCanceled,
    PaymentDeclined,
    ProcessingError,
    decline_message,
)
from wallet.gateways import get_gateway
from wallet.gateways.base import ChargeResult, ChargeStatus, TokenResult
from wallet.models import Card, Payment, PaymentMethod, PaymentStatus, WalletEvent
from wallet.services._common import (
    clean_amount,
    clean_card_data,
    clean_payment_address,
    clean_reference,
    event_record,
)
from wallet.services.cards import _link_precheck, _token_delete_on_commit, card_attach

logger = logging.getLogger("wallet.payments")

_STATUS_FROM_GATEWAY = {
    ChargeStatus.SUCCEEDED: PaymentStatus.SUCCEEDED,
    ChargeStatus.REQUIRES_ACTION: PaymentStatus.REQUIRES_ACTION,
    ChargeStatus.FAILED: PaymentStatus.FAILED,
    ChargeStatus.CANCELED: PaymentStatus.CANCELED,
}


# ---------------------------------------------------------------- internals


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

    Same key with different parameters raises ``IdempotencyConflict``.
    """
    payment = Payment.objects.select_related("card").filter(idempotency_key=idempotency_key)
    existing = payment.first()
    if existing is None:
        try:
            with transaction.atomic():
                created = Payment.objects.create(idempotency_key=idempotency_key, **fields)
            return created, True
        except IntegrityError:
            # A concurrent request with the same key inserted first (the unique index made
            # us wait for it to commit): continue with its row.
            existing = payment.first()
            if existing is None:
                raise
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
        _token_delete_on_commit(data["token"]["token"])
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
    strict: bool = False,
) -> Payment:
    """Lock the payment and move it to ``status`` with its side effects (event, card use,
    saving a pending card). A payment already there is returned unchanged; a final payment
    asked to move elsewhere is logged and returned unchanged (``strict``: raises)."""
    with transaction.atomic():
        payment = (
            Payment.objects.select_for_update(of=("self",))
            .select_related("card", "user")
            .get(pk=payment_id)
        )
        if payment.status == status:
            return payment
        if payment.is_final and not strict:
            logger.error(
                "%s payment %s: is %s but the gateway now says %s; needs a look by staff",
                payment.reference,
                payment.pk,
                payment.status,
                status,
            )
            return payment
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
            _token_delete_on_commit(payment.pending_card["token"]["token"])
            payment.pending_card = None
            payment.save(update_fields=["pending_card", "updated_at"])
    logger.info(
        "%s payment %s: %s %s",
        payment.reference,
        payment.pk,
        payment.status,
        payment.decline_code,
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
    if code in ("processing_error", "no_response"):
        raise ProcessingError(payment.decline_message, code=code, payment=payment)
    if code == "invalid_request":
        raise GatewayRequestError(payment=payment)
    raise PaymentDeclined(payment.decline_message, code=code, payment=payment)


def _payment_charge(payment: Payment, *, source: str | CardData) -> Payment:
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
        logger.warning(
            "%s payment %s: gateway unavailable (%s); left processing until retried or reconciled",
            payment.reference,
            payment.pk,
            exc.code,
        )
        raise GatewayUnavailable(payment=payment) from exc
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


def _default_description(reference: str, description: str) -> str:
    return (description or f"Bazaar order {reference}")[:255]


# ----------------------------------------------------------------- services


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
    removed, disabled or expired), ``ValueError``/``TypeError`` for a bad amount.
    """
    amount, currency = clean_amount(amount, currency)
    reference = clean_reference(reference)
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
    payment, _created = _payment_open(
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
    return _payment_charge(payment, source=payment.card.gateway_token)


def _payment_tokenize_for_saving(
    payment: Payment, card_data: CardData, address: dict[str, str]
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
        # Left processing like any timeout: a concurrent retry may still charge this
        # payment, so only a retry or reconciliation may settle it.
        logger.warning(
            "%s payment %s: gateway unavailable while saving the card; left processing",
            payment.reference,
            payment.pk,
        )
        raise GatewayUnavailable(payment=payment) from exc
    pending = {"token": asdict(token), "name": card_data.name, "address": address}
    stored = Payment.objects.filter(pk=payment.pk, pending_card__isnull=True).update(
        pending_card=pending
    )
    if not stored:  # a concurrent retry stored its token first: use it, drop ours
        _token_delete_on_commit(token.token)
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
    amount.
    """
    card_data = clean_card_data(card_data)
    amount, currency = clean_amount(amount, currency)
    reference = clean_reference(reference)
    address = clean_payment_address(payment_address) if save_card else None
    if save_card and not Payment.objects.filter(idempotency_key=idempotency_key).exists():
        _link_precheck(user=user, fingerprint=card_data.fingerprint)
    payment, _created = _payment_open(
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
    source: str | CardData | None = card_data
    if save_card or payment.pending_card:
        source = _payment_tokenize_for_saving(payment, card_data, address)
        if source is None:
            return _payment_outcome(Payment.objects.get(pk=payment.pk))
    return _payment_charge(payment, source=source)


def payment_confirm_step_up(*, payment: Payment, approved: bool) -> Payment:
    """Settle a ``requires_action`` payment after the shopper's challenge: ``approved``
    says whether they passed it. Returns the succeeded payment or raises like the charge
    services (``PaymentDeclined`` with ``authentication_failed`` when not approved).

    Idempotent: a payment no longer waiting replays its outcome. The gateway is called
    without a lock; a timeout leaves the payment ``requires_action`` (raises
    ``GatewayUnavailable``) so the shopper can try again.
    """
    payment = Payment.objects.select_related("card").get(pk=payment.pk)
    if payment.status != PaymentStatus.REQUIRES_ACTION:
        return _payment_outcome(payment)
    try:
        result = get_gateway().confirm_authentication(
            charge_id=payment.gateway_charge_id, approved=approved
        )
    except GatewayUnavailable as exc:
        logger.warning(
            "%s payment %s: gateway unavailable during step-up; still waiting",
            payment.reference,
            payment.pk,
        )
        raise GatewayUnavailable(payment=payment) from exc
    logger.info(
        "%s payment %s: step-up %s",
        payment.reference,
        payment.pk,
        "passed" if approved else "failed",
    )
    return _payment_outcome(_payment_apply_result(payment, result))


def payment_start_bank_transfer(
    *,
    user,
    amount: Decimal,
    currency: str,
    reference: str,
    idempotency_key: str,
    description: str = "",
) -> Payment:
    """Record a bank transfer the shopper will make; the payment stays ``processing`` until
    staff call ``payment_mark_bank_transfer_received`` (or it is canceled). Quote
    ``payment.reference`` as the transfer reference. Idempotent by key; returns the
    payment in whatever state it is. No gateway call."""
    amount, currency = clean_amount(amount, currency)
    reference = clean_reference(reference)
    payment, created = _payment_open(
        idempotency_key=idempotency_key,
        user=user,
        method=PaymentMethod.BANK_TRANSFER,
        card=None,
        card_brand="",
        card_last4="",
        amount=amount,
        currency=currency,
        reference=reference,
        description=_default_description(reference, description),
    )
    if created:
        logger.info("%s payment %s: waiting for a bank transfer", reference, payment.pk)
    return payment


def payment_mark_bank_transfer_received(*, payment: Payment, by) -> Payment:
    """Staff confirm a bank transfer arrived: the payment succeeds, recording who did it
    (``confirmed_by`` and the event's actor). Atomic under the payment row lock;
    idempotent for a payment already succeeded. Raises ``IllegalPaymentTransition`` for a
    card payment or a canceled transfer."""
    if payment.method != PaymentMethod.BANK_TRANSFER:
        raise IllegalPaymentTransition("Only bank transfers are marked received by staff.")
    return _payment_settle(payment.pk, status=PaymentStatus.SUCCEEDED, actor=by, strict=True)


def payment_cancel(*, payment: Payment) -> Payment:
    """Abandon a pending payment (e.g. its order expired). Returns the payment, which may
    turn out ``succeeded`` if the shopper completed it first: check its status.

    Bank transfers waiting for money are canceled at once; a card payment waiting for
    step-up is canceled at the gateway first (no lock held). A card payment still
    ``processing`` is reconciled first; if the gateway can't say, raises
    ``GatewayUnavailable``. Final payments are returned unchanged (idempotent).
    """
    payment = Payment.objects.get(pk=payment.pk)
    if payment.is_final:
        return payment
    if payment.method == PaymentMethod.BANK_TRANSFER:
        return _payment_settle(payment.pk, status=PaymentStatus.CANCELED)
    if payment.status == PaymentStatus.PROCESSING:
        payment = payment_reconcile(payment=payment)
        if payment.status == PaymentStatus.PROCESSING:
            raise GatewayUnavailable(payment=payment)
        if payment.is_final:
            return payment
    result = get_gateway().cancel_charge(charge_id=payment.gateway_charge_id)
    logger.info("%s payment %s: canceled at the gateway", payment.reference, payment.pk)
    return _payment_apply_result(payment, result)


def payment_reconcile(*, payment: Payment) -> Payment:
    """Ask the gateway what became of a pending card payment (by its idempotency key) and
    settle it. Returns the payment; never raises for declines.

    A charge the gateway never received is marked failed (``no_response``, nothing
    charged), so only reconcile payments older than any request still in flight: the
    ``reconcile_payments`` command waits a few minutes. Raises ``GatewayUnavailable`` if
    the gateway can't be asked; the payment is then unchanged.
    """
    payment = Payment.objects.get(pk=payment.pk)
    if payment.method != PaymentMethod.CARD or not payment.is_pending:
        return payment
    result = get_gateway().retrieve_charge(idempotency_key=payment.idempotency_key)
    if result is None:
        if payment.status != PaymentStatus.PROCESSING:
            return payment
        logger.warning(
            "%s payment %s: the gateway never received the charge; marking it failed",
            payment.reference,
            payment.pk,
        )
        return _payment_settle(payment.pk, status=PaymentStatus.FAILED, decline_code="no_response")
    logger.info(
        "%s payment %s: reconciled with charge %s", payment.reference, payment.pk, result.id
    )
    return _payment_apply_result(payment, result)
