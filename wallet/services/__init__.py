"""Wallet services: the only way other code changes cards or moves money.

Split by sub-domain (cards, payments, refunds); import from here::

    from wallet.services import card_link, payment_charge_card, payment_refund
"""

from wallet.services.audit import LedgerAudit, ledger_audit
from wallet.services.cards import (
    card_disable,
    card_link,
    card_remove,
    card_set_default,
    card_update,
)
from wallet.services.payments import (
    payment_cancel,
    payment_charge_card,
    payment_charge_new_card,
    payment_confirm_step_up,
    payment_mark_bank_transfer_received,
    payment_reconcile,
    payment_resolve_open,
    payment_start_bank_transfer,
)
from wallet.services.refunds import payment_refund, refund_reconcile

__all__ = [
    "LedgerAudit",
    "card_disable",
    "card_link",
    "card_remove",
    "card_set_default",
    "card_update",
    "ledger_audit",
    "payment_cancel",
    "payment_charge_card",
    "payment_charge_new_card",
    "payment_confirm_step_up",
    "payment_mark_bank_transfer_received",
    "payment_reconcile",
    "payment_refund",
    "payment_resolve_open",
    "payment_start_bank_transfer",
    "refund_reconcile",
]
