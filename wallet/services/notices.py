"""Card letters: the security notice a shopper gets when a card joins or leaves their wallet
or their bank updates it, and the reminder before a card expires.

The text names the card by brand and last 4 digits only and links to the shopper's cards
by their absolute address. Letters are written to the outbox (``core.letters``) with the
change and sent by a worker after the commit: a failure to send one is retried there,
never raised here, so a notice never undoes the change it reports.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import dateformat, timezone, translation
from django.utils.translation import gettext, gettext_lazy

from accounts.models import User
from core.letters import letter_enqueue
from core.links import absolute_url
from wallet.models import Card

logger = logging.getLogger("wallet")


@dataclass(frozen=True)
class Notice:
    """One kind of letter. ``sentence`` may use ``{last4}``, ``{card}`` ("Visa •••• 4242"),
    ``{expires}`` ("December 2026"), ``{when}`` and whatever the caller adds."""

    subject: str
    sentence: str
    advice: str


NOTICES = {
    "linked": Notice(
        subject=gettext_lazy("A card was added to your Bazaar wallet"),
        sentence=gettext_lazy("A card ending {last4} was linked to your wallet on {when}."),
        advice=gettext_lazy(
            "If this wasn't you, change your password now, remove the card from your "
            "wallet and contact Bazaar support."
        ),
    ),
    "removed": Notice(
        subject=gettext_lazy("A card was removed from your Bazaar wallet"),
        sentence=gettext_lazy("A card ending {last4} was removed from your wallet on {when}."),
        advice=gettext_lazy(
            "If this wasn't you, change your password now and contact Bazaar support."
        ),
    ),
    "disabled": Notice(
        subject=gettext_lazy("A card in your Bazaar wallet was disabled"),
        sentence=gettext_lazy(
            "Our support team disabled the card ending {last4} in your wallet on "
            "{when}. It can no longer be used to pay."
        ),
        advice=gettext_lazy(
            "If you didn't report a problem with this card, please contact support."
        ),
    ),
    "expiring": Notice(
        subject=gettext_lazy("A card in your Bazaar wallet expires soon"),
        sentence=gettext_lazy("Your {card} expires at the end of {expires}."),
        advice=gettext_lazy(
            "When your bank sends the new card, update its expiry in your wallet (Edit), "
            "or add the new card, so your next order goes through. If your bank updates the card "
            "for you, we will let you know."
        ),
    ),
    "updated_by_bank": Notice(
        subject=gettext_lazy("Your bank updated a card in your Bazaar wallet"),
        sentence=gettext_lazy(
            "On {when} your bank sent us new details for your card ending {old_last4}: "
            "it is now your {card}, expiring at the end of {expires}."
        ),
        advice=gettext_lazy(
            "You don't need to do anything. If you don't recognise this, contact your bank "
            "and Bazaar support."
        ),
    ),
}


def card_notice_send(*, card: Card, notice: str, **details: str) -> None:
    """Queue the letter ``notice`` (a key of ``NOTICES``) about ``card`` to its owner, sent
    once the transaction commits (at once outside one); ``details`` fill the sentence's
    other fields. Never raises for a failed send (the outbox retries it)."""
    user: User = card.owner
    text = NOTICES[notice]
    # Written in the owner's language (dates too: "30 November 2026", "30 ноября 2026").
    with translation.override(user.language):
        # Translators: a date format (Django's date filter syntax) for the time a card changed.
        when = dateformat.format(timezone.localtime(), gettext(r"j E Y \a\t H:i T"))
        expires = dateformat.format(card.expires_on, "E Y")
        subject = str(text.subject)
        body = render_to_string(
            "wallet/emails/security_notice.txt",
            {
                "user": user,
                "sentence": str(text.sentence).format(
                    last4=card.last4, card=card.display, expires=expires, when=when, **details
                ),
                "advice": str(text.advice),
                "cards_url": absolute_url(reverse("wallet:card-list")),
            },
        )
    letter_enqueue(to=user.email, subject=subject, body=body)
