"""Payments: charge a saved or new card, step-up, bank transfer, cancel, reconcile.

Split by sub-domain: ``charge`` (saved and new cards), ``step_up``, ``bank_transfer``,
``reconcile`` (timeouts and abandoned payments) and ``_ledger`` (opening and settling the
``Payment`` row, shared by all). Import the services from ``wallet.services``.

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
``PaymentCanceled``, ``PaymentInProgress`` (another card payment for the reference is still
open: nothing was charged), ``PaymentAlreadySucceeded`` (the open one turned out paid).
Do not call these services inside an outer ``transaction.atomic``:
the attempt must be committed before the gateway is called so its record survives.

Log lines (logger ``wallet.payments``) start with the payment reference (the order number).
"""

from wallet.services.payments.bank_transfer import (
    payment_mark_bank_transfer_received,
    payment_start_bank_transfer,
)
from wallet.services.payments.charge import payment_charge_card, payment_charge_new_card
from wallet.services.payments.reconcile import (
    payment_cancel,
    payment_reconcile,
    payment_resolve_open,
)
from wallet.services.payments.step_up import payment_confirm_step_up

__all__ = [
    "payment_cancel",
    "payment_charge_card",
    "payment_charge_new_card",
    "payment_confirm_step_up",
    "payment_mark_bank_transfer_received",
    "payment_reconcile",
    "payment_resolve_open",
    "payment_start_bank_transfer",
]
