"""Saved cards: link, update, make default, remove, disable; and saving the card a payment
asked to keep.

Every change to a user's cards locks the user's row first (``_lock_user``), so the card
limit, "one default per user" and "one active card per fingerprint" hold under concurrent
requests; the database constraints on ``Card`` back them up. Gateway calls happen outside
those transactions: tokenize before, token deletion after commit. Each change records a
``WalletEvent``; a card joining or leaving the wallet also sends a security notice.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop
from django.views.decorators.debug import sensitive_variables

from accounts.models import PostalAddress, User
from core.audit import AuditAction, audit_record, is_staff_actor
from core.card_guard import contains_card_number
from core.security_log import security_event
from core.text import one_line
from wallet import card_numbers
from wallet.card_numbers import CardData
from wallet.exceptions import CardBlocked, CardLimitReached, CardNotUsable, PaymentDeclined
from wallet.gateways import get_gateway
from wallet.gateways.base import TokenResult
from wallet.models import CARD_RECENT_FIRST, BlockedCard, Card, Payment, WalletEvent, event_message
from wallet.services.card_attempts import (
    card_attempt_begin,
    card_attempt_declined,
    card_blocked,
    card_new_link_check,
    card_refuse_if_blocked,
)
from wallet.services.inputs import (
    clean_card_data,
    clean_nickname,
    clean_payment_address,
    clean_together,
)
from wallet.services.notices import card_notice_send

logger = logging.getLogger("wallet.cards")


def _lock_user(user: User) -> None:
    """Lock the user's row (``SELECT ... FOR UPDATE``) for the rest of the transaction.

    Every change to a user's set of cards takes this lock first, so link/remove/default
    changes for one user run one at a time (card limit, one default, dedupe by fingerprint).
    """
    list(get_user_model().objects.select_for_update().filter(pk=user.pk).values_list("pk"))


def token_delete_on_commit(token: str) -> None:
    """Delete a gateway token once the transaction commits (at once outside one).

    A failure is logged, not raised: a leftover token is harmless once no card uses it.
    """

    def _delete() -> None:
        try:
            get_gateway().delete_token(token)
        except Exception:
            logger.exception("wallet: could not delete a gateway token; delete it by hand")

    transaction.on_commit(_delete)


def _card_event(card: Card, kind: str, message: dict, *, actor: User | None = None) -> None:
    """Record a ``WalletEvent`` about ``card`` in its owner's payment activity; ``message``
    comes from ``wallet.models.event_message``."""
    WalletEvent.objects.create(user=card.owner, kind=kind, card=card, actor=actor, **message)


def _default_set(*, user: User, card: Card) -> None:
    """Make ``card`` the only default (caller holds the user lock)."""
    Card.objects.filter(owner=user, is_default=True).exclude(pk=card.pk).update(is_default=False)
    if not card.is_default:
        card.is_default = True
        card.save(update_fields=["is_default", "updated_at"])


def _default_changed(card: Card) -> None:
    """Make ``card`` the default and say so in the activity (caller holds the user lock)."""
    _default_set(user=card.owner, card=card)
    _card_event(
        card,
        WalletEvent.Kind.DEFAULT_CHANGED,
        event_message(gettext_noop("%(card)s is now your default card."), card=card.display),
    )


def _locked_card(card: Card) -> Card:
    """``card`` re-read under its row lock, with its owner."""
    return Card.objects.select_for_update(of=("self",)).select_related("owner").get(pk=card.pk)


def card_link_precheck(*, user: User, fingerprint: str) -> None:
    """Refuse early, before any gateway call, a card that can't join this wallet: one
    support blocked (for any account: a plain ``PaymentDeclined``), this owner's disabled
    card (``CardBlocked``), a new card for a full wallet (``CardLimitReached``) or past the
    day's new cards (``RateLimited``). Read-only, no locks."""
    card_refuse_if_blocked(user=user, fingerprint=fingerprint, kind="link")
    same = Card.objects.filter(owner=user, fingerprint=fingerprint, removed_at__isnull=True)
    if same.filter(disabled_at__isnull=False).exists():
        raise CardBlocked()
    if same.exists():
        return
    if Card.objects.active().filter(owner=user).count() >= settings.WALLET_MAX_CARDS:
        raise CardLimitReached()
    card_new_link_check(user=user)


