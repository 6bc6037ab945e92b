"""Card-testing defences: every place a card number meets the processor asks here first.

A card tester runs stolen numbers through a shop's "add a card" and "pay" forms to find the
live ones. So every card attempt (linking a card, paying with a new card or saving it at
checkout, answering a step-up) is counted before the processor hears of it, and refused
with ``RateLimited`` (a 429 page saying when to try again) past any of:

- ``CARD_ATTEMPTS_PER_10_MINUTES`` and ``CARD_ATTEMPTS_PER_DAY`` per account;
- ``CARD_ATTEMPTS_PER_ADDRESS_HOUR`` per client address (as the login lockout sees it:
  ``TRUSTED_PROXY_COUNT``, so a forged X-Forwarded-For changes nothing);
- ``CARD_NEW_LINKS_PER_DAY`` new cards linked per account (removing a card and adding it
  again counts again).

After ``CARD_DECLINES_BEFORE_CAPTCHA`` declines in an hour the next attempt needs the
CAPTCHA (``CaptchaRequired`` until the caller passes ``human_verified``). A card support
disabled is blocked by fingerprint for every account (``card_blocked``). Every refusal and
decline goes to the security log with its exact reason; the shopper sees one plain message.

Counters live in the shared cache (Redis when configured); the new-card count and the
blocks live in the database.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import cache
from django.db import router
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from core.ratelimit import RateLimited, ratelimit_enforce, ratelimit_hit
from core.security_log import client_address, current_request, security_event
from core.sql import CompiledQuery
from wallet.exceptions import CaptchaRequired, PaymentDeclined
from wallet.models import BlockedCard, Card, WalletEvent
from wallet.selectors import card_attempt_needs_captcha, card_declines_key

if TYPE_CHECKING:
    from accounts.models import User

DAY = 24 * 60 * 60
DECLINE_WINDOW = 60 * 60


def card_attempt_begin(*, user: User, kind: str, human_verified: bool = False) -> None:
    """Count one card attempt of ``kind`` (``link``, ``pay``, ``step_up``) before the
    processor is called. Raises ``CaptchaRequired`` when it is due and not passed,
    ``RateLimited`` past a limit; either way nothing is sent to the processor."""
    if not human_verified and card_attempt_needs_captcha(user=user):
        security_event("card.attempt", user=user, outcome="refused", reason="captcha_required")
        raise CaptchaRequired()
    address = client_address(current_request.get())
    limits = [
        (
            f"card:user:{user.pk}:10m",
            settings.CARD_ATTEMPTS_PER_10_MINUTES,
            10 * 60,
            gettext("You have tried several cards in a short time."),
        ),
        (
            f"card:user:{user.pk}:day",
            settings.CARD_ATTEMPTS_PER_DAY,
            DAY,
            gettext("You have tried too many cards today. If you need help, contact support."),
        ),
    ]
    if address:
        limits.append(
            (
                f"card:ip:{address}:hour",
                settings.CARD_ATTEMPTS_PER_ADDRESS_HOUR,
                60 * 60,
                gettext("Too many card attempts from your network."),
            )
        )
    if kind == "pay":  # a new card on the payment page: its other ways are no card attempts
        still = gettext("You can still pay with a saved card or by bank transfer.")
        limits = [
            (key, limit, window, f"{message} {still}") for key, limit, window, message in limits
        ]
    for key, limit, window, message in limits:
        try:
            ratelimit_enforce(key, limit=limit, window_seconds=window, message=message)
        except RateLimited:
            security_event("card.attempt", user=user, outcome="rate_limited", kind=kind, limit=key)
            raise
    security_event("card.attempt", user=user, outcome="info", kind=kind)


def card_attempts_reset(*, user: User) -> None:
    """Forget the user's card-attempt counts (support, once they have checked with the
    customer; the new-card count and any card blocks stay)."""
    cache.delete_many(
        [
            f"ratelimit:{key}"
            for key in (
                f"card:user:{user.pk}:10m",
                f"card:user:{user.pk}:day",
                card_declines_key(user),
            )
        ]
    )


def card_attempt_declined(*, user: User, kind: str, code: str) -> None:
    """Count a declined card attempt (for the CAPTCHA) and log its exact reason."""
    ratelimit_hit(card_declines_key(user), limit=10**6, window_seconds=DECLINE_WINDOW)
    security_event("card.attempt", user=user, outcome="declined", kind=kind, reason=code)


def card_new_link_check(*, user: User) -> None:
    """Refuse a new card for a wallet that linked ``CARD_NEW_LINKS_PER_DAY`` in the last
    day (``RateLimited``, saying when the next one may be added)."""
    since = timezone.now() - timedelta(seconds=DAY)
    linked = list(
        WalletEvent.objects.filter(
            user=user, kind=WalletEvent.Kind.CARD_LINKED, created_at__gte=since
        )
        .order_by("created_at")
        .values_list("created_at", flat=True)[: settings.CARD_NEW_LINKS_PER_DAY]
    )
    if len(linked) < settings.CARD_NEW_LINKS_PER_DAY:
        return
    retry_after = int((linked[0] + timedelta(seconds=DAY) - timezone.now()).total_seconds())
    security_event("card.link", user=user, outcome="rate_limited", reason="new_cards_per_day")
    raise RateLimited(
        ngettext(
            "You can add at most %(count)d new card a day. Please try again tomorrow.",
            "You can add at most %(count)d new cards a day. Please try again tomorrow.",
            settings.CARD_NEW_LINKS_PER_DAY,
        )
        % {"count": settings.CARD_NEW_LINKS_PER_DAY},
        retry_after=max(retry_after, 60),
    )


def card_blocked(*, fingerprint: str) -> BlockedCard | None:
    """The active block on this card, if support disabled it anywhere. Read-only."""
    return BlockedCard.objects.filter(fingerprint=fingerprint, lifted_at__isnull=True).first()


def cards_with_block(cards: QuerySet[Card]) -> QuerySet[Card]:
    """``cards`` each annotated ``active_block_id``: the id of the active block on its
    fingerprint (support disabled it anywhere), or None; read in the cards' own query.
    ``card_refuse_block`` refuses one that has it."""
    blocks = BlockedCard.objects.filter(fingerprint=OuterRef("fingerprint"), lifted_at__isnull=True)
    return cards.annotate(active_block_id=Subquery(blocks.values("pk")[:1]))


# A charge reads its saved card once, as it is now (``card_get_with_block``): compiled once.
_CARD = -424246  # the stand-in card key
_card_with_block = CompiledQuery(
    "saved card with its block",
    Card,
    lambda alias: (cards_with_block(Card.objects.filter(pk=_CARD)), {"card": _CARD}),
)


def card_get_with_block(*, card_id: int) -> Card | None:
    """The card as it is now, annotated as ``cards_with_block`` annotates it, or None."""
    return _card_with_block.first(card=card_id, using=router.db_for_write(Card))


def card_refuse_block(*, user: User, block_id: int | None, kind: str) -> None:
    """Refuse a card under the active block ``block_id`` (None: not blocked, nothing
    happens) before the processor hears of it: a plain decline for the shopper
    (``PaymentDeclined`` coded ``blocked_card``), the block in the security log."""
    if block_id is None:
        return
    security_event("card.attempt", user=user, outcome="blocked", kind=kind, object_id=block_id)
    raise PaymentDeclined(code="blocked_card")


def card_refuse_if_blocked(*, user: User, fingerprint: str, kind: str) -> None:
    """``card_refuse_block`` for the card with this fingerprint (one read)."""
    block = card_blocked(fingerprint=fingerprint)
    card_refuse_block(user=user, block_id=block.pk if block else None, kind=kind)
