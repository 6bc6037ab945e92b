"""Card payments: charge a saved card or a card typed in for this payment (optionally saved
once it succeeds), and settle one after the shopper's step-up.

Each follows the ledger's pattern (``wallet.services.ledger``): record the attempt and
commit, call the processor with no lock held, settle through ``Payment.TRANSITIONS``. A new
attempt first settles the reference's open card payment through the processor
(``payment_clear_the_way``): there is never a second charge in flight for one reference.

Outcomes: the charge services return the ``Payment`` when it succeeded; otherwise the row
is saved and they raise a ``PaymentError`` subclass carrying it as ``exc.payment``:
``AuthenticationRequired`` (status requires_action: send the shopper to the challenge,
then ``payment_confirm_step_up``), ``PaymentDeclined`` (failed; ``exc.message`` is safe to
show), ``ProcessingError`` (failed, nothing charged, retry is fine), ``GatewayUnavailable``
(still processing: a retry with the same key or ``payment_reconcile`` settles it),
``PaymentCanceled``, ``PaymentInProgress`` (another card payment for the reference is still
open: nothing was charged), ``PaymentAlreadySucceeded`` (the open one turned out paid).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import asdict
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.debug import sensitive_variables

from accounts.models import PostalAddress, User
from core.money import format_money, to_minor
from wallet.card_numbers import CardData
from wallet.exceptions import (
    AuthenticationRequired,
    CardNotUsable,
    GatewayRequestError,
    GatewayUnavailable,
    PaymentAlreadySucceeded,
    PaymentCanceled,
    PaymentDeclined,
    PaymentInProgress,
    ProcessingError,
)
from wallet.gateways import get_gateway
from wallet.models import Card, Payment, PaymentMethod, PaymentStatus
from wallet.selectors import payment_open_for_reference, payments_with_balance
from wallet.services.card_attempts import (
    card_attempt_begin,
    card_attempt_declined,
    card_get_with_block,
    card_refuse_block,
    card_refuse_if_blocked,
)
from wallet.services.cards import card_link_precheck, token_delete_on_commit
from wallet.services.inputs import (
    clean_card_data,
    clean_payment_address,
    clean_payment_request,
)
from wallet.services.ledger import (
    ledger_find,
    ledger_label,
    ledger_left_open,
    ledger_open,
    ledger_send,
    payment_settle,
    payment_settle_answer,
)
from wallet.services.open_payments import payment_clear_the_way

logger = logging.getLogger("wallet.payments")

# Failure codes that mean the processor took nothing: retrying is safe.
NOTHING_CHARGED_CODES = ("processing_error", "no_response", "processor_unreachable")
STEP_UP_UNREACHABLE_MESSAGE = gettext_lazy(
    "We couldn't reach your bank, so nothing happened yet. Please answer again."
)


def _payment_fields(
    *,
    user: User,
    method: str,
    card: Card | None,
    card_brand: str,
    card_last4: str,
    amount: Decimal,
    currency: str,
    reference: str,
) -> dict[str, object]:
    """What a payment is recorded with, and what a replay under its key must match."""
    return {
        "user": user,
        "method": method,
        "card": card,
        "card_brand": card_brand,
        "card_last4": card_last4,
        "amount": amount,
        "currency": currency,
        "reference": reference,
    }


def payment_find(
    *,
    idempotency_key: str,
    user: User,
    method: str,
    amount: Decimal,
    currency: str,
    reference: str,
    card: Card | None = None,
    card_brand: str = "",
    card_last4: str = "",
    **_request: object,
) -> Payment | None:
    """The payment recorded under ``idempotency_key`` (card and user loaded), or None;
    ``IdempotencyConflict`` when it was recorded with other parameters (as
    ``payment_open``). Read-only."""
    fields = _payment_fields(
        user=user,
        method=method,
        card=card,
        card_brand=card_brand,
        card_last4=card_last4,
        amount=amount,
        currency=currency,
        reference=reference,
    )
    return ledger_find(Payment, idempotency_key=idempotency_key, expected=fields)


def payment_open(
    *,
    user: User,
    method: str,
    amount: Decimal,
    currency: str,
    reference: str,
    idempotency_key: str,
    description: str,
    card: Card | None = None,
    card_brand: str = "",
    card_last4: str = "",
    look_first: bool = True,
) -> tuple[Payment, bool]:
    """Step 1 for a payment (``ledger_open``, inputs already clean): insert the attempt
    ``processing`` and commit, or find the one with this key; ``(payment, created)``.
    ``look_first=False``: the caller has just looked for the key (``payment_find``) and
    found nothing.

    Same key with different parameters raises ``IdempotencyConflict`` (a new-card payment
    gains its card once saved: not a difference; the description is not compared). A card
    payment for a reference that already has an open one (the database allows one) raises
    ``PaymentInProgress`` carrying the open payment: another tab got there first. A new
    card payment for a reference another payment has already paid is called off before
    the processor hears of it (``PaymentAlreadySucceeded``); that check runs once the
    attempt is committed, so it can't miss a payment that succeeded meanwhile.
    """
    fields = _payment_fields(
        user=user,
        method=method,
        card=card,
        card_brand=card_brand,
        card_last4=card_last4,
        amount=amount,
        currency=currency,
        reference=reference,
    )

    def create() -> Payment:
        return Payment.objects.create(
            idempotency_key=idempotency_key, description=description, **fields
        )

    try:
        payment, created = ledger_open(
            Payment,
            idempotency_key=idempotency_key,
            expected=fields,
            create=create,
            look_first=look_first,
        )
    except IntegrityError:
        # Another key lost the race for the reference's one open card payment.
        other = payment_open_for_reference(reference=reference)
        if other is None:
            raise
        logger.info("%s is open: a second attempt was refused", ledger_label(other))
        raise PaymentInProgress(payment=other) from None
    if created and method == PaymentMethod.CARD:
        # While this payment is open no other card payment of the reference can be, so any
        # payment that paid it had settled before this one was inserted.
        paid = payments_with_balance(reference=reference).exclude(pk=payment.pk).first()
        if paid is not None:
            logger.info(
                "%s: already paid by payment %s; called off before charging",
                ledger_label(payment),
                paid.pk,
            )
            payment_settle(payment=payment, status=PaymentStatus.CANCELED)
            raise PaymentAlreadySucceeded(payment=paid)
    return payment, created


def _payment_outcome(payment: Payment) -> Payment:
    """Return a succeeded (or waiting bank transfer) payment; raise for everything else
    (see the module docstring)."""
    status = payment.status
    if status == PaymentStatus.SUCCEEDED:
        return payment
    if payment.method == PaymentMethod.BANK_TRANSFER and status == PaymentStatus.PROCESSING:
        return payment  # a bank transfer waiting for the money is where it should be
    if status == PaymentStatus.REQUIRES_ACTION:
        raise AuthenticationRequired(payment=payment)
    if status == PaymentStatus.CANCELED:
        raise PaymentCanceled(payment=payment)
    if status == PaymentStatus.PROCESSING:
        raise GatewayUnavailable(payment=payment)
    code = payment.decline_code
    if code in NOTHING_CHARGED_CODES:
        raise ProcessingError(payment.decline_text, code=code, payment=payment)
    if code == "invalid_request":
        raise GatewayRequestError(payment=payment)
    raise PaymentDeclined(payment.decline_text, code=code, payment=payment)


def _payment_lost(payment: Payment, lost: GatewayUnavailable, *, first_send: bool) -> Payment:
    """A call for ``payment`` failed in transport. Settled failed only when the processor
    was unreachable on the payment's first send (nothing was delivered, so nothing can have
    been charged): raises ``ProcessingError``, or returns the payment if a concurrent retry
    with the same key got it paid meanwhile. Otherwise it stays ``processing`` for a retry
    or reconciliation: raises ``GatewayUnavailable``."""
    if not (first_send and lost.code == "unreachable"):
        ledger_left_open(payment, lost)
    logger.warning(
        "%s: the processor is unreachable; nothing was sent, marked failed", ledger_label(payment)
    )
    failed = payment_settle(
        payment=payment, status=PaymentStatus.FAILED, decline_code="processor_unreachable"
    )
    return _payment_outcome(failed)


def _payment_charge(
    payment: Payment,
    *,
    source: str | CardData,
    first_send: bool,
    on_success: Callable[[Payment], None] | None = None,
) -> Payment:
    """Steps 2 and 3 for a charge: call the processor (no lock held), then settle
    (``on_success`` as ``payment_settle``'s)."""
    logger.info(
        "%s: charging %s with %s",
        ledger_label(payment),
        format_money(payment.amount, payment.currency, language="en"),
        payment.method_display,
    )
    answer = ledger_send(
        payment,
        lambda: get_gateway().charge(
            source=source,
            amount_minor=to_minor(payment.amount, payment.currency),
            currency=payment.currency,
            idempotency_key=payment.idempotency_key,
            description=payment.description,
            reference=payment.reference,
        ),
        refusals=(ProcessingError, GatewayRequestError),
    )
    if answer.lost is not None:
        return _payment_lost(payment, answer.lost, first_send=first_send)
    if answer.refusal is not None:
        code = "processing_error"
        if not isinstance(answer.refusal, ProcessingError):
            code = "invalid_request"
        return _payment_outcome(
            payment_settle(payment=payment, status=PaymentStatus.FAILED, decline_code=code)
        )
    return _payment_outcome(
        payment_settle_answer(payment=payment, result=answer.result, on_success=on_success)
    )


def _payment_resume(
    payment: Payment,
    *,
    created: bool,
    send: Callable[[], Payment],
    before_send: Callable[[Payment], None] | None = None,
) -> Payment:
    """After step 1: a payment no longer ``processing`` replays its outcome; an open one is
    sent (again: a retry is stamped as sent now, so the settle window counts from here).

    ``before_send(payment)`` runs once the payment's row is committed and before the
    processor hears of it from this call: whatever it raises stops the send and
    propagates. A payment this call opened (``created``) is then called off: failed,
    ``called_off``, one of the ``GIVEN_UP_CODES``, as a double submit's replay may have
    sent it all the same (reconciliation asks about it again, and a late capture is given
    back). A replay's payment is left as it is: the call that opened it may have sent it,
    and calls it off itself if not."""
    if payment.status != PaymentStatus.PROCESSING:
        return _payment_outcome(payment)
    if not created:
        # Stamped first, and only while still open, so nobody declares it never received
        # while this call may send it (nor does this call send one settled meanwhile).
        payment.updated_at = timezone.now()
        still_open = Payment.objects.filter(pk=payment.pk, status=PaymentStatus.PROCESSING)
        if not still_open.update(updated_at=payment.updated_at):
            return _payment_outcome(Payment.objects.get(pk=payment.pk))
    if before_send is not None:
        try:
            before_send(payment)
        except Exception:
            if created:
                logger.info("%s: called off before it was sent", ledger_label(payment))
                payment_settle(
                    payment=payment, status=PaymentStatus.FAILED, decline_code="called_off"
                )
            raise
    return send()


def _card_to_charge(*, user: User, card: Card) -> Card:
    """The saved card as it is now, with any block on it, in one read; raises
    ``CardNotUsable`` (not the user's, removed, disabled, expired) or, for a blocked card,
    ``PaymentDeclined`` (``blocked_card``, in the security log)."""
    fresh = card_get_with_block(card_id=card.pk)
    if fresh is None or fresh.owner_id != user.pk or not fresh.is_active:
        raise CardNotUsable()
    if fresh.is_expired:
        raise CardNotUsable(
            gettext("This card has expired. Update its expiry date or choose another card."),
            code="card_expired",
        )
    card_refuse_block(user=user, block_id=fresh.active_block_id, kind="pay_saved")
    return fresh


def payment_record_card_charge(
    *,
    user: User,
    card: Card,
    amount: Decimal,
    currency: str,
    reference: str,
    idempotency_key: str,
    description: str = "",
) -> Payment:
    """Step 1 of a saved-card charge for a reference the caller is making in its open
    transaction (an order being placed): the card is checked as ``payment_charge_card``
    checks it, then the attempt is inserted ``processing``. It commits with the caller's
    transaction, which must commit before ``payment_charge_recorded`` sends it.

    Nothing is asked about the reference: no other payment can exist, be open or have
    paid for one that is not committed yet, so the checks ``payment_charge_card`` makes
    first (its key, ``payment_clear_the_way``, a payment that paid meanwhile) have nothing
    to find. Raises before writing anything (the caller's transaction stays usable):
    ``CardNotUsable``, ``PaymentDeclined`` for a blocked card, ``ValueError``/``TypeError``
    for a bad amount; ``RuntimeError`` outside a transaction.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Record a charge in the transaction that makes its reference.")
    request = clean_payment_request(amount, currency, reference, idempotency_key, description)
    card = _card_to_charge(user=user, card=card)
    return Payment.objects.create(
        idempotency_key=request.idempotency_key,
        description=request.description,
        **_payment_fields(
            user=user,
            method=PaymentMethod.CARD,
            card=card,
            card_brand=card.brand,
            card_last4=card.last4,
            amount=request.amount,
            currency=request.currency,
            reference=request.reference,
        ),
    )


def payment_charge_recorded(
    *, payment: Payment, on_success: Callable[[Payment], None] | None = None
) -> Payment:
    """Steps 2 and 3 for a charge ``payment_record_card_charge`` recorded (and its
    transaction committed): call the processor with no lock held, then settle. Returns
    and raises like ``payment_charge_card``; a payment no longer open replays its
    outcome.

    ``on_success(payment)`` runs in the transaction that settles the payment succeeded
    (see ``payment_settle``): the caller's record of what the money paid for commits with
    it. A payment that was settled already (a replay) does not call it."""
    return _payment_resume(
        payment,
        created=True,
        send=lambda: _payment_charge(
            payment,
            source=payment.card.gateway_token,
            first_send=True,
            on_success=on_success,
        ),
    )


def payment_charge_card(
    *,
    user: User,
    card: Card,
    amount: Decimal,
    currency: str,
    reference: str,
    idempotency_key: str,
    description: str = "",
    before_send: Callable[[Payment], None] | None = None,
) -> Payment:
    """Charge a saved card. Returns the succeeded ``Payment``; otherwise raises a
    ``PaymentError`` carrying the saved row (see the module docstring).

    ``before_send(payment)``: the caller's last word once the attempt is recorded and
    before it is sent (see ``_payment_resume``): what it raises calls the attempt off.

    Idempotent by ``idempotency_key``: a retry or concurrent double submit returns the
    same payment and charges once; the same key with other parameters raises
    ``IdempotencyConflict``. Success stamps ``card.last_used_at``; it never changes which
    card is the default. No lock is held during the gateway call; settling takes the
    payment's row lock.

    Raises first, before recording anything: ``CardNotUsable`` (not the user's card,
    removed, disabled or expired), ``ValueError``/``TypeError`` for a bad amount, and
    ``PaymentInProgress``/``PaymentAlreadySucceeded`` when another card payment for the
    reference is still open or turned out paid (see ``payment_clear_the_way``).
    """
    request = clean_payment_request(amount, currency, reference, idempotency_key, description)
    # A replay (same key) finds its payment and continues with it, checking nothing again.
    payment = payment_find(
        user=user,
        method=PaymentMethod.CARD,
        card=card,
        card_brand=card.brand,
        card_last4=card.last4,
        **request.fields(),
    )
    created = False
    if payment is None:
        card = _card_to_charge(user=user, card=card)
        payment_clear_the_way(reference=request.reference, idempotency_key=request.idempotency_key)
        payment, created = payment_open(
            user=user,
            method=PaymentMethod.CARD,
            card=card,
            card_brand=card.brand,
            card_last4=card.last4,
            look_first=False,
            **request.fields(),
        )
    return _payment_resume(
        payment,
        created=created,
        send=lambda: _payment_charge(
            payment, source=payment.card.gateway_token, first_send=created
        ),
        before_send=before_send,
    )


def _payment_tokenize_for_saving(
    payment: Payment, card_data: CardData, address: dict[str, str], *, first_send: bool
) -> str | None:
    """Tokenize a new card the shopper wants saved, remember the token on the payment and
    return it; the card joins the wallet only when the payment succeeds. Returns None when
    the card was refused here (the payment is then settled failed)."""
    payment.refresh_from_db(fields=["pending_card"])
    if payment.pending_card:
        return payment.pending_card["token"]["token"]
    answer = ledger_send(
        payment,
        lambda: get_gateway().tokenize(card_data),
        refusals=(PaymentDeclined, ProcessingError),
    )
    if answer.lost is not None:
        # Like any transport failure of the charge itself; returning None sends the caller
        # to the payment's outcome.
        _payment_lost(payment, answer.lost, first_send=first_send)
        return None
    if answer.refusal is not None:
        # Nothing was charged: the charge call is never made for a refused card.
        payment_settle(
            payment=payment, status=PaymentStatus.FAILED, decline_code=answer.refusal.code
        )
        return None
    token = answer.result
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
    user: User,
    card_data: CardData,
    amount: Decimal,
    currency: str,
    reference: str,
    idempotency_key: str,
    description: str = "",
    save_card: bool = False,
    payment_address: Mapping[str, str] | PostalAddress | None = None,
    human_verified: bool = False,
    before_send: Callable[[Payment], None] | None = None,
) -> Payment:
    """Charge a card typed in for this payment. Returns the succeeded ``Payment``;
    otherwise raises a ``PaymentError`` carrying the saved row (see the module docstring).

    With ``save_card`` the card is tokenized first and the token charged; the card joins
    the wallet (deduped by fingerprint, never made default unless it is the first card)
    only once the payment succeeds, including after a step-up. ``payment_address`` (a
    mapping or ``PostalAddress``) is then required. A full wallet is refused before any
    charge (``CardLimitReached``). Idempotent like ``payment_charge_card``; no lock is held
    during gateway calls.

    A new attempt is a card attempt (``card_attempts``): it is refused before anything is
    recorded for a blocked card (``PaymentDeclined`` coded ``blocked_card``), past a rate
    limit (``core.ratelimit.RateLimited``) or when the CAPTCHA is due and
    ``human_verified`` is not set (``CaptchaRequired``); a decline is counted.

    Raises before recording anything: ``ValidationError`` (card fields, address),
    ``CardLimitReached``/``CardBlocked`` (with ``save_card``), ``ValueError`` for a bad
    amount, ``PaymentInProgress``/``PaymentAlreadySucceeded`` like
    ``payment_charge_card``; ``before_send`` as there.
    """
    card_data = clean_card_data(card_data)
    request = clean_payment_request(amount, currency, reference, idempotency_key, description)
    address = clean_payment_address(payment_address) if save_card else None
    if not Payment.objects.filter(idempotency_key=request.idempotency_key).exists():
        card_refuse_if_blocked(user=user, fingerprint=card_data.fingerprint, kind="pay")
        if save_card:
            card_link_precheck(user=user, fingerprint=card_data.fingerprint)
        payment_clear_the_way(reference=request.reference, idempotency_key=request.idempotency_key)
        card_attempt_begin(user=user, kind="pay", human_verified=human_verified)
    payment, created = payment_open(
        user=user,
        method=PaymentMethod.CARD,
        card_brand=card_data.brand,
        card_last4=card_data.last4,
        **request.fields(),
    )

    def send() -> Payment:
        source: str | CardData | None = card_data
        if save_card or payment.pending_card:
            source = _payment_tokenize_for_saving(payment, card_data, address, first_send=created)
            if source is None:
                return _payment_outcome(Payment.objects.get(pk=payment.pk))
        return _payment_charge(payment, source=source, first_send=created)

    try:
        return _payment_resume(payment, created=created, send=send, before_send=before_send)
    except PaymentDeclined as declined:
        if created:
            card_attempt_declined(user=user, kind="pay", code=declined.code)
        raise


def payment_confirm_step_up(*, payment: Payment, approved: bool) -> Payment:
    """Settle a ``requires_action`` payment after the shopper's challenge: ``approved``
    says whether they passed it. Returns the succeeded payment or raises like the charge
    services (``PaymentDeclined`` with ``authentication_failed`` when not approved).

    Idempotent: a payment no longer waiting replays its outcome. The gateway is called
    without a lock; settling takes the payment's row lock. If the processor could not be
    reached (nothing was delivered) the payment keeps waiting and ``GatewayUnavailable``
    (code ``unreachable``) says so: the shopper answers again. If the answer was sent but
    the reply was lost, the payment goes back to ``processing`` (open, unanswered;
    reconciliation or a "Check now" settles it) and ``GatewayUnavailable`` is raised.
    """
    payment = Payment.objects.select_related("card", "user").get(pk=payment.pk)
    if payment.status != PaymentStatus.REQUIRES_ACTION:
        return _payment_outcome(payment)
    # A step-up answer is a card attempt too (no CAPTCHA: the bank's challenge is one).
    card_attempt_begin(user=payment.user, kind="step_up", human_verified=True)
    answer = ledger_send(
        payment,
        lambda: get_gateway().confirm_authentication(
            charge_id=payment.gateway_charge_id, approved=approved
        ),
    )
    if answer.lost is not None and answer.lost.code == "unreachable":
        logger.warning(
            "%s: processor unreachable during step-up; still waiting", ledger_label(payment)
        )
        raise GatewayUnavailable(
            STEP_UP_UNREACHABLE_MESSAGE, code="unreachable", payment=payment
        ) from answer.lost
    if answer.lost is not None:
        logger.warning(
            "%s: the step-up answer was sent, the reply lost; processing", ledger_label(payment)
        )
        payment = payment_settle(payment=payment, status=PaymentStatus.PROCESSING)
        ledger_left_open(payment, answer.lost)
    logger.info("%s: step-up %s", ledger_label(payment), "passed" if approved else "failed")
    return _payment_outcome(payment_settle_answer(payment=payment, result=answer.result))
