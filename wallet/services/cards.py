"""Saved cards: link, update, remove, make default, disable.

Every change to a user's cards locks the user's row first (``lock_user``), so the card
limit, "one default per user" and "one active card per fingerprint" hold under concurrent
requests; the database constraints on ``Card`` back them up. Gateway calls happen outside
those transactions: tokenize before, token deletion after commit.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from accounts.models import PostalAddress
from wallet import cards as card_rules
from wallet.cards import CardData
from wallet.exceptions import CardBlocked, CardLimitReached, CardNotUsable
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
)

logger = logging.getLogger("wallet.cards")

LINKED_ADVICE = (
    "If this wasn't you, change your password now, remove the card from your wallet and "
    "contact Bazaar support."
)
REMOVED_ADVICE = "If this wasn't you, change your password now and contact Bazaar support."


def _token_delete_on_commit(token: str) -> None:
    def _delete() -> None:
        try:
            get_gateway().delete_token(token)
        except Exception:  # a leftover token is harmless; the card row is already gone
            logger.exception("wallet: could not delete a gateway token; delete it by hand")

    transaction.on_commit(_delete)


def _default_set(*, user, card: Card) -> None:
    """Make ``card`` the only default (caller holds the user lock)."""
    Card.objects.filter(owner=user, is_default=True).exclude(pk=card.pk).update(is_default=False)
    if not card.is_default:
        card.is_default = True
        card.save(update_fields=["is_default", "updated_at"])


def _default_promote_successor(*, user) -> Card | None:
    """After the default card left, make the most recently used active card the default
    (by last use, then newest linked). Caller holds the user lock."""
    successor = (
        Card.objects.active()
        .filter(owner=user)
        .order_by(F("last_used_at").desc(nulls_last=True), "-created_at", "-id")
        .first()
    )
    if successor is not None:
        _default_set(user=user, card=successor)
        event_record(
            user=user,
            kind=WalletEvent.Kind.DEFAULT_CHANGED,
            card=successor,
            message=f"{successor.display} is now your default card.",
        )
    return successor


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
            _token_delete_on_commit(old_token)
        event_record(
            user=user,
            kind=WalletEvent.Kind.CARD_UPDATED,
            card=existing,
            message=f"{existing.display} was added again; its details were updated.",
        )
        security_notice_send(
            user=user,
            subject="A card was added to your Bazaar wallet",
            sentence=f"A card ending {existing.last4} was linked to your wallet on {{when}}.",
            advice=LINKED_ADVICE,
        )
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
    security_notice_send(
        user=user,
        subject="A card was added to your Bazaar wallet",
        sentence=f"A card ending {card.last4} was linked to your wallet on {{when}}.",
        advice=LINKED_ADVICE,
    )
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


def _locked_card(card: Card) -> Card:
    return Card.objects.select_for_update(of=("self",)).select_related("owner").get(pk=card.pk)


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
        _token_delete_on_commit(card.gateway_token)
        security_notice_send(
            user=card.owner,
            subject="A card was removed from your Bazaar wallet",
            sentence=f"A card ending {card.last4} was removed from your wallet on {{when}}.",
            advice=REMOVED_ADVICE,
        )
    logger.info("wallet: user %s removed card %s", card.owner_id, card.pk)
    return card


def card_set_default(*, card: Card) -> Card:
    """Make ``card`` its owner's default card (the only one).

    Atomic; locks the user row and then the user's active cards (in id order), so two
    concurrent calls run one after the other and exactly one default remains. Idempotent.
    Raises ``CardNotUsable`` for a removed or disabled card.
    """
    with transaction.atomic():
        lock_user(card.owner)
        owned = list(
            Card.objects.select_for_update()
            .filter(owner_id=card.owner_id, removed_at__isnull=True)
            .order_by("pk")
        )
        target = next((c for c in owned if c.pk == card.pk), None)
        if target is None or not target.is_active:
            raise CardNotUsable()
        if target.is_default:
            return target
        _default_set(user=card.owner, card=target)
        event_record(
            user=card.owner,
            kind=WalletEvent.Kind.DEFAULT_CHANGED,
            card=target,
            message=f"{target.display} is now your default card.",
        )
    return target


def card_update(
    *,
    card: Card,
    exp_month: int,
    exp_year: int,
    name: str,
    payment_address: Mapping[str, str] | PostalAddress,
    nickname: str | None = None,
) -> Card:
    """Change a card's expiry (e.g. a reissued card), name on card, payment address and,
    if given, nickname. Records a ``WalletEvent`` naming what changed.

    Atomic under the user lock. Raises ``ValidationError`` (by field: expiry, name,
    address fields, nickname) or ``CardNotUsable`` for a removed/disabled card.
    """
    errors = {}
    try:
        exp_month, exp_year = card_rules.validate_expiry(exp_month, str(exp_year))
    except ValidationError as exc:
        errors["expiry"] = exc
    try:
        name = card_rules.validate_name(name)
    except ValidationError as exc:
        errors["name"] = exc
    try:
        address = clean_payment_address(payment_address)
    except ValidationError as exc:
        errors.update(exc.error_dict)
    if nickname is not None:
        try:
            nickname = clean_nickname(nickname)
        except ValidationError as exc:
            errors.update(exc.error_dict)
    if errors:
        raise ValidationError(errors)

    with transaction.atomic():
        lock_user(card.owner)
        card = _locked_card(card)
        if not card.is_active:
            raise CardNotUsable()
        changes = {
            "expiry": (card.exp_month, card.exp_year) != (exp_month, exp_year),
            "name on card": card.name_on_card != name,
            "payment address": card.payment_address != address,
            "nickname": nickname is not None and card.nickname != nickname,
        }
        changed = [label for label, differs in changes.items() if differs]
        if not changed:
            return card
        card.exp_month, card.exp_year = exp_month, exp_year
        card.name_on_card = name
        card.payment_address = address
        if nickname is not None:
            card.nickname = nickname
        card.save()
        event_record(
            user=card.owner,
            kind=WalletEvent.Kind.CARD_UPDATED,
            card=card,
            message=f"{card.display}: {', '.join(changed)} updated.",
        )
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
