"""The ledger held against the processor's own records, one reference at a time.

``ledger_audit`` is read-only: it asks the processor for every charge it holds for a
reference (``PaymentGateway.list_charges``) and compares them, payment by payment, with the
wallet's ledger rows. The shop's ``audit_money`` command adds the order's side.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from core.money import format_money, from_minor, to_minor
from wallet.gateways import get_gateway
from wallet.models import Payment, PaymentMethod, PaymentStatus, RefundStatus, settle_window
from wallet.selectors import payments_for_reference


@dataclass
class LedgerAudit:
    """What one reference's money looks like from both sides.

    ``kept`` is what the ledger says we hold (succeeded payments minus succeeded refunds);
    ``processor_kept`` what the processor holds (captured minus refunded, plus bank
    transfers, which only the ledger knows). ``open`` lists payments and refunds still
    waiting for an answer inside the settle window; ``problems`` every disagreement and
    everything left open past the window.
    """

    reference: str
    currency: str = ""
    kept: Decimal = Decimal("0")
    processor_kept: Decimal = Decimal("0")
    payments: list[Payment] = field(default_factory=list)
    open: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def refund_pending(self) -> bool:
        return any(
            refund.status == RefundStatus.PENDING
            for payment in self.payments
            for refund in payment.refunds.all()
        )


def _money(minor: int, currency: str) -> str:
    return format_money(from_minor(minor, currency), currency, language="en")


def ledger_audit(*, reference: str) -> LedgerAudit:
    """Compare the ledger for ``reference`` with the processor's records. Raises
    ``GatewayUnavailable`` when the processor can't be asked."""
    audit = LedgerAudit(reference=reference)
    audit.payments = list(payments_for_reference(reference=reference))
    charges = {
        charge.idempotency_key: charge for charge in get_gateway().list_charges(reference=reference)
    }
    for payment in audit.payments:
        currency = audit.currency = payment.currency
        refunds = list(payment.refunds.all())
        refunded = sum(
            (r.amount for r in refunds if r.status == RefundStatus.SUCCEEDED), Decimal("0")
        )
        pending = sum((r.amount for r in refunds if r.status == RefundStatus.PENDING), Decimal("0"))
        label = f"payment {payment.pk} ({payment.method_display}, {payment.get_status_display()})"
        if payment.status == PaymentStatus.SUCCEEDED:
            audit.kept += payment.amount - refunded
        for refund in refunds:
            if refund.status == RefundStatus.PENDING:
                money = format_money(refund.amount, currency, language="en")
                note = f"refund {refund.pk} of {money} pending"
                if refund.updated_at and _past_window(refund.updated_at):
                    audit.problems.append(f"{note} past the settle window")
                else:
                    audit.open.append(note)
        if payment.method == PaymentMethod.BANK_TRANSFER:
            if payment.status == PaymentStatus.SUCCEEDED:
                audit.processor_kept += payment.amount - refunded
            continue
        if payment.is_pending:
            if payment.status == PaymentStatus.PROCESSING and not payment.may_be_in_flight():
                audit.problems.append(f"{label} still processing past the settle window")
            else:
                audit.open.append(f"{label} waiting for the processor or the shopper")
        charge = charges.pop(payment.idempotency_key, None)
        captured = charge.amount_minor if charge is not None and charge.captured else 0
        given_back = charge.amount_refunded_minor if charge is not None else 0
        audit.processor_kept += from_minor(captured - given_back, currency)
        if payment.is_pending:
            continue
        succeeded = payment.status == PaymentStatus.SUCCEEDED
        expected = to_minor(payment.amount, currency) if succeeded else 0
        if captured != expected:
            audit.problems.append(
                f"{label}: the processor captured {_money(captured, currency)}, the ledger "
                f"says {_money(expected, currency)}"
            )
        low, high = to_minor(refunded, currency), to_minor(refunded + pending, currency)
        if not low <= given_back <= high:
            audit.problems.append(
                f"{label}: the processor refunded {_money(given_back, currency)}, the ledger "
                f"says {format_money(refunded, currency, language='en')}"
                + (
                    f" (+{format_money(pending, currency, language='en')} pending)"
                    if pending
                    else ""
                )
            )
    for charge in charges.values():
        held = (charge.amount_minor if charge.captured else 0) - charge.amount_refunded_minor
        audit.currency = audit.currency or charge.currency
        audit.processor_kept += from_minor(held, charge.currency)
        if held:
            audit.problems.append(
                f"processor charge {charge.id} holds {_money(held, charge.currency)} with no "
                "payment in the ledger"
            )
    return audit


def _past_window(when) -> bool:
    return timezone.now() - when >= settle_window()
