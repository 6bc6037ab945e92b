"""Read-side queries for the wallet, with related rows already joined or prefetched."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db.models import (
    Count,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from accounts.models import User
from core.pagination import head_counted
from core.ratelimit import ratelimit_count
from core.sql import CompiledQuery, Rows
from wallet.models import (
    CARD_RECENT_FIRST,
    GIVEN_UP_CODES,
    LATE_CAPTURE_LOOKBACK,
    OPEN_CARD_STATUSES,
    BlockedCard,
    Card,
    Payment,
    PaymentMethod,
    PaymentStatus,
    Refund,
    RefundStatus,
    WalletAccount,
    WalletEvent,
)


def wallet_account_for_user(*, user: User) -> WalletAccount | None:
    """The user's wallet, confirmed or not; ``None`` before the first visit."""
    # A user has at most one (one-to-one): no ORDER BY needed to pick it, unlike first().
    return next(iter(WalletAccount.objects.filter(user=user)[:1]), None)


# The stand-in owner id the per-page lookups below are compiled with (core.sql).
_OWNER = -424243


def _wallet_of(alias: str):
    return WalletAccount.objects.filter(user=_OWNER).only("id", "confirmed_at"), {"owner": _OWNER}


_wallet_confirmation = CompiledQuery("wallet confirmed", WalletAccount, _wallet_of)


def wallet_is_confirmed_for_user(*, user: User) -> bool:
    """Whether the user has a wallet and confirmed it: for pages that need to know no
    more (one column read, by SQL compiled once per process: the cards and activity
    pages ask on every view)."""
    account = _wallet_confirmation.first(owner=user.pk)
    return account is not None and account.confirmed_at is not None


def card_list_for_user(*, user: User) -> QuerySet[Card]:
    """The user's usable cards (not removed, not disabled): default first, then most
    recently used, then newest."""
    return Card.objects.active().filter(owner=user).order_by("-is_default", *CARD_RECENT_FIRST)


def _cards_of(alias: str):
    return card_list_for_user(user=_OWNER), {"owner": _OWNER}


_user_cards = CompiledQuery("wallet cards", Card, _cards_of)


def card_list_shown_for_user(*, user: User) -> list[Card]:
    """``card_list_for_user``'s cards, in its order, by SQL compiled once per process (the
    cards page lists them on every view)."""
    return _user_cards.all(owner=user.pk)


def card_get_for_user(*, user: User, card_id: int | str) -> Card:
    """One of the user's usable cards. Raises ``Card.DoesNotExist`` for another user's,
    a removed or a disabled card, so views answer 404 alike (``get_object_or_404``-style)."""
    return card_list_for_user(user=user).get(pk=card_id)


def card_is_removed_for_user(*, user: User, card_id: int | str) -> bool:
    """Whether ``card_id`` is one of the user's own cards that they removed (another user's
    card, or one that never existed, is ``False``)."""
    return Card.objects.filter(owner=user, pk=card_id, removed_at__isnull=False).exists()


def card_default_for_user(*, user: User) -> Card | None:
    """The user's default card, if they have a usable one."""
    return card_list_for_user(user=user).filter(is_default=True).first()


def card_count_for_user(*, user: User) -> int:
    """How many usable cards the user has (at most ``WALLET_MAX_CARDS``)."""
    return Card.objects.active().filter(owner=user).count()


def payments_for_reference(*, reference: str) -> QuerySet[Payment]:
    """Every attempt to pay for a reference (order number), oldest first, with card and
    refunds loaded."""
    return (
        Payment.objects.filter(reference=reference)
        .select_related("card")
        .prefetch_related(Prefetch("refunds", queryset=Refund.objects.order_by("created_at")))
        .order_by("created_at", "id")
    )


def payments_shown_for_reference(*, reference: str) -> list[Payment]:
    """``payments_for_reference`` as the shopper's order page shows them: with refunds, but
    without the card row (a payment keeps the brand and last 4 digits it was made with).

    By SQL compiled once per process (the page is a shopper's most visited after the
    catalog's): the payments, each saying whether it has refunds; then, if any has, every
    refund of the reference (``_with_refunds``)."""
    return _with_refunds(_reference_payments.all(reference=reference), reference)


def payments_settled_for_reference(*, reference: str) -> list[Payment]:
    """``payments_for_reference`` (card and refunds loaded) as a list, by SQL compiled
    once: one query when no payment has refunds, as after a purchase, where the order is
    settled with its ledger (``shop.services.order_settle_money``); two when one has."""
    return _with_refunds(_reference_payments_with_cards.all(reference=reference), reference)


