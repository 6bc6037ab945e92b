"""Wallet services: the only way other code changes the wallet, its cards or its money.
Import them from here, never from a module below::

    from wallet.services import card_link, payment_charge_card, payment_refund

One flat module per sub-domain:

- ``account``: creating the wallet and confirming it by a signed letter;
- ``cards``: linking, updating, removing and disabling saved cards;
- ``card_attempts``: the card-testing defences every card attempt goes through;
- ``card_upkeep``: expiry reminders and issuers' updates to saved cards;
- ``payments``: charging a saved or new card, and the step-up that may follow;
- ``bank_transfers``: recording a transfer and marking it received;
- ``open_payments``: asking the processor about an open payment, clearing the way for a
  new attempt, calling one off (``payment_reconcile``, ``payment_cancel``);
- ``refunds``: giving money back, and sending a pending refund again;
- ``ledger``: how every payment and refund moves money, below;
- ``audit``: the ledger held against the processor's records (read-only);
- helpers with one job each: ``inputs`` (the ``clean_*`` input rules), ``events`` (the
  payment activity rows), ``notices`` (security-notice letters).

**How money moves.** A payment or a refund is a ledger row, and every one moves the same
way (``ledger``):

1. record the attempt: insert the row (``processing``, ``pending``) and commit. Its
   ``idempotency_key`` is unique, so a second request with the same key gets the same row;
2. call the processor with that key and no row lock held;
3. lock the row again (``select_for_update``) and settle it through its own transition
   table (``Payment.TRANSITIONS``, ``Refund.TRANSITIONS``), recording a ``WalletEvent``.
   Settling twice with the same result is a no-op.

A retry with the same key replays a settled row's outcome, or sends an open one again (the
processor's own idempotency returns the first result). A lost answer leaves the row open:
a retry, ``payment_reconcile`` or ``refund_reconcile`` settles it, and nothing is declared
never received inside the settle window. A reference (order number) has at most one open
card payment. Do not call the services that reach the processor inside an outer
``transaction.atomic``: the attempt must be committed before the processor is called so
its record survives. (A saved-card charge for an order being placed is recorded in the
order's own transaction, ``payment_record_card_charge``, and sent once that commits,
``payment_charge_recorded``.) What each charge service returns or raises: ``payments``.
"""

from wallet.services.account import (
    LETTERS_PER_DAY,
    wallet_confirm,
    wallet_confirmation_resend,
    wallet_create,
)
from wallet.services.audit import LedgerAudit, ledger_audit
from wallet.services.bank_transfers import (
    payment_mark_bank_transfer_received,
    payment_start_bank_transfer,
)
from wallet.services.card_upkeep import (
    CardUpdatesReport,
    card_apply_issuer_update,
    card_expiry_reminders_send,
    card_updates_apply,
)
from wallet.services.cards import (
    card_block_lift,
    card_disable,
    card_link,
    card_remove,
    card_set_default,
    card_update,
)
from wallet.services.open_payments import (
    payment_cancel,
    payment_clear_the_way,
    payment_reconcile,
    payment_resolve_open,
)
from wallet.services.payments import (
    payment_charge_card,
    payment_charge_new_card,
    payment_charge_recorded,
    payment_confirm_step_up,
    payment_record_card_charge,
)
from wallet.services.refunds import payment_refund, refund_reconcile

__all__ = [
    "LETTERS_PER_DAY",
    "CardUpdatesReport",
    "LedgerAudit",
    "card_apply_issuer_update",
    "card_block_lift",
    "card_disable",
    "card_expiry_reminders_send",
    "card_link",
    "card_remove",
    "card_set_default",
    "card_update",
    "card_updates_apply",
    "ledger_audit",
    "payment_cancel",
    "payment_charge_card",
    "payment_charge_new_card",
    "payment_charge_recorded",
    "payment_clear_the_way",
    "payment_confirm_step_up",
    "payment_mark_bank_transfer_received",
    "payment_reconcile",
    "payment_record_card_charge",
    "payment_refund",
    "payment_resolve_open",
    "payment_start_bank_transfer",
    "refund_reconcile",
    "wallet_confirm",
    "wallet_confirmation_resend",
    "wallet_create",
]
