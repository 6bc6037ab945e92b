"""Linking a card: verify it with the gateway, then store the token in the wallet.

``card_attach`` is shared with the payment services (saving a card after a payment); it is
not exported from ``wallet.services``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from accounts.models import PostalAddress
from wallet.card_numbers import CardData
from wallet.exceptions import CardBlocked, CardLimitReached
from wallet.gateways import get_gateway
from wallet.gateways.base import TokenResult
from wallet.models import Card, WalletEvent
from wallet.services._common import (
    clean_card_data,
    clean_nickname,
    clean_payment_address,
    event_record,
    lock_user,
    security_notice_send,
    token_delete_on_commit,
)
from wallet.services.cards._shared import _default_set

logger = logging.getLogger("wallet.cards")


LINKED_ADVICE = (
    "If this wasn't you, change your password now, remove the card from your wallet and "
    "contact Bazaar support."
)


def _linked_notice_send(*, user, card: Card) -> None:
    """The security notice for a card linked (or linked again) to ``user``'s wallet."""
    security_notice_send(
        user=user,
        subject="A card was added to your Bazaar wallet",
        sentence=f"A card ending {card.last4} was linked to your wallet on {{when}}.",
        advice=LINKED_ADVICE,
    )


def _link_precheck(*, user, fingerprint: str) -> None:
    """Refuse early (before any gateway call) what the locked check would refuse anyway."""
    same = Card.objects.filter(owner=user, fingerprint=fingerprint, removed_at__isnull=True)
    if same.filter(disabled_at__isnull=False).exists():
        raise CardBlocked()
    if same.exists():
        return
    if Card.objects.active().filter(owner=user).count() >= settings.WALLET_MAX_CARDS:
        raise CardLimitReached()


def card_attach(
    *,
    user,
    token: TokenResult,
    name_on_card: str,
    payment_address: dict[str, str],
    make_default: bool = False,
    nickname: str = "",
) -> tuple[Card, bool]:
    """Store a tokenized card in the user's wallet; ``(card, created)``.

    For callers that already hold a gateway token (card_link, saving a card after a
    payment); inputs must be clean. Must run inside a transaction: takes the user lock.
    The same card (by fingerprint) already active is updated with the new token, expiry,
    name and address instead of duplicated; its old token is deleted after commit.
    Raises ``CardBlocked`` (disabled by support) or ``CardLimitReached``; on any error the
    caller deletes the new token.
    """
    lock_user(user)
    now = timezone.now()
    existing = (
        Card.objects.select_for_update()
        .filter(owner=user, fingerprint=token.fingerprint, removed_at__isnull=True)
        .first()
    )
    if existing is not None and existing.disabled_at is not None:
        raise CardBlocked()
    if existing is not None:
        old_token = existing.gateway_token
        existing.gateway_token = token.token
        existing.exp_month = token.exp_month
        existing.exp_year = token.exp_year
        existing.name_on_card = name_on_card
        existing.payment_address = payment_address
        if nickname:
            existing.nickname = nickname
        existing.save()
        if make_default:
            _default_set(user=user, card=existing)
        if old_token != token.token:
            token_delete_on_commit(old_token)
        event_record(
            user=user,
            kind=WalletEvent.Kind.CARD_UPDATED,
            card=existing,
            message=f"{existing.display} was added again; its details were updated.",
        )
        _linked_notice_send(user=user, card=existing)
        logger.info("wallet: user %s re-linked card %s", user.pk, existing.pk)
        return existing, False

    if Card.objects.active().filter(owner=user).count() >= settings.WALLET_MAX_CARDS:
        raise CardLimitReached()
    has_default = Card.objects.active().filter(owner=user, is_default=True).exists()
    card = Card(
        owner=user,
        gateway_token=token.token,
        fingerprint=token.fingerprint,
        brand=token.brand,
        last4=token.last4,
        exp_month=token.exp_month,
        exp_year=token.exp_year,
        name_on_card=name_on_card,
        payment_address=payment_address,
        nickname=nickname,
        created_at=now,
    )
    card.save()
    if make_default or not has_default:
        _default_set(user=user, card=card)
    event_record(
        user=user,
        kind=WalletEvent.Kind.CARD_LINKED,
        card=card,
        message=f"{card.display} (expires {card.expiry_display}) was added to your wallet.",
    )
    _linked_notice_send(user=user, card=card)
    logger.info("wallet: user %s linked card %s (%s)", user.pk, card.pk, card.display)
    return card, True


@sensitive_variables("card_data")
def card_link(
    *,
    user,
    card_data: CardData,
    payment_address: Mapping[str, str] | PostalAddress,
    make_default: bool = False,
    nickname: str = "",
) -> tuple[Card, bool]:
    """Verify a card with the gateway and save it in the user's wallet; ``(card, created)``.

    - Dedupes by keyed fingerprint among the user's active cards: linking the same card
      again updates its expiry, name, address (and token) and returns ``created=False``.
    - The user's first card becomes the default; ``make_default`` makes this one default.
    - Records a ``WalletEvent`` and queues a security notice email (after commit; it names
      the card by its last 4 digits only).

    Atomicity: the gateway call (tokenize) runs first, outside any lock; the database
    changes then run in one transaction under the user lock. If that fails the new token
    is deleted. Not idempotent in the gateway sense (each call verifies the card again),
    but repeating it never creates a second card.

    Raises ``ValidationError`` (by field: number, expiry, cvc, name, address fields,
    nickname), ``CardLimitReached``, ``CardBlocked``, ``PaymentDeclined`` (the issuer
    refused the card; message safe to show), ``GatewayUnavailable``.
    """
    errors: dict = {}
    try:
        card_data = clean_card_data(card_data)
    except ValidationError as exc:
        errors.update(exc.error_dict)
    try:
        address = clean_payment_address(payment_address)
    except ValidationError as exc:
        errors.update(exc.error_dict)
    try:
        nickname = clean_nickname(nickname)
    except ValidationError as exc:
        errors.update(exc.error_dict)
    if errors:
        raise ValidationError(errors)
    _link_precheck(user=user, fingerprint=card_data.fingerprint)
    gateway = get_gateway()
    token = gateway.tokenize(card_data)
    try:
        with transaction.atomic():
            return card_attach(
                user=user,
                token=token,
                name_on_card=card_data.name,
                payment_address=address,
                make_default=make_default,
                nickname=nickname,
            )
    except BaseException:
        try:
            gateway.delete_token(token.token)
        except Exception:
            logger.exception("wallet: could not delete an unused gateway token")
        raise