def _with_refunds(payments: list[Payment], reference: str) -> list[Payment]:
    """``payments`` (of ``reference``, read with ``has_refunds``) each with its refunds,
    oldest first, as ``prefetch_related("refunds")`` would give them
    (``payment.refunds.all()`` reads nothing); they are read only if one has any."""
    refunds: dict[int, list[Refund]] = {payment.pk: [] for payment in payments}
    if any(payment.has_refunds for payment in payments):
        for refund in _reference_refunds.all(reference=reference):
            refunds[refund.payment_id].append(refund)
    for payment in payments:
        shown = payment.refunds.all()  # the relation's own queryset, filter included
        for refund in refunds[payment.pk]:
            Refund.payment.field.set_cached_value(refund, payment)
        shown._result_cache, shown._prefetch_done = refunds[payment.pk], True
        payment._prefetched_objects_cache = {"refunds": shown}
    return payments


_REFERENCE = "\x00reference"


def _reference_payments_query(alias: str):
    payments = (
        Payment.objects.filter(reference=_REFERENCE)
        .annotate(has_refunds=Exists(Refund.objects.filter(payment=OuterRef("pk"))))
        .order_by("created_at", "id")
    )
    return payments, {"reference": _REFERENCE}


def _reference_refunds_query(alias: str):
    refunds = Refund.objects.filter(payment__reference=_REFERENCE).order_by("created_at", "id")
    return refunds, {"reference": _REFERENCE}


def _reference_payments_with_cards_query(alias: str):
    payments, stand_ins = _reference_payments_query(alias)
    return payments.select_related("card"), stand_ins


_reference_payments = CompiledQuery("payments of a reference", Payment, _reference_payments_query)
_reference_payments_with_cards = CompiledQuery(
    "payments of a reference with their cards", Payment, _reference_payments_with_cards_query
)
_reference_refunds = CompiledQuery("refunds of a reference", Refund, _reference_refunds_query)


def payment_refunded_amount(*, payment: Payment) -> Decimal:
    """What has been refunded (succeeded refunds only). Uses the payment's prefetched
    refunds when it has them (``payments_for_reference`` does), else one query."""
    return sum((r.amount for r in payment.refunds.all() if r.is_succeeded), Decimal("0"))


def payment_refundable_amount(*, payment: Payment) -> Decimal:
    """What can still be refunded: the amount of a succeeded payment minus refunds made or
    pending. Zero for payments that didn't succeed. Uses prefetched refunds like
    ``payment_refunded_amount``. The one place this amount is computed."""
    if not payment.is_succeeded:
        return Decimal("0")
    taken = sum((r.amount for r in payment.refunds.all() if not r.is_failed), Decimal("0"))
    return payment.amount - taken


def refund_exists_for_key(*, idempotency_key: str) -> bool:
    """Whether a refund was already asked for under this key (a form sent twice)."""
    return Refund.objects.filter(idempotency_key=idempotency_key).exists()


def activity_for_user(*, user: User, kind: str | None = None) -> QuerySet[WalletEvent]:
    """The user's payment activity, newest first; ``kind`` filters to one
    ``WalletEvent.Kind``."""
    events = WalletEvent.objects.filter(user=user).select_related(
        "card", "payment", "refund", "actor"
    )
    if kind:
        events = events.filter(kind=kind)
    return events.order_by("-created_at", "-id")


# What a line of the Payment activity page reads (wallet.templatetags.wallet_tags).
_EVENT_SHOWN = (
    "user",
    "kind",
    "payment",
    "amount",
    "currency",
    "message",
    "message_id",
    "message_args",
    "actor",
    "created_at",
)
_PAYMENT_SHOWN = ("reference", "method", "card_brand", "card_last4")


def activity_shown_for_user(
    *, user: User | int, kinds: Iterable[str] = ()
) -> QuerySet[WalletEvent]:
    """``activity_for_user`` as the Payment activity page shows it, newest first, ``kinds``
    (if any) filtering it: each line names its payment's order and card, so the payment is
    joined; the card, refund and actor rows are not (the page tells support's lines apart
    by ``actor_id`` alone), which keeps the query light to build; of the payment only the
    columns a line shows (its order number and way of payment) are read."""
    events = (
        WalletEvent.objects.filter(user=user)
        .select_related("payment")
        .only(*_EVENT_SHOWN, *(f"payment__{name}" for name in _PAYMENT_SHOWN))
    )
    if kinds:
        events = events.filter(kind__in=kinds)
    return events.order_by("-created_at", "-id")