def _card_attach(
    *,
    user: User,
    token: TokenResult,
    name_on_card: str,
    payment_address: dict[str, str],
    make_default: bool = False,
    nickname: str = "",
) -> tuple[Card, bool]:
    """Store a tokenized card in the user's wallet; ``(card, created)``.

    For callers that already hold a gateway token (``card_link``, ``card_attach_pending``);
    inputs must be clean. Must run inside a transaction: takes the user lock. The same
    card (by fingerprint) already active is updated with the new token, expiry, name and
    address instead of duplicated; its old token is deleted after commit. The user's first
    card becomes the default. Records a ``WalletEvent`` and queues a security notice.
    Raises ``CardBlocked`` (disabled by support) or ``CardLimitReached``; on any error the
    caller deletes the new token.
    """
    _lock_user(user)
    card = (
        Card.objects.select_for_update(of=("self",))
        .select_related("owner")
        .filter(owner=user, fingerprint=token.fingerprint, removed_at__isnull=True)
        .first()
    )
    created = card is None
    if created:
        active = Card.objects.active().filter(owner=user)
        if active.count() >= settings.WALLET_MAX_CARDS:
            raise CardLimitReached()
        make_default = make_default or not active.filter(is_default=True).exists()
        card = Card(owner=user, fingerprint=token.fingerprint, brand=token.brand, last4=token.last4)
    elif card.disabled_at is not None:
        raise CardBlocked()
    elif card.gateway_token != token.token:
        token_delete_on_commit(card.gateway_token)
    card.gateway_token = token.token
    card.exp_month, card.exp_year = token.exp_month, token.exp_year
    card.name_on_card = name_on_card
    card.payment_address = payment_address
    if nickname:
        card.nickname = nickname
    card.save()
    if make_default:
        _default_set(user=user, card=card)
    if created:
        message = event_message(
            gettext_noop("%(card)s (expires %(expiry)s) was added to your wallet."),
            card=card.display,
            expiry=card.expiry_display,
        )
        _card_event(card, WalletEvent.Kind.CARD_LINKED, message)
    else:
        message = event_message(
            gettext_noop("%(card)s was added again; its details were updated."),
            card=card.display,
        )
        _card_event(card, WalletEvent.Kind.CARD_UPDATED, message)
    card_notice_send(card=card, notice="linked")
    logger.info(
        "wallet: user %s %s card %s", user.pk, "linked" if created else "re-linked", card.pk
    )
    security_event("card.link", user=user, outcome="success", object_id=card.pk, new=created)
    return card, created


