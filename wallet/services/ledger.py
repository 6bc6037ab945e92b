"""The ledger: the one way payments and refunds move money (the pattern is told in the
package docstring, ``wallet.services``). Each step is one function here, used by both:

1. ``ledger_open`` records the attempt under its idempotency key and commits, or finds the
   row that key already made (other parameters under the same key: ``IdempotencyConflict``);
2. ``ledger_send`` calls the processor with no lock held and sorts its answer into a
   result, a refusal, or none (a lost answer: the row stays open, ``ledger_left_open``);
3. ``ledger_settle`` locks the row, moves it through its model's own transition table
   (``Payment.TRANSITIONS``, ``Refund.TRANSITIONS``) with ``ledger_set_status``, the one
   place either status changes, and records what followed in that transaction
   (``ledger_event_record`` for the payment activity).

``payment_settle`` and ``refund_settle`` say what settling means for each (the event, the
card used or saved); ``payment_settle_answer`` settles a payment with the processor's
answer about its charge. Log lines (logger ``wallet.payments``) start with the reference
(the order number): ``ledger_label``.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, NoReturn, TypeVar

from django.db import IntegrityError, models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from accounts.models import User
from core.money import to_minor
from core.security_log import security_event
from wallet.exceptions import (
    GatewayUnavailable,
    IdempotencyConflict,
    IllegalPaymentTransition,
    PaymentError,
    decline_message,
)
from wallet.gateways.base import ChargeResult, ChargeStatus
from wallet.models import Card, Payment, Refund, WalletEvent, event_message
from wallet.services.cards import card_attach_pending, token_delete_on_commit

logger = logging.getLogger("wallet.payments")

Entry = TypeVar("Entry", Payment, Refund)
Result = TypeVar("Result")

# Rows read with an entry (found again or settled): what its event and log line name.
_SETTLE_RELATED = {Payment: ("card", "user"), Refund: ("payment__user", "payment__card")}

_STATUS_FROM_GATEWAY = {
    ChargeStatus.SUCCEEDED: Payment.Status.SUCCEEDED,
    ChargeStatus.REQUIRES_ACTION: Payment.Status.REQUIRES_ACTION,
    ChargeStatus.FAILED: Payment.Status.FAILED,
    ChargeStatus.CANCELED: Payment.Status.CANCELED,
}


def ledger_label(entry: Payment | Refund) -> str:
    """How log lines name an entry, reference first: ``BZ-1 payment 5``, ``BZ-1 refund 2``."""
    if isinstance(entry, Refund):
        return f"{entry.payment.reference} refund {entry.pk}"
    return f"{entry.reference} payment {entry.pk}"


def ledger_error_rows(entry: Payment | Refund) -> dict[str, Payment | Refund]:
    """The rows a ``PaymentError`` about ``entry`` carries: ``payment`` (and ``refund``)."""
    if isinstance(entry, Refund):
        return {"payment": entry.payment, "refund": entry}
    return {"payment": entry}


def ledger_set_status(
    entry: Entry, status: str, *, only_if: str | None = None, **fields: Any
) -> bool:
    """The one place a payment's or a refund's status changes, together with ``fields``.

    Checks the entry's own transition table first: an illegal move raises
    ``IllegalPaymentTransition`` and changes nothing. A payment reaching a final status is
    stamped ``settled_at``. The caller holds the entry's row lock (``ledger_settle`` does),
    or gives ``only_if``: then it is one conditional UPDATE that moves the row only if its
    status still is ``only_if`` (the UPDATE takes the row lock), and False says it was not
    (nothing changed, ``entry`` untouched). Returns True once moved.
    """
    entry.check_transition(status)
    now = timezone.now()
    values = {**fields, "status": status, "updated_at": now}
    if isinstance(entry, Payment) and status in Payment.FINAL_STATUSES:
        values["settled_at"] = now
    if only_if is not None:
        rows = type(entry).objects.filter(pk=entry.pk, status=only_if)
        if not rows.update(**values):
            return False
    for name, value in values.items():
        setattr(entry, name, value)
    if only_if is None:
        entry.save(update_fields=list(values))
    return True


def _ledger_move_as_held(
    entry: Entry, status: str, fields: Mapping[str, Any], only_from: tuple[str, ...] | None
) -> Entry | None:
    """``ledger_settle``'s short way for a saved-card payment: the move from the status
    the caller holds, as one conditional UPDATE instead of a locked read and a write.
    Returns a copy of ``entry`` as moved, or None (the row is not what the caller holds,
    the move is not one to make, or the payment is of another kind): settle the long way.

    Only a payment charged to a saved card qualifies: besides its status and what settling
    writes, such a row never changes after it is recorded (no card to save, no pending
    token), so the caller's copy, with its card and user, is the row as it is."""
    if not isinstance(entry, Payment) or not entry.card_id or entry.pending_card is not None:
        return None
    held = entry.status
    if held == status or not entry.can_transition_to(status):
        return None
    if only_from is not None and held not in only_from:
        return None
    moved = copy.copy(entry)  # the caller's instance keeps what it held
    return moved if ledger_set_status(moved, status, only_if=held, **fields) else None


