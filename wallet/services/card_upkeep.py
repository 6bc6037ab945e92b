"""Cards that keep themselves up to date: expiry reminders, and the new details issuers send
for cards they reissue (like Visa Account Updater and Mastercard ABU).

Both run from the scheduled jobs (``send_card_expiry_reminders``,
``update_cards_from_issuers``) and are safe to run as often as wanted: a reminder goes out
once per card and expiry, and an issuer's update is applied once (asking again reports the
same details, which change nothing). A removed or disabled card is never touched.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from core.security_log import security_event
from wallet import card_numbers
from wallet.gateways import get_gateway
from wallet.gateways.base import CardUpdate
from wallet.models import EXPIRES_SOON_DAYS, Card, WalletEvent, event_message
from wallet.services.notices import card_notice_send

logger = logging.getLogger("wallet")

UPDATES_BATCH = 500


def _expiry_key(card: Card) -> str:
    return f"{card.exp_month:02d}/{card.exp_year}"


def card_expiry_reminders_send(*, today: date | None = None) -> int:
    """Write to the owner of every usable card that expires within ``EXPIRES_SOON_DAYS``
    (and hasn't yet) — "Your Visa •••• 4242 expires at the end of December" — once per card
    and expiry: the card is claimed with a conditional update before the letter is queued,
    so two runs at once send one letter. Returns how many letters were queued."""
    today = today or timezone.localdate()
    sent = 0
    candidates = Card.objects.active().select_related("owner").order_by("id")
    for card in candidates.iterator(chunk_size=UPDATES_BATCH):
        if card.is_expired or card.expires_on > today + timedelta(days=EXPIRES_SOON_DAYS):
            continue
        key = _expiry_key(card)
        if card.expiry_reminded_for == key:
            continue
        with transaction.atomic():
            claimed = (
                Card.objects.active()
                .filter(pk=card.pk)
                .exclude(expiry_reminded_for=key)
                .update(expiry_reminded_for=key)
            )
            if claimed:
                card_notice_send(card=card, notice="expiring")
                sent += 1
    logger.info("wallet: %s card expiry reminders queued", sent)
    return sent


@dataclass
class CardUpdatesReport:
    """What one run of ``card_updates_apply`` did."""

    applied: list[Card] = field(default_factory=list)
    skipped: str = ""


def card_updates_apply() -> CardUpdatesReport:
    """Ask the gateway for issuers' updates to every usable saved card and apply them
    (``card_apply_issuer_update``). A gateway that can't report updates is skipped (the
    report says so). Raises ``GatewayUnavailable`` when the gateway can't be asked."""
    gateway = get_gateway()
    report = CardUpdatesReport()
    if not gateway.supports_card_updates:
        report.skipped = f"{type(gateway).__name__} can't report card updates"
        logger.info("wallet: card updates skipped: %s", report.skipped)
        return report
    cards = Card.objects.active().order_by("id")
    tokens = list(cards.values_list("gateway_token", flat=True))
    for start in range(0, len(tokens), UPDATES_BATCH):
        batch = tokens[start : start + UPDATES_BATCH]
        by_token = {card.gateway_token: card for card in cards.filter(gateway_token__in=batch)}
        for update in gateway.card_updates(tokens=batch):
            card = by_token.get(update.token)
            if card is not None and card_apply_issuer_update(card=card, update=update):
                report.applied.append(card)
    return report


def card_apply_issuer_update(*, card: Card, update: CardUpdate) -> bool:
    """Apply an issuer's new details (expiry; for a new number, last 4 and fingerprint) to
    ``card``, with an activity line "Card updated by your bank" and a security notice.
    Returns whether anything changed: a removed or disabled card, or one already up to
    date, is left alone. Atomic under the card's row lock."""
    with transaction.atomic():
        card = Card.objects.select_for_update(of=("self",)).select_related("owner").get(pk=card.pk)
        if not card.is_active:
            return False
        new = (update.exp_month, update.exp_year, update.last4, update.fingerprint)
        if new == (card.exp_month, card.exp_year, card.last4, card.fingerprint):
            return False
        if card_numbers.is_expired(update.exp_month, update.exp_year):
            logger.warning("wallet: card %s: issuer update already expired; ignored", card.pk)
            return False
        old_last4 = card.last4
        card.exp_month, card.exp_year, card.last4, card.fingerprint = new
        try:
            with transaction.atomic():
                card.save(update_fields=["exp_month", "exp_year", "last4", "fingerprint"])
        except IntegrityError:  # the owner already holds the new card: keep both as they are
            logger.warning("wallet: card %s: the reissued card is already in the wallet", card.pk)
            return False
        if update.reason == "new_number":
            message = event_message(
                gettext_noop(
                    "Card updated by your bank: your card ending %(old_last4)s was replaced by "
                    "%(card)s, expires %(expiry)s."
                ),
                old_last4=old_last4,
                card=card.display,
                expiry=card.expiry_display,
            )
        else:
            message = event_message(
                gettext_noop("Card updated by your bank: %(card)s now expires %(expiry)s."),
                card=card.display,
                expiry=card.expiry_display,
            )
        WalletEvent.objects.create(
            user=card.owner, kind=WalletEvent.Kind.CARD_REISSUED, card=card, **message
        )
        card_notice_send(card=card, notice="updated_by_bank", old_last4=old_last4)
        security_event(
            "card.issuer_update",
            user=card.owner,
            outcome="success",
            object_id=card.pk,
            reason=update.reason,
        )
    logger.info("wallet: card %s updated by its issuer (%s)", card.pk, update.reason)
    return True
