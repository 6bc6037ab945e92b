"""Order reads: the shopper's history, one order with everything its page shows, and the
Way of payment choices. Query counts stay fixed whatever the number of rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import router, transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext

from core.pagination import head_counted
from core.sql import CompiledQuery, Rows
from shop.models import Order, OrderEvent, OrderLine, OrderStatus, ShippingAddress
from wallet import selectors as wallet_selectors

if TYPE_CHECKING:
    from accounts.models import User
    from wallet.models import Card, Payment, Refund


def _with_waiting_transfer(orders: QuerySet[Order]) -> QuerySet[Order]:
    """Annotate ``waiting_transfer`` (a bank transfer is awaited), which ``Order.overdue``
    reads."""
    return orders.annotate(
        waiting_transfer=Exists(
            wallet_selectors.bank_transfers_waiting(reference=OuterRef("number"))
        )
    )


def order_list_for_user(*, user: User | int) -> QuerySet[Order]:
    """The user's orders, newest first, with seller joined, the number of items and
    whether each waits for a bank transfer.

    The item count is a subquery per order shown, not a join grouped over every order the
    user has: a page of 10 then reads 10 orders off the (user, -created_at) index, and the
    paginator's count is a plain count, however long the history."""
    lines = (
        OrderLine.objects.filter(order=OuterRef("pk"))
        .order_by()
        .values("order")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return _with_waiting_transfer(
        Order.objects.filter(user=user)
        .select_related("seller")
        .annotate(line_count=Coalesce(Subquery(lines), 0))
        .order_by("-created_at", "-id")
    )


def order_rows_for_user(*, user: User) -> Rows:
    """``order_list_for_user`` as the Your orders page reads its first page and counts it
    (up to ``core.pagination.HEAD_COUNT_CAP`` + 1 orders, ``head_counted``): by SQL
    compiled once per process (``core.pagination.page_head_first``)."""
    return Rows(_order_list, owner=user.pk)


def orders_placed_since(*, since: datetime) -> QuerySet[Order]:
    """Orders placed since ``since``, newest first, with customer and seller joined."""
    return (
        Order.objects.filter(created_at__gte=since)
        .select_related("user", "seller")
        .order_by("-created_at", "-id")
    )


def order_latest_from_seller(*, user: User, seller_slug: str) -> Order | None:
    """The user's newest order from the seller with that slug placed no longer ago than an
    order may wait for payment (``ORDER_PAYMENT_TIMEOUT_MINUTES``), if any: what an order
    page that is empty now was for."""
    since = timezone.now() - timedelta(minutes=settings.ORDER_PAYMENT_TIMEOUT_MINUTES)
    return (
        Order.objects.filter(user=user, seller__slug=seller_slug, created_at__gte=since)
        .select_related("seller")
        .order_by("-created_at", "-id")
        .first()
    )


def orders_needing_settlement() -> QuerySet[Order]:
    """Orders whose money disagrees with their ledger, for the reconcile job: a cancel
    waiting for its refund, a refund the processor has not answered, a succeeded payment on
    an order that doesn't keep it (waiting, cancelled, refunded, or a second payment), and
    a kept payment refunded in full on an order not yet marked refunded."""
    balance = wallet_selectors.payments_with_balance(reference=OuterRef("number"))
    keeps = Q(status__in=Order.KEEPS_PAYMENT)
    return Order.objects.filter(
        Q(status=OrderStatus.REFUND_PENDING)
        | Exists(wallet_selectors.refunds_pending(reference=OuterRef("number")))
        | (~keeps & Exists(balance))
        | (keeps & Exists(balance.exclude(pk=OuterRef("paid_with_id"))))
        | (keeps & ~Exists(balance.filter(pk=OuterRef("paid_with_id"))))
    ).order_by("id")


def order_get_for_user(*, user: User, number: str) -> Order:
    """One of the user's own orders by number; Http404 for anyone else's or a bad number."""
    order = (
        _with_waiting_transfer(Order.objects.filter(user=user, number=str(number)[:20]))
        .select_related("seller", "user", "paid_with")
        .first()
    )
    if order is None:
        raise Http404("No such order.")
    return order


@dataclass(frozen=True)
class OrderDetail:
    """An order as its page (and its letters) show it: the order, its lines and address,
    its timeline, and its payments with their refunds from the wallet's ledger."""

    order: Order
    lines: list[OrderLine]
    address: ShippingAddress | None
    events: list[OrderEvent]
    payments: list[Payment]

    @property
    def refunds(self) -> list[Refund]:
        return [refund for payment in self.payments for refund in payment.refunds.all()]

    @property
    def paid_payment(self) -> Payment | None:
        return next((p for p in self.payments if p.pk == self.order.paid_with_id), None)

    @property
    def order_refunded_amount(self) -> Decimal:
        paid = self.paid_payment
        if paid is None:
            return Decimal("0.00")
        return wallet_selectors.payment_refunded_amount(payment=paid)

    @property
    def is_partly_refunded(self) -> bool:
        """Some, not all, of the order's payment was given back (a cancelled order refunded
        in full is not "partly" refunded, whatever its status)."""
        paid = self.paid_payment
        if paid is None or self.order.status == OrderStatus.REFUNDED:
            return False
        return Decimal("0.00") < self.order_refunded_amount < paid.amount

    @property
    def waiting_bank_transfer(self) -> Payment | None:
        """The bank transfer the order waits for, if the shopper chose one."""
        return next((p for p in self.payments if p.is_bank_transfer and p.is_processing), None)

    @property
    def waiting_step_up(self) -> Payment | None:
        return next((p for p in reversed(self.payments) if p.is_waiting_for_step_up), None)

    @property
    def processing_payment(self) -> Payment | None:
        """The card payment the processor has not answered for yet, if any: the shopper
        sees "Your payment is being processed" and no second Pay."""
        return next((p for p in self.payments if not p.is_bank_transfer and p.is_processing), None)

    @property
    def can_be_cancelled_by_shopper(self) -> bool:
        """The order page offers **Cancel order**: paid and not shipped yet (a full
        refund), or waiting for payment (nothing is charged; the stock returns) with no
        card payment the processor is still deciding, since cancelling would have to wait
        for its answer."""
        if self.order.status == OrderStatus.PAID:
            return True
        return self.order.status == OrderStatus.PENDING_PAYMENT and self.processing_payment is None

    @property
    def pending_refunds(self) -> list[Refund]:
        return [r for r in self.refunds if r.is_pending]

    @property
    def refused_refunds(self) -> list[Refund]:
        """Refunds the processor refused whose money is still held: support's Retry refund
        sends them again."""
        owed = {
            p.pk for p in self.payments if wallet_selectors.payment_refundable_amount(payment=p)
        }
        return [r for r in self.refunds if r.is_failed and r.payment_id in owed]

    @property
    def is_overdue(self) -> bool:
        return self.order.is_overdue(waiting_bank_transfer=self.waiting_bank_transfer is not None)


_DETAIL_JOINS = ("seller", "user", "shipping_address", "paid_with")
# What an order's letters show of it besides its lines: read with the order when it is
# locked for the change the letter reports (``order_set_status``).
ORDER_LETTER_JOINS = _DETAIL_JOINS


def order_get_detail(*, order_id: int) -> OrderDetail:
    """Everything the order page shows, in a fixed number of queries. The order carries
    ``waiting_transfer`` like the list's (for ``Order.overdue``)."""
    return _detail(Order.objects.select_related(*_DETAIL_JOINS).get(pk=order_id))


def order_get_detail_for_user(*, user: User, number: str) -> OrderDetail:
    """``order_get_detail`` for one of the user's own orders, by number, found and loaded
    in the same query; Http404 for anyone else's or a bad number.

    The shopper's order page shows less than support's: the order is read with its seller
    and address only (the owner is ``user``, the paying payment is among ``payments``),
    the timeline without who made each change, and payments without their card (a
    payment keeps its card's brand and last 4 digits). Fewer joined columns is most of
    what the page's queries cost."""
    # The order with its lines (one query: each line joins the order, its seller and its
    # address) and its timeline, by SQL compiled once per process (core.sql): the page is
    # a shopper's most visited after the catalog's.
    number = str(number)[:20]
    lines = _shoppers_order_lines.all(owner=user.pk, number=number)
    if lines:
        order = lines[0].order
        for line in lines[1:]:
            OrderLine.order.field.set_cached_value(line, order)
    else:  # an order always has lines; read it alone all the same
        order = _shoppers_order.first(owner=user.pk, number=number)
        if order is None:
            raise Http404("No such order.")
    order.user = user
    return _detail(
        order,
        lines=lines,
        events=_order_events.all(order=order.pk),
        payments=wallet_selectors.payments_shown_for_reference(reference=order.number),
    )


# Stand-ins the shopper's order page lookups are compiled with (core.sql.CompiledQuery).
_OWNER, _NUMBER, _ORDER = -424244, "\x00number", -424245


def _shoppers_order_query(alias: str):
    # Numbers are unique: no ORDER BY to pick the one row.
    query = (
        Order.objects.filter(user=_OWNER, number=_NUMBER)
        .select_related("seller", "shipping_address")
        .order_by()
    )
    return query, {"owner": _OWNER, "number": _NUMBER}


def _shoppers_order_lines_query(alias: str):
    lines = (
        OrderLine.objects.filter(order__user=_OWNER, order__number=_NUMBER)
        .select_related("order__seller", "order__shipping_address")
        .order_by("id")
    )
    return lines, {"owner": _OWNER, "number": _NUMBER}


def _order_events_query(alias: str):
    return OrderEvent.objects.filter(order=_ORDER).order_by("created_at", "id"), {"order": _ORDER}


_order_list = CompiledQuery(
    "shopper's orders",
    Order,
    lambda alias: (
        head_counted(order_list_for_user(user=_OWNER)),
        {"owner": _OWNER},
    ),
)
_shoppers_order = CompiledQuery("shopper's order", Order, _shoppers_order_query)
_shoppers_order_lines = CompiledQuery(
    "shopper's order lines", OrderLine, _shoppers_order_lines_query
)
_order_events = CompiledQuery("order events", OrderEvent, _order_events_query)


def _order_fresh_query(alias: str):
    return Order.objects.select_related("user", "paid_with__card").filter(pk=_ORDER), {
        "order": _ORDER
    }


def _order_locked_query(alias: str):
    # Only the order's row is locked; the rows joined to it are read as they are.
    locked = (
        Order.objects.select_for_update(of=("self",))
        .select_related(*ORDER_LETTER_JOINS)
        .filter(pk=_ORDER)
    )
    return locked, {"order": _ORDER}


def _order_lines_query(alias: str):
    return OrderLine.objects.filter(order=_ORDER).order_by("id"), {"order": _ORDER}


# The money services read an order several times a payment (before paying, to settle it,
# to lock it for a status move): compiled once, each read is a query's round trip alone.
_order_fresh = CompiledQuery("order as it is now", Order, _order_fresh_query)
_order_locked = CompiledQuery("order locked for a change", Order, _order_locked_query)
_order_lines = CompiledQuery("order lines", OrderLine, _order_lines_query)


def order_get_fresh(*, order_id: int) -> Order:
    """The order as the database has it now, with its customer and the payment that paid
    it (and that payment's card). Raises ``Order.DoesNotExist``."""
    order = _order_fresh.first(order=order_id, using=router.db_for_write(Order))
    if order is None:
        raise Order.DoesNotExist(f"There is no order {order_id}.")
    return order


def order_get_locked(*, order_id: int) -> Order:
    """Inside the caller's transaction: the order's row locked (``FOR UPDATE`` of the order
    alone) and read with what its letters show (``ORDER_LETTER_JOINS``). Raises
    ``Order.DoesNotExist``, and ``RuntimeError`` outside a transaction (a lock would end
    with the statement)."""
    using = router.db_for_write(Order)
    if not transaction.get_connection(using).in_atomic_block:
        raise RuntimeError("Lock an order inside the transaction that changes it.")
    order = _order_locked.first(order=order_id, using=using)
    if order is None:
        raise Order.DoesNotExist(f"There is no order {order_id}.")
    return order


def order_letter_detail(*, order: Order) -> OrderDetail:
    """What an order's letters show: the order with its seller, customer, ship-to address
    and payment (``ORDER_LETTER_JOINS``), its lines, and the payment that paid it (its
    refunds read when a letter asks). The timeline is left out: no letter shows it. Uses
    the order as given when it comes with those joins loaded, else reads it; the lines
    are one query, none for an order as placing it left it (``placed_lines``, the lines
    it was placed with, in order)."""
    if not all(order._meta.get_field(name).is_cached(order) for name in ORDER_LETTER_JOINS):
        order = Order.objects.select_related(*ORDER_LETTER_JOINS).get(pk=order.pk)
    lines = getattr(order, "placed_lines", None)
    if lines is None:
        lines = _order_lines.all(order=order.pk, using=router.db_for_write(Order))
    for line in lines:
        line.order = order  # as order.lines.all() gives them
    return OrderDetail(
        order=order,
        lines=lines,
        address=getattr(order, "shipping_address", None),
        events=[],
        payments=[order.paid_with] if order.paid_with is not None else [],
    )


def _detail(order: Order, *, lines=None, events=None, payments=None) -> OrderDetail:
    if events is None:
        events = order.events.select_related("actor").order_by("created_at", "id")
    if payments is None:
        payments = wallet_selectors.payments_for_reference(reference=order.number)
    detail = OrderDetail(
        order=order,
        lines=list(order.lines.all()) if lines is None else lines,
        address=getattr(order, "shipping_address", None),
        events=list(events),
        payments=list(payments),
    )
    order.waiting_transfer = detail.waiting_bank_transfer is not None
    if order.paid_with_id is not None and not Order.paid_with.is_cached(order):
        paid = detail.paid_payment
        if paid is not None:
            order.paid_with = paid
    return detail


def order_card_saved_by_payment(*, order: Order) -> Card | None:
    """The card the order's payment saved in the wallet (Save card ticked), if it did: the
    payment's card joined the wallet with that payment. Reads nothing when ``order`` comes
    with its payment and that payment's card loaded (``order_settle_money`` returns it so)."""
    loaded = order._meta.get_field("paid_with").is_cached(order) and (
        order.paid_with is None
        or order.paid_with._meta.get_field("card").is_cached(order.paid_with)
    )
    if not loaded:
        order = Order.objects.filter(pk=order.pk).select_related("paid_with__card").first()
    paid = order.paid_with
    if paid is None or paid.card is None or paid.card.created_at < paid.created_at:
        return None
    return paid.card


# Brands whose badge is shorter than their name (``CardChoice.badge``; both ways of payment
# print it: the order page's and the payment page's, shop/_card_label.html).
CARD_BADGES = {"mastercard": "MC", "unionpay": "UPAY", "discover": "DISC"}


@dataclass(frozen=True)
class CardChoice:
    """A saved card as a Way of payment option."""

    card: Card

    @property
    def value(self) -> str:
        return f"card-{self.card.pk}"

    @property
    def label(self) -> str:
        return gettext("%(card)s, expires %(expiry)s") % {
            "card": self.card.display,
            "expiry": self.card.expiry_display,
        }

    @property
    def is_expired(self) -> bool:
        return self.card.is_expired

    @property
    def badge(self) -> str:
        """The brand as the card badge prints it ("VISA", "MC")."""
        return CARD_BADGES.get(self.card.brand, self.card.brand.upper())


def card_choices_for_user(*, user: User) -> list[CardChoice]:
    """The user's usable saved cards, default first (expired ones included, marked), read
    by SQL compiled once per process (the order and payment pages ask on every view)."""
    return [CardChoice(card=card) for card in wallet_selectors.card_list_shown_for_user(user=user)]