def ledger_find(
    model: type[Entry], *, idempotency_key: str, expected: Mapping[str, Any]
) -> Entry | None:
    """The entry recorded under ``idempotency_key`` (with the rows its event and log line
    name), or None. Raises ``IdempotencyConflict`` (carrying it) when it differs from
    ``expected``; None values are not compared, model instances are compared by primary
    key. Read-only."""
    rows = model.objects.select_related(*_SETTLE_RELATED[model])
    entry = rows.filter(idempotency_key=idempotency_key).first()
    if entry is None:
        return None
    for name, value in expected.items():
        if value is None:
            continue
        is_row = isinstance(value, models.Model)
        current = getattr(entry, f"{name}_id" if is_row else name)
        if current != (value.pk if is_row else value):
            logger.error(
                "%s: idempotency key reused with a different %s", ledger_label(entry), name
            )
            security_event(
                "payment.idempotency_conflict",
                outcome="refused",
                object_id=entry.pk,
                kind=type(entry).__name__.lower(),
                field=name,
            )
            raise IdempotencyConflict(**ledger_error_rows(entry))
    return entry


def ledger_open(
    model: type[Entry],
    *,
    idempotency_key: str,
    expected: Mapping[str, Any],
    create: Callable[[], Entry],
    look_first: bool = True,
) -> tuple[Entry, bool]:
    """Step 1: the entry recorded under ``idempotency_key`` (``created`` False), or a new
    one made by ``create()``; ``(entry, created)``.

    An existing entry must match ``expected`` (see ``ledger_find``), else
    ``IdempotencyConflict``. ``look_first=False`` skips the first look for a caller that
    has just made it (``ledger_find``) and found nothing. The insert is atomic (a savepoint
    inside the caller's transaction), committed on return unless the caller's own
    transaction is still open (a refund locks its payment first, so two requests with one
    key queue there). The unique index on the key decides a race: a concurrent request
    that inserted the same key first (the index made this one wait for it to commit)
    continues with its entry; any other ``IntegrityError`` propagates, and whatever
    ``create`` raises does too.
    """
    if look_first:
        existing = ledger_find(model, idempotency_key=idempotency_key, expected=expected)
        if existing is not None:
            return existing, False
    try:
        with transaction.atomic():
            return create(), True
    except IntegrityError:
        existing = ledger_find(model, idempotency_key=idempotency_key, expected=expected)
        if existing is None:
            raise
        return existing, False


@dataclass(frozen=True)
class Answer(Generic[Result]):
    """What the processor said to one request: its ``result``, its ``refusal`` (one of the
    errors the caller named: settle the entry failed) or nothing (``lost``: the entry stays
    open)."""

    result: Result | None = None
    refusal: PaymentError | None = None
    lost: GatewayUnavailable | None = None


def ledger_send(
    entry: Payment | Refund,
    call: Callable[[], Result],
    *,
    refusals: tuple[type[PaymentError], ...] = (),
) -> Answer[Result]:
    """Step 2: ``call()`` the processor about ``entry`` with no lock held (never inside a
    transaction) and return its answer. Changes nothing itself.

    ``refusals`` are the errors that mean the processor said no (checked first: a
    ``ProcessingError`` is a refusal for a charge, not a lost answer); any other
    ``GatewayUnavailable`` is a lost answer. The processor holding another request under
    this key raises ``IdempotencyConflict`` carrying the entry (a bug for staff to see).
    """
    try:
        return Answer(result=call())
    except refusals as exc:
        logger.warning("%s: the processor refused it (%s)", ledger_label(entry), exc.code)
        return Answer(refusal=exc)
    except GatewayUnavailable as exc:
        return Answer(lost=exc)
    except IdempotencyConflict as exc:
        logger.error(
            "%s: the processor holds another request under this key; reconcile",
            ledger_label(entry),
        )
        raise IdempotencyConflict(**ledger_error_rows(entry)) from exc


def ledger_left_open(entry: Payment | Refund, lost: GatewayUnavailable) -> NoReturn:
    """The processor's answer about ``entry`` was lost: it stays open (``processing``,
    ``pending``) until a retry with the same key or reconciliation settles it. Logs and
    raises ``GatewayUnavailable`` carrying the rows."""
    logger.warning(
        "%s: gateway unavailable (%s); left %s until retried or reconciled",
        ledger_label(entry),
        lost.code,
        entry.status,
    )
    raise GatewayUnavailable(**ledger_error_rows(entry)) from lost


