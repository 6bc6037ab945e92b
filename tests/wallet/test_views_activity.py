"""Payment activity: every kind of event, newest first, filterable, paginated, linked to
orders; and the help page."""

import html
import re
from decimal import Decimal

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from core.pagination import HEAD_COUNT_CAP
from tests.factories import CardFactory
from wallet.models import WalletEvent
from wallet.services import card_remove, card_set_default, payment_charge_card, payment_refund
from wallet.views.account import RECENT_ACTIVITY

pytestmark = pytest.mark.django_db


def order_path(reference: str) -> str:
    try:
        return reverse("shop:order-detail", args=[reference])
    except NoReverseMatch:
        return f"/orders/{reference}/"


@pytest.fixture
def history(user):
    """Link two cards, make the second default, pay, refund part, remove the first."""
    visa = CardFactory(owner=user, number="4242424242424242")
    mastercard = CardFactory(owner=user, number="5555555555554444")
    card_set_default(card=mastercard)
    payment = payment_charge_card(
        user=user,
        card=mastercard,
        amount=Decimal("25.00"),
        currency="USD",
        reference="BZ-000042",
        idempotency_key="test-BZ-000042-1",
    )
    payment_refund(payment=payment, amount=Decimal("5.00"), reason="Damaged item")
    card_remove(card=visa)
    return payment


def test_activity_lists_each_action_newest_first(wallet_client, history):
    response = wallet_client.get("/wallet/activity/")

    kinds = [event.kind for event in response.context["events"]]
    assert kinds[0] == WalletEvent.Kind.CARD_REMOVED
    assert {
        WalletEvent.Kind.CARD_LINKED,
        WalletEvent.Kind.DEFAULT_CHANGED,
        WalletEvent.Kind.PAYMENT,
        WalletEvent.Kind.REFUND,
        WalletEvent.Kind.CARD_REMOVED,
    } <= set(kinds)
    created = [event.created_at for event in response.context["events"]]
    assert created == sorted(created, reverse=True)
    html = response.content.decode()
    assert f'href="{order_path("BZ-000042")}"' in html
    assert "$25.00" in html or "25.00" in html


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("payment", {WalletEvent.Kind.PAYMENT}),
        ("refund", {WalletEvent.Kind.REFUND}),
        ("card_linked", {WalletEvent.Kind.CARD_LINKED}),
        ("card_removed", {WalletEvent.Kind.CARD_REMOVED}),
    ],
)
def test_activity_filters_by_kind(wallet_client, history, kind, expected):
    response = wallet_client.get(f"/wallet/activity/?kind={kind}")

    assert {event.kind for event in response.context["events"]} == expected
    assert 'aria-current="page"' in response.content.decode()


def test_an_unknown_kind_shows_everything(wallet_client, history):
    response = wallet_client.get("/wallet/activity/?kind=<script>")

    assert response.status_code == 200
    assert response.context["kind"] == ""
    assert len(response.context["events"]) >= 5


def test_activity_is_paginated_and_keeps_the_filter(wallet_client, user):
    for number in range(25):
        WalletEvent.objects.create(user=user, kind=WalletEvent.Kind.REFUND, message=f"r{number}")

    first = wallet_client.get("/wallet/activity/?kind=refund")
    second = wallet_client.get("/wallet/activity/?kind=refund&page=2")

    assert len(first.context["events"]) == 20
    assert len(second.context["events"]) == 5
    assert "kind=refund&amp;page=2" in first.content.decode()
    # A stale link past the end shows the last page, as the other lists do.
    stale = wallet_client.get("/wallet/activity/?kind=refund&page=99")
    assert stale.status_code == 200
    assert [e.pk for e in stale.context["events"]] == [e.pk for e in second.context["events"]]


