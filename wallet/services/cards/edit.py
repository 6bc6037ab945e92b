"""The owner's changes to a saved card: its details and which card is the default."""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import PostalAddress
from wallet import card_numbers as card_rules
from wallet.exceptions import CardNotUsable
from wallet.models import Card, WalletEvent
from wallet.services._common import clean_nickname, clean_payment_address, event_record, lock_user
from wallet.services.cards._shared import _default_set, _locked_card


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
