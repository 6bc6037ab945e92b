"""Card services: link (dedupe, limit, first default), remove, make default, update, disable."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.factories import CardFactory, UserFactory, card_data, payment_address
from wallet.exceptions import CardLimitReached, CardNotUsable, PaymentDeclined
from wallet.gateways.models import SimulatedToken
from wallet.models import Card, WalletEvent
from wallet.selectors import card_list_for_user
from wallet.services import (
    card_disable,
    card_link,
    card_remove,
    card_set_default,
    card_update,
)

pytestmark = pytest.mark.django_db


def link(user, number="4242424242424242", **kwargs):
    kwargs.setdefault("payment_address", payment_address())
    return card_link(user=user, card_data=card_data(number), **kwargs)


def test_linking_stores_token_and_what_identifies_the_card(user, address):
    card, created = card_link(
        user=user, card_data=card_data("4242 4242 4242 4242"), payment_address=address
    )
    assert created
    assert card.display == "Visa •••• 4242"
    assert card.last4 == "4242"
    assert card.gateway_token.startswith("tok_")
    assert len(card.fingerprint) == 64
    assert card.name_on_card == "Ada Lovelace"
    assert card.payment_address["city"] == "London"
    assert card.payment_address["country"] == "GB"
    assert SimulatedToken.objects.filter(token=card.gateway_token).exists()


def test_first_card_becomes_default_and_later_ones_do_not(user):
    first, _ = link(user)
    second, _ = link(user, "5555555555554444")
    first.refresh_from_db()
    assert first.is_default
    assert not second.is_default


def test_make_default_moves_the_default_to_the_new_card(user):
    first, _ = link(user)
    second, _ = link(user, "5555555555554444", make_default=True)
    first.refresh_from_db()
    assert second.is_default and not first.is_default


def test_linking_the_same_card_again_updates_it_instead_of_duplicating(user):
    card, _ = link(user, nickname="Work")
    old_token = card.gateway_token
    again, created = card_link(
        user=user,
        card_data=card_data("4242-4242-4242-4242", exp_month=6, exp_year=2035, name="A. Lovelace"),
        payment_address=payment_address(city="Paris", country="FR"),
    )
    assert not created
    assert again.pk == card.pk
    assert Card.objects.filter(owner=user).count() == 1
    assert (again.exp_month, again.exp_year, again.name_on_card) == (6, 2035, "A. Lovelace")
    assert again.payment_address["city"] == "Paris"
    assert again.nickname == "Work"
    assert again.gateway_token != old_token
    assert WalletEvent.objects.filter(user=user, kind="card_updated").count() == 1


def test_the_same_card_in_another_wallet_is_a_separate_card(user, other_user):
    mine, _ = link(user)
    theirs, created = link(other_user)
    assert created and mine.pk != theirs.pk


def test_a_removed_card_can_be_linked_again_as_a_new_card(user):
    card, _ = link(user)
    card_remove(card=card)
    again, created = link(user)
    assert created and again.pk != card.pk


def _numbers(count):
    from wallet.card_numbers import luhn_check_digit

    partials = [f"41111111111{index:04d}" for index in range(count)]
    return [partial + luhn_check_digit(partial) for partial in partials]


def test_the_eleventh_card_is_refused_but_relinking_a_saved_one_still_works(
    unlimited_card_attempts, user, settings
):
    assert settings.WALLET_MAX_CARDS == 10
    numbers = _numbers(11)
    for number in numbers[:10]:
        link(user, number)
    tokens_before = SimulatedToken.objects.count()
    with pytest.raises(CardLimitReached):
        link(user, numbers[10])
    assert SimulatedToken.objects.count() == tokens_before  # refused before the gateway
    _card, created = link(user, numbers[3])
    assert not created
    assert Card.objects.active().filter(owner=user).count() == 10


def test_removing_a_card_frees_a_place(unlimited_card_attempts, user):
    numbers = _numbers(11)
    cards = [link(user, number)[0] for number in numbers[:10]]
    card_remove(card=cards[0])
    _card, created = link(user, numbers[10])
    assert created


def test_declined_card_is_not_linked(user):
    with pytest.raises(PaymentDeclined) as info:
        link(user, "4000000000000002")
    assert info.value.code == "generic_decline"
    assert "declined" in info.value.message
    assert not Card.objects.exists()


def test_bad_input_is_refused_by_field_before_the_gateway(user):
    with pytest.raises(ValidationError) as info:
        card_link(
            user=user,
            card_data=card_data("4242424242424241"),
            payment_address=payment_address(line1="", country="XX"),
        )
    assert {"number", "line1", "country"} <= set(info.value.message_dict)
    assert not SimulatedToken.objects.exists()


def test_linking_records_an_event_and_sends_a_notice_without_the_number(user, on_commit, outbox):
    with on_commit():
        card, _ = link(user)
    event = WalletEvent.objects.get(user=user, kind="card_linked")
    assert event.card == card
    assert len(outbox) == 1
    body = outbox[0].body
    assert "A card ending 4242 was linked to your wallet on" in body
    assert "If this wasn't you" in body
    assert "4242424242424242" not in body
    assert outbox[0].to == [user.email]


def test_removing_keeps_the_row_deletes_the_token_and_notifies(user, on_commit, outbox):
    card, _ = link(user)
    outbox.clear()
    with on_commit():
        card_remove(card=card)
    card.refresh_from_db()
    assert card.removed_at is not None and not card.is_default
    assert SimulatedToken.objects.get(token=card.gateway_token).deleted_at is not None
    assert not card_list_for_user(user=user).exists()
    assert WalletEvent.objects.filter(user=user, kind="card_removed").exists()
    assert "A card ending 4242 was removed from your wallet" in outbox[0].body


def test_removing_twice_changes_nothing_more(user):
    card, _ = link(user)
    card_remove(card=card)
    card_remove(card=card)
    assert WalletEvent.objects.filter(kind="card_removed").count() == 1


def test_removing_the_default_makes_the_most_recently_used_card_default(
    unlimited_card_attempts, user
):
    default, _ = link(user)
    used_long_ago, _ = link(user, "5555555555554444")
    used_lately, _ = link(user, "378282246310005")
    link(user, "2200000000000004")  # newest, never used: not chosen
    now = timezone.now()
    Card.objects.filter(pk=used_long_ago.pk).update(last_used_at=now - timedelta(days=30))
    Card.objects.filter(pk=used_lately.pk).update(last_used_at=now - timedelta(days=1))
    card_remove(card=default)
    assert card_list_for_user(user=user).first() == used_lately
    used_lately.refresh_from_db()
    assert used_lately.is_default
    assert Card.objects.filter(owner=user, is_default=True).count() == 1


def test_removing_the_default_with_no_card_used_picks_the_newest(user):
    default, _ = link(user)
    link(user, "5555555555554444")
    newest, _ = link(user, "378282246310005")
    card_remove(card=default)
    newest.refresh_from_db()
    assert newest.is_default


def test_removing_a_non_default_card_keeps_the_default(user):
    default, _ = link(user)
    other, _ = link(user, "5555555555554444")
    card_remove(card=other)
    default.refresh_from_db()
    assert default.is_default


def test_set_default_keeps_exactly_one_default(user):
    first, _ = link(user)
    second, _ = link(user, "5555555555554444")
    card_set_default(card=second)
    card_set_default(card=second)
    assert list(Card.objects.filter(owner=user, is_default=True)) == [second]
    assert WalletEvent.objects.filter(kind="default_changed").count() == 1
    card_set_default(card=first)
    assert list(Card.objects.filter(owner=user, is_default=True)) == [first]


def test_removed_card_cannot_be_made_default(user):
    link(user)
    second, _ = link(user, "5555555555554444")
    card_remove(card=second)
    with pytest.raises(CardNotUsable):
        card_set_default(card=second)


def test_update_changes_expiry_name_and_address_and_says_what_changed(user):
    card, _ = link(user)
    updated = card_update(
        card=card,
        exp_month=3,
        exp_year=2036,
        name="Augusta Ada King",
        payment_address=payment_address(line1="1 New Street"),
    )
    assert (updated.exp_month, updated.exp_year) == (3, 2036)
    assert updated.name_on_card == "Augusta Ada King"
    assert updated.payment_address["line1"] == "1 New Street"
    event = WalletEvent.objects.get(kind="card_updated")
    assert event.message == "Visa •••• 4242: expiry, name on card, payment address updated."


def test_update_accepts_two_digit_years_and_refuses_a_past_expiry(user):
    card, _ = link(user)
    assert (
        card_update(
            card=card, exp_month=1, exp_year=40, name="Ada", payment_address=payment_address()
        ).exp_year
        == 2040
    )
    with pytest.raises(ValidationError) as info:
        card_update(
            card=card, exp_month=1, exp_year=2020, name="Ada", payment_address=payment_address()
        )
    assert info.value.error_dict["expiry"][0].code == "expired"


def test_updating_a_removed_card_is_refused(user):
    card, _ = link(user)
    card_remove(card=card)
    with pytest.raises(CardNotUsable):
        card_update(
            card=card, exp_month=1, exp_year=2040, name="Ada", payment_address=payment_address()
        )


def test_disable_takes_the_card_out_of_wallet_and_checkout_and_notifies(
    unlimited_card_attempts, user, on_commit, outbox
):
    staff = UserFactory(is_staff=True)
    card, _ = link(user)
    spare, _ = link(user, "5555555555554444")
    outbox.clear()
    with on_commit():
        card_disable(card=card, by=staff, reason="Fraud report #12")
    card.refresh_from_db()
    assert card.disabled_at is not None and card.disabled_by == staff
    assert list(card_list_for_user(user=user)) == [spare]
    spare.refresh_from_db()
    assert spare.is_default
    event = WalletEvent.objects.get(kind="card_disabled")
    assert event.actor == staff
    assert "disabled the card ending 4242" in outbox[0].body
    with pytest.raises(PaymentDeclined) as refused:  # blocked for everyone, plainly
        link(user)
    assert refused.value.code == "blocked_card"


def test_expiry_properties(user):
    card = CardFactory(owner=user)
    today = timezone.localdate()
    assert card.expiry_display == f"12/{card.exp_year % 100:02d}"
    assert not card.is_expired and not card.expires_soon
    with time_machine.travel(card.expires_on - timedelta(days=10), tick=False):
        assert card.expires_soon and not card.is_expired
    with time_machine.travel(card.expires_on + timedelta(days=1), tick=False):
        assert card.is_expired and not card.expires_soon
    assert today < card.expires_on