def ledger_settle(
    entry: Entry,
    status: str,
    *,
    fields: Mapping[str, Any] | None = None,
    only_from: tuple[str, ...] | None = None,
    then: Callable[[Entry, str], None] | None = None,
) -> Entry:
    """Step 3: lock the entry's row and move it to ``status`` with ``fields``; then
    ``then(entry, previous_status)`` records what followed, in the same transaction.
    Returns the entry as settled.

    Atomic; locks only the entry's own row (``FOR UPDATE OF``; for a saved-card payment
    still in the status the caller holds, the conditional UPDATE that moves it takes the
    lock instead of a locked read: ``_ledger_move_as_held``). Idempotent: an entry
    already at ``status`` is returned unchanged. A move the transition table forbids (the
    processor now says failed about a payment we hold as succeeded) is logged for staff and
    changes nothing. ``only_from`` narrows the statuses the caller accepts and raises
    ``IllegalPaymentTransition`` for any other.
    """
    model = type(entry)
    with transaction.atomic():
        previous = entry.status
        moved = _ledger_move_as_held(entry, status, fields or {}, only_from)
        if moved is not None:
            entry = moved
        else:
            entry = (
                model.objects.select_for_update(of=("self",))
                .select_related(*_SETTLE_RELATED[model])
                .get(pk=entry.pk)
            )
            previous = entry.status
            if previous == status:
                return entry
            if only_from is not None and previous not in only_from:
                raise IllegalPaymentTransition(
                    f"{model.__name__} {entry.pk} is {previous}, not {' or '.join(only_from)}."
                )
            if not entry.can_transition_to(status):
                logger.error(
                    "%s: is %s but the processor now says %s; needs a look by staff",
                    ledger_label(entry),
                    previous,
                    status,
                )
                return entry
            ledger_set_status(entry, status, **(fields or {}))
        if then is not None:
            then(entry, previous)
        # Recorded in the settling transaction: its row commits with the move (one commit,
        # not two: each costs a flush of the database's log to disk).
        note = entry.decline_code if isinstance(entry, Payment) else entry.failure_message
        logger.info("%s: %s %s", ledger_label(entry), status, note)
        payer = entry.user if isinstance(entry, Payment) else entry.payment.user
        security_event(
            "payment" if isinstance(entry, Payment) else "refund",
            user=payer,
            outcome=status,
            object_id=entry.pk,
            reference=entry.reference if isinstance(entry, Payment) else entry.payment.reference,
            reason=note,
        )
    return entry


def ledger_event_record(
    entry: Payment | Refund, *, kind: str, message: dict, actor: User | None = None
) -> WalletEvent:
    """Record a ``WalletEvent`` about ``entry`` in its payer's activity: the payment, its
    card, the refund if it is one, and the entry's amount; ``message`` comes from
    ``wallet.models.event_message``. Call inside the transaction of the change it
    reports."""
    payment = entry.payment if isinstance(entry, Refund) else entry
    return WalletEvent.objects.create(
        user=payment.user,
        kind=kind,
        card=payment.card,
        payment=payment,
        refund=entry if isinstance(entry, Refund) else None,
        amount=entry.amount,
        currency=entry.currency,
        actor=actor,
        **message,
    )


def payment_settle(
    *,
    payment: Payment,
    status: str,
    gateway_charge_id: str = "",
    decline_code: str = "",
    actor: User | None = None,
    only_from: tuple[str, ...] | None = None,
    on_success: Callable[[Payment], None] | None = None,
) -> Payment:
    """Settle ``payment`` at ``status`` through ``ledger_settle`` (its row lock, the
    transition table, atomic, idempotent) with what follows: the card's last use, saving a
    card the payment asked to keep (``card_attach_pending``) or deleting its token once the
    payment failed, and the event (paid, failed, a bank transfer no longer expected).

    ``on_success(payment)`` is called when this settle moves the payment to succeeded,
    last, in the same transaction (the payment's row lock held): what the caller records
    with the money (the order it pays) commits together with the payment's new status or
    not at all. Whatever it raises undoes the settle (the payment stays open for a retry
    or reconciliation to settle again) and propagates. It is not called for a payment
    already succeeded (the caller applies that one itself).

    A failed or canceled payment the processor reports as succeeded is a late capture: it
    is recorded as succeeded (the money did move) and logged; the caller gives it back or
    applies it. ``actor`` (staff marking a bank transfer received) is kept as
    ``confirmed_by``. Raises ``IllegalPaymentTransition`` only with ``only_from``.
    """
    fields: dict[str, Any] = {}
    if gateway_charge_id:
        fields["gateway_charge_id"] = gateway_charge_id
    if status == Payment.Status.FAILED:
        code = decline_code or "generic_decline"
        fields["decline_code"] = code
        # English for support; the shopper reads it in their language (Payment.decline_text).
        with translation.override("en"):
            fields["decline_message"] = str(decline_message(code))
    if actor is not None and status == Payment.Status.SUCCEEDED:
        fields["confirmed_by"] = actor

    def then(payment: Payment, previous: str) -> None:
        if previous in Payment.FINAL_STATUSES:
            logger.error(
                "%s: late capture: was %s, the processor took the money after all",
                ledger_label(payment),
                previous,
            )
        _payment_settled(payment, actor=actor)
        if on_success is not None and payment.status == Payment.Status.SUCCEEDED:
            on_success(payment)

    return ledger_settle(payment, status, fields=fields, only_from=only_from, then=then)


