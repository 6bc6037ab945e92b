"""Helpers for the card services: the default-card moves and the locked re-read.

Callers hold the user lock (``lock_user``) before calling any of these.
"""

from __future__ import annotations

from wallet.models import CARD_RECENT_FIRST, Card, WalletEvent
from wallet.services._common import event_record


def _default_set(*, user, card: Card) -> None:
    """Make ``card`` the only default (caller holds the user lock)."""
    Card.objects.filter(owner=user, is_default=True).exclude(pk=card.pk).update(is_default=False)
    if not card.is_default:
        card.is_default = True
        card.save(update_fields=["is_default", "updated_at"])


def _default_promote_successor(*, user) -> Card | None:
    """After the default card left, make the most recently used active card the default
    (by last use, then newest linked). Caller holds the user lock."""
    successor = Card.objects.active().filter(owner=user).order_by(*CARD_RECENT_FIRST).first()
    if successor is not None:
        _default_set(user=user, card=successor)
        event_record(
            user=user,
            kind=WalletEvent.Kind.DEFAULT_CHANGED,
            card=successor,
            message=f"{successor.display} is now your default card.",
        )
    return successor


def _locked_card(card: Card) -> Card:
    """``card`` re-read under its row lock, with its owner."""
    return Card.objects.select_for_update(of=("self",)).select_related("owner").get(pk=card.pk)