# One compiled query per filter of the Payment activity page (a handful, fixed by its view).
_activity_queries: dict[tuple[str, ...], CompiledQuery] = {}


def activity_rows_for_user(*, user: User, kinds: Iterable[str] = ()) -> Rows:
    """``activity_shown_for_user`` as the Payment activity page reads its first page and
    counts it (up to ``core.pagination.HEAD_COUNT_CAP`` + 1 events, ``head_counted``): by
    SQL compiled once per process and filter (``core.pagination.page_head_first``)."""
    kinds = tuple(kinds)
    query = _activity_queries.get(kinds)
    if query is None:
        query = _activity_queries[kinds] = CompiledQuery(
            f"activity {kinds}",
            WalletEvent,
            lambda alias: (
                head_counted(activity_shown_for_user(user=_OWNER, kinds=kinds)),
                {"owner": _OWNER},
            ),
        )
    return Rows(query, owner=user.pk)


def payment_open_for_reference(*, reference: str) -> Payment | None:
    """The reference's one open card payment (processing, or waiting for the shopper's
    step-up), if any. The database allows at most one."""
    return (
        Payment.objects.select_related("card")
        .filter(reference=reference, method=PaymentMethod.CARD, status__in=OPEN_CARD_STATUSES)
        .first()
    )


def payments_with_balance(*, reference: str | OuterRef) -> QuerySet[Payment]:
    """Succeeded payments for ``reference`` (a number or an ``OuterRef``) with money neither
    refunded nor being refunded: what the shop keeps, or must give back."""
    return _with_taken(
        Payment.objects.filter(reference=reference, status=PaymentStatus.SUCCEEDED)
    ).filter(amount__gt=F("taken"))