@sensitive_variables("card_data")
def card_link(
    *,
    user: User,
    card_data: CardData,
    payment_address: Mapping[str, str] | PostalAddress,
    make_default: bool = False,
    nickname: str = "",
    human_verified: bool = False,
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

    It is a card attempt (``card_attempts``): refused before the gateway is called for a
    blocked card, past a rate limit (``RateLimited``) or when the CAPTCHA is due and
    ``human_verified`` is not set (``CaptchaRequired``); a decline is counted and its exact
    reason logged (``exc.code``; pages show one plain message).

    Raises ``ValidationError`` (by field: number, expiry, cvc, name, address fields,
    nickname), ``CardLimitReached``, ``CardBlocked``, ``PaymentDeclined`` (the issuer
    refused the card, or support blocked it), ``GatewayUnavailable``, ``RateLimited``,
    ``CaptchaRequired``.
    """
    clean = clean_together(
        card_data=lambda: clean_card_data(card_data),
        address=lambda: clean_payment_address(payment_address),
        nickname=lambda: clean_nickname(nickname),
    )
    card_data = clean["card_data"]
    card_link_precheck(user=user, fingerprint=card_data.fingerprint)
    card_attempt_begin(user=user, kind="link", human_verified=human_verified)
    gateway = get_gateway()
    try:
        token = gateway.tokenize(card_data)
    except PaymentDeclined as declined:
        card_attempt_declined(user=user, kind="link", code=declined.code)
        raise
    try:
        with transaction.atomic():
            return _card_attach(
                user=user,
                token=token,
                name_on_card=card_data.name,
                payment_address=clean["address"],
                make_default=make_default,
                nickname=clean["nickname"],
            )
    except BaseException:
        try:
            gateway.delete_token(token.token)
        except Exception:
            logger.exception("wallet: could not delete an unused gateway token")
        raise


def card_attach_pending(*, payment: Payment) -> None:
    """Save the new card a succeeded payment asked to keep (``payment.pending_card``) and
    point the payment at it; clears ``pending_card`` either way.

    Called by the payment's settle step, which holds the payment's row lock inside its
    transaction; takes the user lock (``_card_attach``) in a savepoint. A full wallet or a
    blocked card is not an error here: the payment stands, the card is not saved, its token
    is deleted after commit and a warning is logged.
    """
    data = payment.pending_card
    try:
        with transaction.atomic():
            card, _created = _card_attach(
                user=payment.user,
                token=TokenResult(**data["token"]),
                name_on_card=data["name"],
                payment_address=data["address"],
            )
    except (CardLimitReached, CardBlocked) as exc:
        logger.warning(
            "%s payment %s: paid, but the card was not saved (%s)",
            payment.reference,
            payment.pk,
            exc.code,
        )
        token_delete_on_commit(data["token"]["token"])
    else:
        payment.card = card
        Card.objects.filter(pk=card.pk).update(last_used_at=payment.settled_at)
    payment.pending_card = None
    payment.save(update_fields=["card", "pending_card", "updated_at"])


def card_set_default(*, card: Card) -> Card:
    """Make ``card`` its owner's default card (the only one).

    Atomic; locks the user row and then the user's active cards (in id order), so two
    concurrent calls run one after the other and exactly one default remains. Idempotent.
    Records a ``WalletEvent``. Raises ``CardNotUsable`` for a removed or disabled card.
    """
    with transaction.atomic():
        _lock_user(card.owner)
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
        target.owner = card.owner
        _default_changed(target)
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
    if given, nickname. Records a ``WalletEvent`` naming what changed; changes nothing
    (and records nothing) when every value is as it was.

    Atomic under the user lock, then the card's row lock. Raises ``ValidationError`` (by
    field: expiry, name, address fields, nickname) or ``CardNotUsable`` for a
    removed/disabled card.
    """
    clean = clean_together(
        expiry=lambda: card_numbers.validate_expiry(exp_month, str(exp_year)),
        name=lambda: card_numbers.validate_name(name),
        address=lambda: clean_payment_address(payment_address),
        nickname=lambda: None if nickname is None else clean_nickname(nickname),
    )
    (exp_month, exp_year), name, address = clean["expiry"], clean["name"], clean["address"]
    nickname = clean["nickname"]
    with transaction.atomic():
        _lock_user(card.owner)
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
        message = event_message(
            gettext_noop("%(card)s: %(changed)s updated."), card=card.display, changed=changed
        )
        _card_event(card, WalletEvent.Kind.CARD_UPDATED, message)
    return card


def _card_retire(
    card: Card,
    *,
    stamp: str,
    kind: str,
    message: dict,
    notice: str,
    actor: User | None = None,
    **changes: object,
) -> tuple[Card, bool]:
    """Take a card out of use once; ``(card, changed)``. Atomic: takes the user lock, then
    the card's row lock. A card whose ``stamp`` (``removed_at``, ``disabled_at``) is set
    already is returned as it is. Otherwise sets ``stamp`` to now with ``changes``, drops
    its default (the most recently used remaining card, by last use then newest linked,
    becomes the default), records the ``WalletEvent`` and queues the security notice."""
    with transaction.atomic():
        _lock_user(card.owner)
        card = _locked_card(card)
        if getattr(card, stamp) is not None:
            return card, False
        was_default = card.is_default
        for name, value in {stamp: timezone.now(), **changes, "is_default": False}.items():
            setattr(card, name, value)
        card.save(update_fields=[stamp, *changes, "is_default", "updated_at"])
        _card_event(card, kind, message, actor=actor)
        user = card.owner
        successor = Card.objects.active().filter(owner=user).order_by(*CARD_RECENT_FIRST)
        successor = successor.first() if was_default else None
        if successor is not None:
            successor.owner = user
            _default_changed(successor)
        card_notice_send(card=card, notice=notice)
    return card, True


def card_remove(*, card: Card) -> Card:
    """Remove a card from its owner's wallet (soft: the row stays for past payments).

    If it was the default, the most recently used remaining card becomes the default.
    Records a ``WalletEvent``, deletes the gateway token and sends a security notice after
    commit. Atomic under the user lock, then the card's row lock; idempotent (removing a
    removed card does nothing).
    """
    message = event_message(
        gettext_noop("%(card)s was removed from your wallet."), card=card.display
    )
    card, changed = _card_retire(
        card,
        stamp="removed_at",
        kind=WalletEvent.Kind.CARD_REMOVED,
        message=message,
        notice="removed",
    )
    if changed:
        token_delete_on_commit(card.gateway_token)
        logger.info("wallet: user %s removed card %s", card.owner_id, card.pk)
        security_event("card.remove", user=card.owner, outcome="success", object_id=card.pk)
    return card


def card_disable(*, card: Card, by: User, reason: str) -> Card:
    """Support's fraud action: the card leaves checkout and the wallet at once and can't
    be linked again by its owner; the owner gets a notice. ``by`` is the staff user, whose
    audit entry is written in the same transaction.

    Atomic under the user lock, then the card's row lock; idempotent (an already disabled
    card is returned as it is, and nothing is recorded again). If the card was the default,
    the most recently used remaining card becomes the default. The gateway token is kept
    for investigation. Raises ``ValidationError`` keyed ``reason`` for an empty reason or
    one holding a card number.
    """
    reason = one_line(reason)
    if not reason:
        raise ValidationError({"reason": "Give a reason."})
    if contains_card_number(reason):
        raise ValidationError({"reason": "Don't put card numbers in the reason."})
    with transaction.atomic():
        card, changed = _card_retire(
            card,
            stamp="disabled_at",
            kind=WalletEvent.Kind.CARD_DISABLED,
            message=event_message(
                gettext_noop("%(card)s was disabled by Bazaar support."), card=card.display
            ),
            notice="disabled",
            actor=by,
            disabled_by=by,
            disabled_reason=reason[:255],
        )
        if changed:
            # The fingerprint is blocked for every account with the disable, or not at all.
            _card_block(card=card, by=by, reason=reason)
        if changed and is_staff_actor(by):
            audit_record(
                actor=by,
                action=AuditAction.CARD_DISABLE,
                target=card,
                reason=card.disabled_reason,
                summary=f"Disabled {card.display} of {card.owner.email} and blocked it for "
                "every account.",
                details={"card_id": card.pk, "owner_id": card.owner_id},
            )
    if changed:
        logger.info("wallet: staff %s disabled card %s", getattr(by, "pk", None), card.pk)
    return card


def _card_block(*, card: Card, by: User, reason: str) -> BlockedCard:
    """Block the card's fingerprint for every account (one active block per card)."""
    block = card_blocked(fingerprint=card.fingerprint)
    if block is None:
        try:
            with transaction.atomic():
                block = BlockedCard.objects.create(
                    fingerprint=card.fingerprint,
                    brand=card.brand,
                    last4=card.last4,
                    card=card,
                    reason=reason[:255],
                    blocked_by=by,
                )
        except IntegrityError:  # blocked by a concurrent disable of the same card
            block = card_blocked(fingerprint=card.fingerprint)
    security_event(
        "card.block", user=card.owner, outcome="success", object_id=card.pk, staff_id=by.pk
    )
    return block


def card_block_lift(*, block: BlockedCard, by: User, reason: str) -> BlockedCard:
    """Support lifts a fraud block (the card was found, the report was wrong): the card may
    be linked and paid with again by anyone; the disabled card itself stays disabled (its
    owner adds it again). Atomic under the block's row lock; idempotent. Raises
    ``ValidationError`` keyed ``reason`` for an empty reason or one holding a card
    number."""
    reason = one_line(reason)
    if not reason:
        raise ValidationError({"reason": "Give a reason."})
    if contains_card_number(reason):
        raise ValidationError({"reason": "Don't put card numbers in the reason."})
    with transaction.atomic():
        block = BlockedCard.objects.select_for_update().get(pk=block.pk)
        if block.lifted_at is None:
            block.lifted_at = timezone.now()
            block.lifted_by = by
            block.lift_reason = reason[:255]
            block.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
            security_event("card.block_lift", outcome="success", object_id=block.pk, staff_id=by.pk)
            if is_staff_actor(by):
                audit_record(
                    actor=by,
                    action=AuditAction.CARD_BLOCK_LIFT,
                    target=block,
                    reason=block.lift_reason,
                    summary=f"Lifted the block on {block}.",
                    details={"block_id": block.pk, "card_id": block.card_id},
                )
    return block
