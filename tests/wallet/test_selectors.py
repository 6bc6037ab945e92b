"""Selectors: ordering, other users' rows, query counts."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.factories import CardFactory, UserFactory
from wallet.models import Card, WalletEvent
from wallet.selectors import (
    activity_for_user,
    activity_rows_for_user,
    activity_shown_for_user,
    card_default_for_user,
    card_get_for_user,
    card_list_for_user,
    payments_for_reference,
    payments_settled_for_reference,
    payments_shown_for_reference,
)
from wallet.services import (
    card_disable,
    card_remove,
    payment_charge_card,
    payment_refund,
)

pytestmark = pytest.mark.django_db


def test_card_list_puts_default_first_then_recently_used(user):
    default = CardFactory(owner=user)
    old = CardFactory(owner=user, number="5555555555554444")
    recent = CardFactory(owner=user, number="378282246310005")
    never = CardFactory(owner=user, number="2200000000000004")
    Card.objects.filter(pk=old.pk).update(last_used_at=timezone.now() - timedelta(days=9))
    Card.objects.filter(pk=recent.pk).update(last_used_at=timezone.now())
    assert list(card_list_for_user(user=user)) == [default, recent, old, never]
    assert card_default_for_user(user=user) == default


def test_card_list_leaves_out_removed_disabled_and_other_users_cards(user, other_user):
    kept = CardFactory(owner=user)
    removed = CardFactory(owner=user, number="5555555555554444")
    disabled = CardFactory(owner=user, number="378282246310005")
    CardFactory(owner=other_user)
    card_remove(card=removed)
    card_disable(card=disabled, by=UserFactory(is_staff=True), reason="fraud")
    assert list(card_list_for_user(user=user)) == [kept]


def test_card_get_for_user_raises_does_not_exist_for_others(user, other_user):
    theirs = CardFactory(owner=other_user)
    mine = CardFactory(owner=user)
    assert card_get_for_user(user=user, card_id=mine.pk) == mine
    with pytest.raises(Card.DoesNotExist):
        card_get_for_user(user=user, card_id=theirs.pk)
    card_remove(card=mine)
    with pytest.raises(Card.DoesNotExist):
        card_get_for_user(user=user, card_id=mine.pk)


def test_activity_is_newest_first_and_filters_by_kind(user):
    card = CardFactory(owner=user)
    payment_charge_card(
        user=user,
        card=card,
        amount=Decimal("5"),
        currency="USD",
        reference="BZ-1",
        idempotency_key="k",
    )
    kinds = [event.kind for event in activity_for_user(user=user)]
    assert kinds == ["payment", "card_linked"]
    assert [e.kind for e in activity_for_user(user=user, kind="payment")] == ["payment"]


def test_list_selectors_use_a_fixed_number_of_queries(user, django_assert_max_num_queries):
    staff = UserFactory(is_staff=True)
    for index, number in enumerate(["4242424242424242", "5555555555554444", "378282246310005"]):
        card = CardFactory(owner=user, number=number)
        payment = payment_charge_card(
            user=user,
            card=card,
            amount=Decimal("9"),
            currency="USD",
            reference="BZ-7",
            idempotency_key=f"k{index}",
        )
        # Refunded in full, so the reference may be paid again.
        payment_refund(payment=payment, amount=Decimal("9"), reason="r", by=staff)
    with django_assert_max_num_queries(1):
        for event in activity_for_user(user=user):
            _ = (event.card and event.card.display, event.payment, event.refund, event.actor)
    with django_assert_max_num_queries(2):
        for payment in payments_for_reference(reference="BZ-7"):
            _ = (payment.card.display, [refund.amount for refund in payment.refunds.all()])
    with django_assert_max_num_queries(1):
        list(card_list_for_user(user=user))
    assert WalletEvent.objects.filter(user=user).count() == 9


def _charged_and_refunded(user, *, reference: str, times: int) -> None:
    staff = UserFactory(is_staff=True)
    for index in range(times):
        card = CardFactory(owner=user, number=["4242424242424242", "5555555555554444"][index % 2])
        payment = payment_charge_card(
            user=user,
            card=card,
            amount=Decimal("9"),
            currency="USD",
            reference=reference,
            idempotency_key=f"{reference}-{index}",
        )
        payment_refund(payment=payment, amount=Decimal("4"), reason="r", by=staff)
        payment_refund(payment=payment, amount=Decimal("5"), reason="r", by=staff)


def test_the_order_pages_payments_are_the_references_with_their_refunds_in_two_queries(
    user, other_user, django_assert_num_queries
):
    _charged_and_refunded(user, reference="BZ-8", times=2)
    _charged_and_refunded(other_user, reference="BZ-9", times=1)
    expected = [
        (payment.pk, payment.amount, [(r.pk, r.amount, r.status) for r in payment.refunds.all()])
        for payment in payments_for_reference(reference="BZ-8")
    ]
    with django_assert_num_queries(2):
        shown = payments_shown_for_reference(reference="BZ-8")
        got = [
            (
                payment.pk,
                payment.amount,
                [(r.pk, r.amount, r.status) for r in payment.refunds.all()],
            )
            for payment in shown
        ]
        assert all(r.payment is p for p in shown for r in p.refunds.all())
    assert got == expected
    assert [len(refunds) for _pk, _amount, refunds in got] == [2, 2]
    # What the page adds up from them is the ledger's.
    assert shown[0].refunds.filter(amount=Decimal("4")).count() == 1  # still the relation
    with django_assert_num_queries(1):
        assert payments_shown_for_reference(reference="BZ-nothing") == []


def test_the_order_pages_payments_without_refunds_are_one_query(user, django_assert_num_queries):
    card = CardFactory(owner=user)
    payment_charge_card(
        user=user,
        card=card,
        amount=Decimal("9"),
        currency="USD",
        reference="BZ-12",
        idempotency_key="BZ-12",
    )
    _charged_and_refunded(user, reference="BZ-13", times=1)  # someone else's refunds
    with django_assert_num_queries(1):
        shown = payments_shown_for_reference(reference="BZ-12")
        assert [list(payment.refunds.all()) for payment in shown] == [[]]


def test_the_ledger_an_order_is_settled_with_is_the_references_with_cards_and_refunds(
    user, other_user, django_assert_num_queries
):
    _charged_and_refunded(user, reference="BZ-14", times=2)
    _charged_and_refunded(other_user, reference="BZ-15", times=1)

    def facts(payments):
        return [
            (p.pk, p.card.display, [(r.pk, r.amount, r.status) for r in p.refunds.all()])
            for p in payments
        ]

    expected = facts(payments_for_reference(reference="BZ-14"))
    with django_assert_num_queries(2):  # the payments with their cards, then the refunds
        settled = payments_settled_for_reference(reference="BZ-14")
        assert facts(settled) == expected
    assert [len(refunds) for _pk, _card, refunds in expected] == [2, 2]


def test_the_ledger_of_a_purchase_without_refunds_is_one_query(user, django_assert_num_queries):
    card = CardFactory(owner=user)
    payment_charge_card(
        user=user,
        card=card,
        amount=Decimal("9"),
        currency="USD",
        reference="BZ-16",
        idempotency_key="BZ-16",
    )
    _charged_and_refunded(user, reference="BZ-17", times=1)  # refunds of another reference
    with django_assert_num_queries(1):
        settled = payments_settled_for_reference(reference="BZ-16")
        assert [(p.card.display, list(p.refunds.all())) for p in settled] == [(card.display, [])]


def test_the_activity_pages_head_is_the_first_events_of_its_filter(user, other_user):
    from wallet.views.activity import ACTIVITY_PER_PAGE as page

    _charged_and_refunded(user, reference="BZ-10", times=page // 3 + 1)
    _charged_and_refunded(other_user, reference="BZ-11", times=1)
    for kinds in [(), (WalletEvent.Kind.REFUND,), (WalletEvent.Kind.CARD_LINKED,)]:
        expected = list(activity_shown_for_user(user=user, kinds=kinds)[: page + 1])
        head = activity_rows_for_user(user=user, kinds=kinds)[0 : page + 1]
        assert [e.pk for e in head] == [e.pk for e in expected]
        assert [(e.kind, e.amount, e.payment and e.payment.reference) for e in head] == [
            (e.kind, e.amount, e.payment and e.payment.reference) for e in expected
        ]
        assert activity_rows_for_user(user=user, kinds=kinds).count() == len(
            activity_shown_for_user(user=user, kinds=kinds)
        )
    assert len(activity_rows_for_user(user=user)[0 : page + 1]) == page + 1
    assert activity_rows_for_user(user=UserFactory())[0 : page + 1] == []
    assert activity_rows_for_user(user=UserFactory()).count() == 0