def _with_taken(payments: QuerySet[Payment]) -> QuerySet[Payment]:
    """``payments`` annotated ``taken``: their refunds made or pending."""
    taken = (
        Refund.objects.filter(
            payment=OuterRef("pk"), status__in=(RefundStatus.PENDING, RefundStatus.SUCCEEDED)
        )
        .values("payment")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    zero = Value(Decimal("0"), output_field=DecimalField(max_digits=12, decimal_places=2))
    return payments.annotate(taken=Coalesce(Subquery(taken), zero))


def payments_open_or_with_balance(*, reference: str) -> tuple[Payment | None, Payment | None]:
    """``(open, paid)`` for a reference, read in one query (one snapshot, so a payment
    that settles meanwhile is seen as one or the other): its one open card payment
    (``payment_open_for_reference``) and the first succeeded payment with money left
    (``payments_with_balance``), each None if there is none."""
    open_card = Q(method=PaymentMethod.CARD, status__in=OPEN_CARD_STATUSES)
    rows = list(
        _with_taken(Payment.objects.select_related("card").filter(reference=reference))
        .filter(open_card | Q(status=PaymentStatus.SUCCEEDED, amount__gt=F("taken")))
        .order_by("pk")
    )
    return (
        next((p for p in rows if p.method == PaymentMethod.CARD and p.is_pending), None),
        next((p for p in rows if p.status == PaymentStatus.SUCCEEDED), None),
    )


def refunds_pending(*, reference: str | OuterRef) -> QuerySet[Refund]:
    """Refunds for ``reference`` (a number or an ``OuterRef``) the processor has not
    accepted or refused yet."""
    return Refund.objects.filter(payment__reference=reference, status=RefundStatus.PENDING)


def bank_transfers_waiting(*, reference: str | OuterRef) -> QuerySet[Payment]:
    """Bank transfers for ``reference`` (a number or an ``OuterRef``) that staff have not
    marked received yet."""
    return Payment.objects.filter(
        reference=reference, method=PaymentMethod.BANK_TRANSFER, status=PaymentStatus.PROCESSING
    )


def bank_transfers_called_off(*, reference: str) -> QuerySet[Payment]:
    """Bank transfers for ``reference`` no longer awaited and never received: called off
    (the order was paid another way or cancelled)."""
    return Payment.objects.filter(reference=reference, method=PaymentMethod.BANK_TRANSFER).exclude(
        status__in=(PaymentStatus.PROCESSING, PaymentStatus.SUCCEEDED)
    )


def payments_needing_reconciliation() -> QuerySet[Payment]:
    """Card payments the processor may know more about than the ledger: open ones
    (processing after a lost answer, or waiting for step-up), and those we gave up on for
    want of an answer in the last ``LATE_CAPTURE_LOOKBACK`` (a late capture is recorded and
    given back). ``payment_reconcile`` leaves alone what may still be in flight."""
    given_up = Q(
        status=PaymentStatus.FAILED,
        decline_code__in=GIVEN_UP_CODES,
        settled_at__gte=timezone.now() - LATE_CAPTURE_LOOKBACK,
    )
    return Payment.objects.filter(
        Q(status__in=OPEN_CARD_STATUSES) | given_up, method=PaymentMethod.CARD
    ).order_by("created_at", "id")


def card_attempt_needs_captcha(*, user: User) -> bool:
    """Whether the user's next card attempt must pass the CAPTCHA: several cards were
    declined in the last hour (``wallet.services.card_attempts``). Reads the shared cache."""
    return ratelimit_count(card_declines_key(user)) >= settings.CARD_DECLINES_BEFORE_CAPTCHA


def card_declines_key(user: User) -> str:
    """The shared-cache counter of the user's card declines in the last hour."""
    return f"card:declines:user:{user.pk}"


def payments_awaiting_staff(*, answer_lost_before: datetime | None = None) -> QuerySet[Payment]:
    """Bank transfers waiting for staff to confirm receipt, card payments waiting for the
    shopper's step-up authentication and, with ``answer_lost_before``, card payments still
    processing whose last request is older than that (the processor's answer was lost:
    support's Check with processor); oldest first, with the payer joined."""
    waiting = Q(method=PaymentMethod.BANK_TRANSFER, status=PaymentStatus.PROCESSING) | Q(
        status=PaymentStatus.REQUIRES_ACTION
    )
    if answer_lost_before is not None:
        waiting |= Q(
            method=PaymentMethod.CARD,
            status=PaymentStatus.PROCESSING,
            updated_at__lt=answer_lost_before,
        )
    return Payment.objects.filter(waiting).select_related("user").order_by("created_at", "id")


def payments_failed_since(*, since: datetime) -> QuerySet[Payment]:
    """Payments that failed since ``since``, newest first, with the payer joined and
    ``order_paid_later`` (another payment for the same reference succeeded)."""
    succeeded = Payment.objects.filter(
        reference=OuterRef("reference"), status=PaymentStatus.SUCCEEDED
    )
    return (
        Payment.objects.filter(status=PaymentStatus.FAILED, updated_at__gte=since)
        .annotate(order_paid_later=Exists(succeeded))
        .select_related("user")
        .order_by("-updated_at", "-id")
    )


def card_blocks_for_user(*, user: User) -> QuerySet[BlockedCard]:
    """Active fraud blocks on cards this user has held (saved now or before): support's
    alert line on the customer's page. One query."""
    fingerprints = Card.objects.filter(owner=user).values("fingerprint")
    return (
        BlockedCard.objects.filter(fingerprint__in=fingerprints, lifted_at__isnull=True)
        .select_related("blocked_by")
        .order_by("-created_at", "-id")
    )


# ------------------------------------------------------------ support's dashboard


def payment_daily_stats(*, since: datetime) -> list[dict]:
    """Payments created since ``since``, counted and summed per local day, status,
    currency and decline code: ``{"day", "status", "currency", "decline_code", "count",
    "total"}`` rows. One query, however many payments (grouped in the database)."""
    day = TruncDate("created_at", tzinfo=timezone.get_current_timezone())
    return list(
        Payment.objects.filter(created_at__gte=since)
        .annotate(day=day)
        .values("day", "status", "currency", "decline_code")
        .annotate(count=Count("id"), total=Sum("amount"))
        .order_by()
    )


def refund_daily_stats(*, since: datetime) -> list[dict]:
    """Refunds created since ``since`` per local day, status and currency, counted and
    summed. One query."""
    day = TruncDate("created_at", tzinfo=timezone.get_current_timezone())
    return list(
        Refund.objects.filter(created_at__gte=since)
        .annotate(day=day)
        .values("day", "status", "currency")
        .annotate(count=Count("id"), total=Sum("amount"))
        .order_by()
    )


def card_link_daily_stats(*, since: datetime) -> list[dict]:
    """Cards linked since ``since`` per local day (``{"day", "count"}``). One query."""
    day = TruncDate("created_at", tzinfo=timezone.get_current_timezone())
    return list(
        Card.objects.filter(created_at__gte=since)
        .annotate(day=day)
        .values("day")
        .annotate(count=Count("id"))
        .order_by()
    )
