"""The money audit: for every order, what the processor holds, what the wallet's ledger
says and what the order's state promises must agree (``manage.py audit_money``).

Read-only: it asks the processor through the wallet (``wallet.services.ledger_audit``) and
writes nothing, so it can run at any time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from core.money import format_money
from shop.models import Order, OrderStatus, english_status
from wallet import selectors as wallet_selectors
from wallet import services as wallet_services
from wallet.exceptions import GatewayUnavailable


@dataclass
class MoneyAuditReport:
    orders: int = 0
    mismatches: list[str] = field(default_factory=list)
    in_flight: list[str] = field(default_factory=list)


def _expected_kept(order: Order) -> Decimal | None:
    """What the order's state says the shop holds for it (None: anything from nothing up to
    the payment, for a cancel whose refund is under way)."""
    if order.status in Order.KEEPS_PAYMENT:
        paid = order.paid_with
        if paid is None or not paid.is_succeeded:
            return Decimal("-1")  # a kept order with no succeeded payment: always a mismatch
        return paid.amount - wallet_selectors.payment_refunded_amount(payment=paid)
    if order.status == OrderStatus.REFUND_PENDING:
        return None
    return Decimal("0")


def _order_problems(order: Order) -> tuple[list[str], list[str]]:
    try:
        ledger = wallet_services.ledger_audit(reference=order.number)
    except GatewayUnavailable:
        return ["the processor could not be asked"], []
    problems = list(ledger.problems)
    currency = ledger.currency or order.currency
    money = lambda amount: format_money(amount, currency, language="en")  # noqa: E731
    if ledger.kept != ledger.processor_kept:
        problems.append(
            f"the ledger holds {money(ledger.kept)}, the processor {money(ledger.processor_kept)}"
        )
    expected = _expected_kept(order)
    status = english_status(order)
    if order.paid_with_id and order.paid_with.amount != order.total:
        problems.append(
            f"paid with {money(order.paid_with.amount)} for a {money(order.total)} order"
        )
    if expected is None:
        if not ledger.refund_pending and ledger.kept > 0:
            problems.append(
                f"{money(ledger.kept)} held for a cancelled order with no refund under way"
            )
        elif ledger.kept == 0:
            problems.append("refunded in full but still marked refund pending")
    elif expected < 0:
        problems.append(f"{status} but not paid by a succeeded payment")
    elif ledger.kept != expected and not ledger.open:
        problems.append(f"{status}: holds {money(ledger.kept)}, the order says {money(expected)}")
    return problems, ledger.open


def money_audit(*, numbers: Iterable[str] | None = None) -> MoneyAuditReport:
    """Audit every order (or those numbered ``numbers``); one line per mismatch, each
    starting with the order number."""
    report = MoneyAuditReport()
    orders = Order.objects.select_related("paid_with").order_by("id")
    if numbers is not None:
        orders = orders.filter(number__in=list(numbers))
    for order in orders.iterator(chunk_size=500):
        report.orders += 1
        problems, open_items = _order_problems(order)
        report.mismatches.extend(f"{order.number}: {problem}" for problem in problems)
        report.in_flight.extend(f"{order.number}: {item}" for item in open_items)
    return report
