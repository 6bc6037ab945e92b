"""Saved cards: link, update, remove, make default, disable.

Split by sub-domain: ``link`` (link and attach), ``edit`` (details, default), ``removal``
(remove, disable by support). Import the services from ``wallet.services``.

Every change to a user's cards locks the user's row first (``lock_user``), so the card
limit, "one default per user" and "one active card per fingerprint" hold under concurrent
requests; the database constraints on ``Card`` back them up. Gateway calls happen outside
those transactions: tokenize before, token deletion after commit.
"""

from wallet.services.cards.edit import card_set_default, card_update
from wallet.services.cards.link import card_link
from wallet.services.cards.removal import card_disable, card_remove

__all__ = ["card_disable", "card_link", "card_remove", "card_set_default", "card_update"]