@pytest.mark.parametrize(
    ("count", "first_label"),
    [(HEAD_COUNT_CAP, "Page 1 of 50"), (HEAD_COUNT_CAP + 1, "Page 1")],
)
def test_a_long_activitys_first_page_counts_no_further_than_its_cap(
    wallet_client, user, count, first_label
):
    """Past the cap the first page does not know how many pages there are, and says only
    which one it is; Older leads on, and page 2 counts every event again."""
    WalletEvent.objects.bulk_create(
        WalletEvent(user=user, kind=WalletEvent.Kind.REFUND, message=f"r{n}") for n in range(count)
    )
    first = wallet_client.get("/wallet/activity/").content.decode()
    assert f'<span class="page-link">{first_label}</span>' in first
    assert "page=2" in first and "Older" in first
    second = wallet_client.get("/wallet/activity/?page=2").content.decode()
    pages = (count + 19) // 20
    assert f'<span class="page-link">Page 2 of {pages}</span>' in second


def test_activity_shows_only_my_events(wallet_client, other_user):
    CardFactory(owner=other_user)

    response = wallet_client.get("/wallet/activity/")

    assert list(response.context["events"]) == []
    assert "No activity" in response.content.decode()


def test_activity_query_count_does_not_grow_with_events(
    wallet_client, history, django_assert_max_num_queries
):
    with django_assert_max_num_queries(7):
        wallet_client.get("/wallet/activity/")


def test_wallet_home_shows_the_default_card_and_the_card_count(wallet_client, user, history):
    response = wallet_client.get("/wallet/")

    html = response.content.decode()
    assert response.context["default_card"].last4 == "4444"
    assert response.context["card_count"] == 1
    assert "•••• 4444" in html


def test_help_page_answers_card_questions_and_ends_with_the_wallet_link(client):
    response = client.get("/help/")

    html = response.content.decode()
    assert response.status_code == 200
    for question in (
        "How do I pay",
        "How do I save a card",
        "How do I change a card",
        "How do I remove a card",
    ):
        assert question in html
    assert '<a class="fw-semibold" href="/wallet/">Go to your wallet</a>' in html
    assert html.rindex('href="/wallet/"') > html.rindex("How do I remove a card")


@pytest.mark.parametrize(
    "query",
    ["", "kind=refund", "kind=refund&page=3", "page=3&kind=refund", "x=1&x=%C3%A9&page=2&y=<"],
)
def test_page_links_keep_the_other_parameters_in_their_order(rf, query):
    from wallet.templatetags.wallet_tags import page_query

    request = rf.get(f"/wallet/activity/?{query}")
    expected = request.GET.copy()
    expected["page"] = 7
    assert page_query({"request": request}, 7) == expected.urlencode()


def test_the_filters_are_drawn_in_each_language_with_the_chosen_one_marked(wallet_client, history):
    for language in ("en", "ru", "en"):
        wallet_client.cookies["django_language"] = language
        for kind in ("", "refund"):
            page = wallet_client.get(f"/wallet/activity/?kind={kind}").content.decode()
            with translation.override(language):
                heading = translation.gettext("Payment activity")
                refunds = translation.gettext("Refunds")
            assert f'<h1 class="h3 mb-3">{heading}</h1>' in page
            assert f"<title>{heading} · Bazaar</title>" in page
            chosen = page.split('aria-current="page">', 1)[1].split("<", 1)[0]
            with translation.override(language):
                assert chosen == (refunds if kind else translation.gettext("All"))


def test_the_wallets_recent_activity_reads_in_the_shoppers_language(wallet_client, history):
    """The wallet's Recent activity says what Payment activity says, in the same language
    (it once showed the English sentence stored with each event)."""
    for language in ("ru", "en"):
        wallet_client.cookies["django_language"] = language
        page = wallet_client.get("/wallet/").content.decode()
        recent = page.split('id="activity-heading"', 1)[1].split("</ul>", 1)[0]
        text = html.unescape(re.sub(r"<[^>]+>", "", recent))
        events = history.user.wallet_events.order_by("-created_at", "-id")[:RECENT_ACTIVITY]
        with translation.override(language):
            shown = [event.shown_message for event in events]
        assert len(shown) >= 4
        for message in shown:
            assert message in text
        assert ("Refund of" in text) == (language == "en")
        assert '<span class="text-nowrap">Mastercard •••• 4444</span>' in recent
