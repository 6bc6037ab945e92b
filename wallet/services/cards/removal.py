"""A card leaves the wallet: removed by its owner, or disabled by support on a fraud report."""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from wallet import card_numbers as card_rules
from wallet.models import Card, WalletEvent
from wallet.services._common import (
    event_record,
    lock_user,
    security_notice_send,
    token_delete_on_commit,
)
from wallet.services.cards._shared import _default_promote_successor, _locked_card

logger = logging.getLogger("wallet.cards")


REMOVED_ADVICE = "If this wasn't you, change your password now and contact Bazaar support."


def card_remove(*, card: Card) -> Card:
    """Remove a card from its owner's wallet (soft: the row stays for past payments).

    If it was the default, the most recently used remaining card becomes the default.
    Records a ``WalletEvent``, deletes the gateway token and sends a security notice after
    commit. Atomic under the user lock; idempotent (removing a removed card does nothing).
    """
    with transaction.atomic():
        lock_user(card.owner)
        card = _locked_card(card)
        if card.removed_at is not None:
            return card
        was_default = card.is_default
        card.removed_at = timezone.now()
        card.is_default = False
        card.save(update_fields=["removed_at", "is_default", "updated_at"])
        event_record(
            user=card.owner,
            kind=WalletEvent.Kind.CARD_REMOVED,
            card=card,
            message=f"{card.display} was removed from your wallet.",
        )
        if was_default:
            _default_promote_successor(user=card.owner)
        token_delete_on_commit(card.gateway_token)
        security_notice_send(
            user=card.owner,
            subject="A card was removed from your Bazaar wallet",
            sentence=f"A card ending {card.last4} was removed from your wallet on {{when}}.",
            advice=REMOVED_ADVICE,
        )
    logger.info("wallet: user %s removed card %s", card.owner_id, card.pk)
    return card


def card_disable(*, card: Card, by, reason: str) -> Card:
    """Support's fraud action: the card leaves checkout and the wallet at once and can't
    be linked again by its owner; the owner gets a notice. ``by`` is the staff user.

    Atomic under the user lock; idempotent. If the card was the default, the most recently
    used remaining card becomes the default. The gateway token is kept for investigation.
    """
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": "Give a reason."})
    if card_rules.contains_card_number(reason):
        raise ValidationError({"reason": "Don't put card numbers in the reason."})
    with transaction.atomic():
        lock_user(card.owner)
        card = _locked_card(card)
        if card.disabled_at is not None:
            return card
        was_default = card.is_default
        card.disabled_at = timezone.now()
        card.disabled_by = by
        card.disabled_reason = reason[:255]
        card.is_default = False
        card.save(
            update_fields=[
                "disabled_at",
                "disabled_by",
                "disabled_reason",
                "is_default",
                "updated_at",
            ]
        )
        event_record(
            user=card.owner,
            kind=WalletEvent.Kind.CARD_DISABLED,
            card=card,
            actor=by,
            message=f"{card.display} was disabled by Bazaar support.",
        )
        if was_default and card.removed_at is None:
            _default_promote_successor(user=card.owner)
        security_notice_send(
            user=card.owner,
            subject="A card in your Bazaar wallet was disabled",
            sentence=(
                f"Our support team disabled the card ending {card.last4} in your wallet "
                "on {when}. It can no longer be used to pay."
            ),
            advice="If you didn't report a problem with this card, please contact support.",
        )
    logger.info("wallet: staff %s disabled card %s", getattr(by, "pk", None), card.pk)
    return card