def _payment_settled(payment: Payment, *, actor: User | None) -> None:
    """What follows a payment's move to its new status (caller holds its row lock)."""
    money = {"amount": str(payment.amount), "currency": payment.currency}
    kind = WalletEvent.Kind
    if payment.status == Payment.Status.SUCCEEDED:
        if payment.card_id:
            Card.objects.filter(pk=payment.card_id).update(last_used_at=payment.settled_at)
        if payment.pending_card:
            card_attach_pending(payment=payment)
        if payment.method == Payment.Method.CARD:
            message = event_message(
                gettext_noop("Paid %(money)s for %(reference)s with %(method)s."),
                reference=payment.reference,
                method=payment.method_display,
                **money,
            )
        else:
            message = event_message(
                gettext_noop("Paid %(money)s for %(reference)s by bank transfer."),
                reference=payment.reference,
                **money,
            )
        ledger_event_record(payment, kind=kind.PAYMENT, actor=actor, message=message)
    elif (
        payment.status == Payment.Status.CANCELED and payment.method == Payment.Method.BANK_TRANSFER
    ):
        # Closes the "Awaiting payment" line, so nobody sends money for it any more.
        message = event_message(
            gettext_noop(
                "Bank transfer of %(money)s for %(reference)s is no longer expected: "
                "please do not send it."
            ),
            reference=payment.reference,
            **money,
        )
        ledger_event_record(payment, kind=kind.PAYMENT_CANCELED, message=message)
    elif payment.status == Payment.Status.FAILED:
        message = event_message(
            gettext_noop("Payment of %(money)s for %(reference)s failed: %(reason)s"),
            reference=payment.reference,
            decline_code=payment.decline_code or "generic_decline",
            **money,
        )
        ledger_event_record(payment, kind=kind.PAYMENT_FAILED, message=message)
    if payment.is_final and payment.pending_card:
        token_delete_on_commit(payment.pending_card["token"]["token"])
        payment.pending_card = None
        payment.save(update_fields=["pending_card", "updated_at"])


def payment_settle_answer(
    *,
    payment: Payment,
    result: ChargeResult,
    on_success: Callable[[Payment], None] | None = None,
) -> Payment:
    """Settle ``payment`` with the processor's answer about its charge (its status, charge
    id and decline code) through ``payment_settle`` (``on_success`` as there). An answer
    for another amount than the ledger's is logged for staff (it is still the truth about
    the charge)."""
    if result.amount_minor != to_minor(payment.amount, payment.currency):
        logger.error(
            "%s: gateway charge %s is for %s minor units, not %s",
            ledger_label(payment),
            result.id,
            result.amount_minor,
            payment.amount,
        )
    return payment_settle(
        payment=payment,
        status=_STATUS_FROM_GATEWAY[result.status],
        gateway_charge_id=result.id,
        decline_code=result.decline_code,
        on_success=on_success,
    )


def refund_settle(
    *, refund: Refund, succeeded: bool, gateway_refund_id: str = "", failure: str = ""
) -> Refund:
    """Settle a pending refund as accepted (``succeeded``, with the processor's refund id)
    or refused (``failed``, with ``failure``, the processor's reason) through
    ``ledger_settle`` (its row lock, ``Refund.TRANSITIONS``, atomic, idempotent). An
    accepted refund is recorded in the payer's activity."""

    def then(refund: Refund, _previous: str) -> None:
        if refund.status == Refund.Status.SUCCEEDED:
            payment = refund.payment
            message = event_message(
                gettext_noop("Refund of %(money)s for %(reference)s to %(method)s."),
                amount=str(refund.amount),
                currency=refund.currency,
                reference=payment.reference,
                method=payment.method_display,
            )
            ledger_event_record(
                refund, kind=WalletEvent.Kind.REFUND, actor=refund.created_by, message=message
            )

    return ledger_settle(
        refund,
        Refund.Status.SUCCEEDED if succeeded else Refund.Status.FAILED,
        fields={"gateway_refund_id": gateway_refund_id, "failure_message": failure[:255]},
        then=then,
    )
