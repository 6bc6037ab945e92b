"""An order's money: applying payments, refunds, cancelling, and making the order agree
with the wallet's ledger.

Money moves only through ``wallet.services`` and no order row lock is ever held across a
processor call: the wallet call runs first, the order is locked afterwards.

``order_settle_money`` is the one place that brings an order and its ledger into line, and
it is idempotent: a succeeded payment pays a waiting order; any money the order must not
keep (a second payment, a late success on a cancelled or expired order, the payment of a
cancelled order) is refunded in full, once, under a fixed idempotency key; a pending refund
is sent again with its own key before anything else; an order whose refund the processor
accepted moves on (refund pending -> cancelled, paid/shipped/delivered -> refunded).
Requests call it after every money movement and ``orders_reconcile`` (the
``reconcile_payments`` command) calls it for every order whose money disagrees, so a crash,
a timeout or a lost answer is finished by the next run. Log lines start with the order
number.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import translation

from core.audit import AuditAction, audit_reason, is_staff_actor
from core.money import format_money
from core.text import one_line
from shop.exceptions import ActionAlreadyDone, CancelOvertaken, IllegalOrderTransition
from shop.models import Order, OrderStatus, english_status
from shop.selectors.orders import order_get_fresh, orders_needing_settlement
from shop.services.order_emails import order_email_on_commit
from shop.services.orders import order_audit, order_event_note, order_set_status
from wallet import selectors as wallet_selectors
from wallet import services as wallet_services
from wallet.exceptions import (
    GatewayRequestError,
    GatewayUnavailable,
    IllegalPaymentTransition,
    RefundError,
    WalletError,
)

if TYPE_CHECKING:
    from accounts.models import User
    from wallet.models import Payment, Refund

logger = logging.getLogger("shop.orders")


# --------------------------------------------------------------------------- paying


def order_apply_payment(*, order: Order, payment: Payment, by: User | None = None) -> Order:
    """Apply a succeeded wallet payment to its order: a waiting order becomes paid with it.
    A payment the order can't keep (the order was paid another way, cancelled or expired)
    is refunded in full by ``order_settle_money``, which this ends in. Idempotent."""
    if not payment.is_succeeded:
        raise ValueError("Only a succeeded payment pays an order.")
    _order_pay_with(order=order, payment=payment, by=by)
    return order_settle_money(order=order)


def _order_pay_with(
    *, order: Order, payment: Payment, by: User | None = None, fresh: bool = False
) -> bool:
    """Pay a waiting order with ``payment`` (``order_set_status``, under the order lock;
    ``fresh`` as there). True if it did; False when the order was no longer waiting."""
    money = format_money(payment.amount, payment.currency, language="en")
    try:
        order_set_status(
            order=order,
            status=OrderStatus.PAID,
            by=by,
            reason=f"Paid {money} with {payment.method_display}.",
            paid_with=payment,
            fresh=fresh,
        )
    except IllegalOrderTransition:
        return False
    return True


def order_mark_bank_transfer_received(*, order: Order, by: User, reason: str = "") -> Order:
    """Staff confirm the shopper's bank transfer arrived: the payment succeeds (recording
    ``by``), the order is paid and staff's audit entry is written, in one transaction; then
    the order is settled with its ledger (``order_settle_money``: a transfer the order
    can't keep, because it was paid another way meanwhile, is given back). Raises
    ``IllegalOrderTransition`` when no transfer waits, and the wallet's
    ``IllegalPaymentTransition`` for one called off meanwhile (nothing changes then)."""
    transfer = wallet_selectors.bank_transfers_waiting(reference=order.number).first()
    if transfer is None:
        raise IllegalOrderTransition(
            f"Order {order.number} has no bank transfer waiting.", order=order
        )
    with transaction.atomic():
        payment = wallet_services.payment_mark_bank_transfer_received(payment=transfer, by=by)
        _order_pay_with(order=order, payment=payment, by=by)
        money = format_money(payment.amount, payment.currency, language="en")
        order_audit(
            order=order,
            by=by,
            action=AuditAction.BANK_TRANSFER_RECEIVED,
            reason=one_line(reason),
            summary=f"Bank transfer of {money} for {order.number} received.",
            payment_id=payment.pk,
            amount=str(payment.amount),
            currency=payment.currency,
        )
    return order_settle_money(order=order)


def order_check_payment(*, order: Order) -> Order:
    """Ask the processor about the order's open card payment (the shopper's "Check now",
    support's "Check with processor") and apply what it says. Returns the order, fresh;
    its open payment, if still unresolved, stays open. Never raises for gateway trouble."""
    wallet_services.payment_resolve_open(reference=order.number)
    return order_settle_money(order=order)


def order_check_with_processor(*, order: Order, by: User) -> Order:
    """Support's **Check with processor**: ask the processor about the order's open card
    payment by its idempotency key and settle it through the ledger (succeeded: the order
    is paid, and what it can't keep is given back; declined: it fails; no record while
    it may still be in flight: it stays open), then bring the order into line with its
    ledger (``order_settle_money``). No lock is held during the processor call.

    When ``by`` is staff, writes their audit entry with the outcome (payment status,
    amount, order status before and after) once the answer is settled; the settle itself
    is atomic under the payment's and the order's row locks. Idempotent: asking again
    about a settled payment changes nothing (and is recorded again). Raises
    ``IllegalOrderTransition`` when the order has no open card payment. Never raises for
    gateway trouble: the payment then stays open and the entry says so.
    """
    payment = wallet_selectors.payment_open_for_reference(reference=order.number)
    if payment is None or payment.is_bank_transfer:
        raise IllegalOrderTransition(
            f"Order {order.number} has no card payment waiting for the processor.", order=order
        )
    was = Order.objects.get(pk=order.pk).status
    settled = wallet_services.payment_resolve_open(reference=order.number) or payment
    order = order_settle_money(order=order, by=by)
    if is_staff_actor(by):
        money = format_money(settled.amount, settled.currency, language="en")
        # Stored text is English, whatever language the staff member reads the admin in.
        with translation.override("en"):
            payment_status = str(settled.get_status_display())
            was_shown = str(OrderStatus(was).label).lower()
        order_audit(
            order=order,
            by=by,
            action=AuditAction.PAYMENT_CHECK,
            reason="",
            summary=(
                f"Checked the {money} payment {settled.pk} with the processor: "
                f"{payment_status}. {order.number} was {was_shown}, "
                f"now {english_status(order)}."
            ),
            payment_id=settled.pk,
            payment_status=settled.status,
            amount=str(settled.amount),
            currency=settled.currency,
            previous_status=was,
        )
    return order


# ------------------------------------------------------------- settling the ledger


def _keeps(order: Order, payment: Payment) -> bool:
    """Whether the order keeps (what is left of) ``payment``."""
    return payment.pk == order.paid_with_id and order.status in Order.KEEPS_PAYMENT


def _give_back_key(order: Order, payment: Payment) -> str:
    if payment.pk == order.paid_with_id:
        return f"{order.number}:cancel"
    return f"{order.number}:extra:{payment.pk}"


def _give_back(order: Order, payment: Payment, left: Decimal) -> None:
    """Refund what is left of a payment the order must not keep, under a fixed key so a
    rerun never refunds twice. Gateway trouble leaves the refund pending (sent again by the
    next settle); a refusal leaves it failed for support's Retry refund."""
    is_cancel = payment.pk == order.paid_with_id
    key = _give_back_key(order, payment)
    if is_cancel:
        reason = f"Order {order.number} cancelled."
    else:
        reason = f"Order {order.number} was {english_status(order)} already."
    logger.warning(
        "%s: giving back %s of payment %s (%s)",
        order.number,
        format_money(left, payment.currency, language="en"),
        payment.pk,
        "cancelled order" if is_cancel else "money the order can't keep",
    )
    try:
        wallet_services.payment_refund(
            payment=payment, amount=left, reason=reason, idempotency_key=key
        )
    except GatewayUnavailable:
        logger.warning(
            "%s: refund of payment %s pending: processor unavailable", order.number, payment.pk
        )
        return
    except (RefundError, GatewayRequestError) as exc:
        logger.error("%s: refund of payment %s refused: %s", order.number, payment.pk, exc.message)
        return
    if not is_cancel:
        order_event_note(
            order=order,
            reason=f"Extra payment with {payment.method_display} refunded in full.",
        )


def _retry_pending_refunds(order: Order, pending: list[Refund]) -> list[Refund]:
    """Send every pending refund of the order (``pending``) again with its own key; returns
    those the processor has now accepted."""
    accepted = []
    for refund in pending:
        try:
            settled = wallet_services.refund_reconcile(refund=refund)
        except GatewayUnavailable:
            logger.warning(
                "%s: refund %s still pending: processor unavailable", order.number, refund.pk
            )
            continue
        if settled.is_succeeded:
            accepted.append(settled)
    return accepted


def _partial_refund_accepted(order: Order, refund: Refund) -> None:
    """A refund of part of the payment the order keeps went through: a timeline note and
    the shopper's letter (a full refund's letter goes with the move to refunded)."""
    if refund.payment_id != order.paid_with_id or order.status not in Order.KEEPS_PAYMENT:
        return
    if _fully_refunded(refund.payment):
        return
    money = format_money(refund.amount, refund.currency, language="en")
    order_event_note(
        order=order, reason=f"Partly refunded {money}: {refund.reason}", by=refund.created_by
    )
    order_email_on_commit(order=order, kind="refund", refund_id=refund.pk)


def _call_off_waiting_transfers(order: Order, payments: list[Payment] | None = None) -> None:
    """Call off the order's bank transfers still awaited (those among ``payments``, the
    order's ledger as just read, when given)."""
    if payments is None:
        waiting = list(wallet_selectors.bank_transfers_waiting(reference=order.number))
    else:
        waiting = [p for p in payments if p.is_bank_transfer and p.is_processing]
    for transfer in waiting:
        try:
            wallet_services.payment_cancel(payment=transfer)
        except IllegalPaymentTransition:
            # Received (support marked it) or called off since it was read: the order
            # follows from the ledger, which the caller reads again.
            logger.info("%s: transfer %s settled meanwhile", order.number, transfer.pk)


def _move(order: Order, *, to: str, reason: str, by: User | None = None) -> None:
    """``order_set_status`` that tolerates a concurrent settle having moved it first."""
    try:
        order_set_status(order=order, status=to, by=by, reason=reason)
    except IllegalOrderTransition:
        order.refresh_from_db()
        if order.status != to:
            raise


def order_settle_money(*, order: Order, by: User | None = None, fresh: bool = False) -> Order:
    """Bring ``order`` into line with the wallet's ledger (see the module docstring).

    Idempotent and safe to run at any time, from a request or the reconcile job, even
    twice at once (refunds are keyed; status moves are checked under the order lock).
    Never raises for processor trouble: what could not be done stays visible (a pending
    or failed refund) and the next run retries it. Returns the order, fresh.

    ``fresh``: ``order`` is as the caller's transaction that just moved it committed it
    (``order_set_status`` brings the move back to the caller's instance), with its
    customer and the payment that paid it: it is not read again first.
    """
    if not fresh:
        order = order_get_fresh(order_id=order.pk)
    # The ledger is read once; what follows reads it again only after changing something.
    payments = wallet_selectors.payments_settled_for_reference(reference=order.number)
    pending = [r for p in payments for r in p.refunds.all() if r.is_pending]
    if pending:
        for refund in _retry_pending_refunds(order, pending):
            _partial_refund_accepted(order, refund)
        payments = wallet_selectors.payments_settled_for_reference(reference=order.number)
    changed = bool(pending)
    succeeded = sorted((p for p in payments if p.is_succeeded), key=lambda p: (p.settled_at, p.pk))
    if order.status == OrderStatus.PENDING_PAYMENT and succeeded:
        _order_pay_with(order=order, payment=succeeded[0], by=by)
        order = order_get_fresh(order_id=order.pk)
        changed = True
    if order.status != OrderStatus.PENDING_PAYMENT:
        # Just paid: ask the ledger again, as a transfer may have been started meanwhile.
        _call_off_waiting_transfers(order, None if changed else payments)
        changed = changed or any(p.is_bank_transfer and p.is_processing for p in payments)
    for payment in succeeded:
        if _keeps(order, payment):
            continue
        left = wallet_selectors.payment_refundable_amount(payment=payment)
        # Once per key: a refund already made under it is pending (sent again above),
        # done, or refused (support decides with Retry refund).
        key = _give_back_key(order, payment)
        if left > 0 and not any(r.idempotency_key == key for r in payment.refunds.all()):
            _give_back(order, payment, left)
            changed = True
    if changed:
        order = order_get_fresh(order_id=order.pk)
        paid = order.paid_with
    else:  # nothing moved: the ledger as read (refunds loaded) says what is refunded
        paid = next((p for p in payments if p.pk == order.paid_with_id), order.paid_with)
    if paid is not None and _fully_refunded(paid):
        refunded = format_money(paid.amount, paid.currency, language="en")
        if order.status == OrderStatus.REFUND_PENDING:
            _move(order, to=OrderStatus.CANCELLED, by=by, reason=f"Refunded {refunded}.")
        elif order.status in Order.KEEPS_PAYMENT:
            _move(order, to=OrderStatus.REFUNDED, by=by, reason=f"Refunded {refunded} in full.")
    return order


def _fully_refunded(payment: Payment) -> bool:
    refunded = wallet_selectors.payment_refunded_amount(payment=payment)
    return payment.is_succeeded and refunded >= payment.amount


# ---------------------------------------------------------------- refunds, cancelling


def _refund_audit(
    order: Order,
    by: User | None,
    action: str,
    reason: str,
    summary: str,
    recorded: list[Refund] | None = None,
    shown: str = "",
) -> Callable[[Refund], None]:
    """The ``on_record`` hook of a staff refund: staff's audit entry, written in the
    transaction that records the refund (``summary`` formats ``money`` and ``number``;
    ``shown``, the customer's message when it differs from ``reason``, is quoted after
    it); each refund recorded is also appended to ``recorded``."""

    def record(refund: Refund) -> None:
        if recorded is not None:
            recorded.append(refund)
        text = summary.format(
            money=format_money(refund.amount, refund.currency, language="en"),
            number=order.number,
        )
        if shown:
            text = f'{text} The customer reads: "{shown}".'
        order_audit(
            order=order,
            by=by,
            action=action,
            reason=reason,
            summary=text,
            amount=str(refund.amount),
            currency=refund.currency,
            refund_id=refund.pk,
        )

    return record


def order_refund(
    *,
    order: Order,
    amount: Decimal,
    reason: str,
    by: User | None = None,
    idempotency_key: str | None = None,
    note: str = "",
) -> Order:
    """Refund ``amount`` (all or part of what is left) of a paid, shipped or delivered order.

    ``reason`` is the refund's reason, which the customer reads on their order page and in
    the letter; ``note`` is staff's internal note, kept only in the audit entry (which
    keeps the reason when there is no note).

    A refund that leaves nothing to refund moves the order to refunded once the processor
    has accepted it; a partial one leaves the status and, once accepted (now or by a later
    settle), adds a timeline note and tells the shopper. When ``by`` is staff, their audit
    entry is written in the transaction that records the refund, before the processor
    hears of it (``wallet.services.payment_refund``'s ``on_record``), so it is never lost
    whatever the processor does. The wallet call runs with no order lock held.

    ``idempotency_key`` makes the request once-only: a key already used (the same form sent
    twice) refunds nothing more, writes no second audit entry and raises
    ``ActionAlreadyDone``. Raises ``IllegalOrderTransition`` for an order in another state,
    and the wallet's ``RefundError``/``ValueError`` (a missing reason among them);
    ``GatewayUnavailable`` when the processor did not answer (the refund stays pending and
    is sent again by the reconcile job until it answers: don't repeat it).
    """
    if idempotency_key and wallet_selectors.refund_exists_for_key(idempotency_key=idempotency_key):
        # The wallet would only replay the first refund.
        raise ActionAlreadyDone(
            f"This refund on {order.number} was already made (the form was sent twice); "
            "nothing more was refunded."
        )
    order = order_get_fresh(order_id=order.pk)
    if order.status not in Order.KEEPS_PAYMENT or not order.paid_with_id:
        raise IllegalOrderTransition(
            f"Order {order.number} can't be refunded while {english_status(order)}.",
            order=order,
        )
    note = one_line(note)
    if is_staff_actor(by):
        reason = audit_reason(AuditAction.ORDER_REFUND, reason)
    recorded: list[Refund] = []
    record = _refund_audit(
        order,
        by,
        AuditAction.ORDER_REFUND,
        note or reason,
        "Refunded {money} on {number}.",
        recorded,
        shown=reason if note else "",
    )

    refund = wallet_services.payment_refund(
        payment=order.paid_with,
        amount=amount,
        reason=reason,
        by=by,
        idempotency_key=idempotency_key,
        on_record=record,
    )
    if recorded and refund.is_succeeded:
        _partial_refund_accepted(order, refund)
    return order_settle_money(order=order, by=by)


def order_retry_refund(*, order: Order, by: User, reason: str = "") -> list[Refund]:
    """Support's Retry refund: send again, under new keys, every refund the processor
    refused that the order still owes (a cancelled order's payment, money it can't keep,
    a staff refund on a kept payment: the refused amount, capped at what is left). Staff's
    audit entry for each new refund is written in the transaction that records it. Returns
    the new refunds. Raises ``IllegalOrderTransition`` when nothing was refused, and the
    wallet's ``RefundError``/``GatewayUnavailable``/``ValueError``."""
    order = order_get_fresh(order_id=order.pk)
    reason = one_line(reason)

    record = _refund_audit(
        order,
        by,
        AuditAction.ORDER_REFUND_RETRY,
        reason,
        "Retried a refused refund of {money} on {number}.",
    )

    made: list[Refund] = []
    for payment in wallet_selectors.payments_for_reference(reference=order.number):
        refused = [r for r in payment.refunds.all() if r.is_failed]
        left = wallet_selectors.payment_refundable_amount(payment=payment)
        if not refused or left <= 0:
            continue
        amount = left if not _keeps(order, payment) else min(refused[-1].amount, left)
        made.append(
            wallet_services.payment_refund(
                payment=payment,
                amount=amount,
                reason=reason or refused[-1].reason,
                by=by,
                idempotency_key=f"{order.number}:retry:{uuid.uuid4().hex}",
                on_record=record,
            )
        )
    if not made:
        raise IllegalOrderTransition(
            f"Order {order.number} has no refused refund to retry.", order=order
        )
    order_settle_money(order=order, by=by)
    return made


def _call_off_open_payment(order: Order, *, only_if_overdue: bool = False) -> Payment | None:
    """Before cancelling a waiting order: settle its open card payment (a step-up waiting
    is called off at the processor) and call off its bank transfers. Returns a payment that
    turned out succeeded (the order is then paid by it), else None. Raises
    ``GatewayUnavailable`` while a card payment's fate is unknown, and ``_NoLongerDue``
    (``only_if_overdue``, for expiry) when a bank transfer awaited gives the order its
    transfer wait: the transfers seen are the ones decided on and called off, so one
    started after this read is found by the cancel under the order's lock."""
    payment = wallet_services.payment_resolve_open(reference=order.number, cancel_step_up=True)
    if payment is not None and payment.is_pending:
        raise GatewayUnavailable(payment=payment)
    settled = order_settle_money(order=order)
    if settled.status != OrderStatus.PENDING_PAYMENT:
        return settled.paid_with
    transfers = list(wallet_selectors.bank_transfers_waiting(reference=order.number))
    if only_if_overdue and not settled.is_overdue(waiting_bank_transfer=bool(transfers)):
        raise _NoLongerDue
    _call_off_waiting_transfers(order, transfers)
    return None


class _StartedMeanwhile(Exception):
    """A payment for the order was started, or went through, after the call-off."""


class _NoLongerDue(Exception):
    """Expiring: a bank transfer started meanwhile keeps the order waiting for it."""


_CANCEL_WAITING_TRIES = 3


def _cancel_waiting(
    order: Order,
    *,
    by: User | None,
    reason: str,
    shown: str,
    was: str,
    was_shown: str,
    only_if_overdue: bool = False,
) -> Order | None:
    """``order_cancel`` for an order waiting for payment: cancelled with nothing paid, or
    None when it turned out paid (the caller cancels it as a paid one) or, with
    ``only_if_overdue``, is no longer due (a bank transfer was started meanwhile).

    What the order's payments are doing is settled first, with no lock held
    (``_call_off_open_payment``). Then, under the order's row lock, which a payment takes
    to check the order still waits before it goes anywhere
    (``shop.services.checkout._lock_waiting``), nothing may have started since: an open
    card payment is waited for (``GatewayUnavailable``); a transfer started or a payment
    that went through since sends the cancel round again, to call it off or apply it
    outside the lock (calling a transfer off takes its row lock, which support's Mark
    received takes before the order's). Raises ``CancelOvertaken`` when payments keep
    starting."""
    for _try in range(_CANCEL_WAITING_TRIES):
        try:
            if _call_off_open_payment(order, only_if_overdue=only_if_overdue) is not None:
                return None
        except _NoLongerDue:
            return None
        try:
            with transaction.atomic():
                locked = Order.objects.select_for_update().get(pk=order.pk)
                if locked.status != OrderStatus.PENDING_PAYMENT:
                    return None
                opened, paid = wallet_selectors.payments_open_or_with_balance(
                    reference=order.number
                )
                if opened is not None:
                    raise GatewayUnavailable(payment=opened)
                if (
                    paid is not None
                    or wallet_selectors.bank_transfers_waiting(reference=order.number).exists()
                ):
                    raise _StartedMeanwhile
                order_set_status(order=order, status=OrderStatus.CANCELLED, by=by, reason=shown)
                order_audit(
                    order=order,
                    by=by,
                    action=AuditAction.ORDER_CANCEL,
                    reason=reason,
                    summary=f"Cancelled {order.number} (was {was_shown}); nothing was paid.",
                    previous_status=was,
                )
            return order
        except _StartedMeanwhile:
            continue
    raise CancelOvertaken(
        f"Payments for {order.number} kept starting while it was being cancelled (the "
        "customer paying in another tab?), so it is not cancelled; a bank transfer it was "
        "waiting for may have been called off. Look at its payments before trying again.",
        order=order,
    )


def _cancel_summary(order: Order, *, left: Decimal, was: str, was_shown: str) -> str:
    """The audit summary of cancelling a paid order: what is given back (``left``)."""
    money = format_money(left, order.currency, language="en")
    if left < order.paid_with.amount:
        given_back = f"the {money} left of its payment is refunded"
    else:
        given_back = f"its payment of {money} is refunded in full"
    found = "; a payment found while cancelling had paid it" if was != OrderStatus.PAID else ""
    return f"Cancelled {order.number} (was {was_shown}{found}); {given_back}."


def order_cancel(
    *,
    order: Order,
    by: User | None = None,
    reason: str = "",
    message: str | None = None,
    only_if_overdue: bool = False,
) -> Order:
    """Cancel an order that has not shipped.

    Waiting for payment: its open card payment is settled through the processor first (a
    payment found succeeded pays the order, which is then cancelled as a paid one), its
    bank transfers are called off, the stock returns. Paid: the order moves to refund
    pending at once (it can no longer ship; the stock returns) and its payment is refunded
    in full under the key ``<number>:cancel``; it becomes cancelled when the processor
    accepts the refund, now or in a later run of the reconcile job. Refund pending: the
    pending refund is sent again with its own key (a second cancel never refunds twice,
    nor is it recorded again).

    ``message`` (when given) is what the customer reads on their order's timeline; the
    ``reason`` is then staff's internal note, kept only in the audit entry.

    ``only_if_overdue`` (expiry): only an order still waiting for payment past its
    deadline is cancelled; one paid meanwhile, or kept waiting by a bank transfer started
    meanwhile (even one started in the last moments before its card deadline, by a
    shopper who was shown the transfer's instructions), is returned as it is.

    When ``by`` is staff a reason is required (``ValueError`` before anything happens) and
    their audit entry is written in the transaction that moves the order (to cancelled, or
    to refund pending before its refund is sent), so it can't be lost.

    Returns the order: cancelled, or refund pending. Raises ``IllegalOrderTransition`` once
    shipped (or already closed), ``GatewayUnavailable`` when a waiting card payment's fate
    is unknown (the order is then unchanged) and ``CancelOvertaken`` (an
    ``IllegalOrderTransition``) when payments for a waiting order keep starting.
    """
    order = Order.objects.get(pk=order.pk)
    staff = is_staff_actor(by)
    reason = audit_reason(AuditAction.ORDER_CANCEL, reason) if staff else reason
    reason = reason or "Cancelled."
    shown = reason if message is None else (one_line(message) or "Cancelled.")
    was, was_shown = order.status, english_status(order)
    if only_if_overdue and order.status != OrderStatus.PENDING_PAYMENT:
        return order
    if order.status == OrderStatus.REFUND_PENDING:
        return order_settle_money(order=order, by=by)
    if order.status == OrderStatus.PENDING_PAYMENT:
        done = _cancel_waiting(
            order,
            by=by,
            reason=reason,
            shown=shown,
            was=was,
            was_shown=was_shown,
            only_if_overdue=only_if_overdue,
        )
        if done is not None:
            return done
        if only_if_overdue:
            return Order.objects.get(pk=order.pk)
    order = order_get_fresh(order_id=order.pk)
    if order.status != OrderStatus.PAID:
        raise IllegalOrderTransition(
            f"Order {order.number} can't be cancelled while {english_status(order)}.",
            order=order,
        )
    with transaction.atomic():
        order_set_status(order=order, status=OrderStatus.REFUND_PENDING, by=by, reason=shown)
        if staff:
            left = wallet_selectors.payment_refundable_amount(payment=order.paid_with)
            order_audit(
                order=order,
                by=by,
                action=AuditAction.ORDER_CANCEL,
                reason=reason,
                summary=_cancel_summary(order, left=left, was=was, was_shown=was_shown),
                previous_status=was,
                refund=str(left),
                currency=order.currency,
            )
    return order_settle_money(order=order, by=by)


# ------------------------------------------------------------------- reconciliation


@dataclass
class ReconcileReport:
    """What one run of ``orders_reconcile`` did, as lines for the command's output."""

    settled: list[str] = field(default_factory=list)
    still_waiting: list[str] = field(default_factory=list)
    orders: list[str] = field(default_factory=list)


def orders_reconcile() -> ReconcileReport:
    """The reconcile job: ask the processor about every open card payment (the wallet
    settles it: ``payment_reconcile``), then settle every order whose money disagrees with
    its ledger or has a refund pending (``order_settle_money`` sends pending refunds again
    with their keys). Safe to run while shoppers pay and as often as wanted."""
    report = ReconcileReport()
    for payment in wallet_selectors.payments_needing_reconciliation():
        try:
            settled = wallet_services.payment_reconcile(payment=payment)
        except GatewayUnavailable:
            settled = payment
        line = f"{settled.reference} payment {settled.pk}: {settled.get_status_display()}"
        if settled.is_pending:
            report.still_waiting.append(line)
        elif settled.status != payment.status:
            report.settled.append(line)
    for order in orders_needing_settlement():
        before = order.status
        try:
            after = order_settle_money(order=order).status
        except WalletError as exc:
            logger.error("%s: settling failed: %s", order.number, exc.code)
            report.still_waiting.append(f"{order.number}: {exc.code}")
            continue
        if after != before:
            report.orders.append(f"{order.number}: {before} -> {after}")
        if wallet_selectors.refunds_pending(reference=order.number).exists():
            report.still_waiting.append(f"{order.number}: refund pending")
    return report


__all__ = [
    "ReconcileReport",
    "order_apply_payment",
    "order_cancel",
    "order_check_payment",
    "order_check_with_processor",
    "order_mark_bank_transfer_received",
    "order_refund",
    "order_retry_refund",
    "order_settle_money",
    "orders_reconcile",
]
