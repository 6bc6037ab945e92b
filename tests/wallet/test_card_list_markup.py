"""The cards page draws each card inline (no include per card); these tests hold that copy
equal to wallet/_card_summary.html (with _card_badge.html), which the wallet home, the card
page and the remove page include, so the two cannot drift apart."""

import re

import pytest
from django.template.loader import render_to_string
from django.utils import timezone, translation

from tests.factories import CardFactory
from wallet.models import Card

pytestmark = pytest.mark.django_db

ARTICLE = re.compile(
    r'<article class="card bz-card[^"]*"[^>]*data-testid="saved-card">\s*'
    r'<div class="card-body">(?P<summary>.*?)<h2 class="visually-hidden">',
    re.S,
)


def _squeeze(html: str) -> str:
    return re.sub(r"\s+", " ", html).strip()


def _drawn_on_cards_page(client, language: str) -> list[str]:
    client.cookies["django_language"] = language
    response = client.get("/wallet/cards/")
    assert response.status_code == 200
    return [_squeeze(m["summary"]) for m in ARTICLE.finditer(response.content.decode())]


def _summaries(cards, language: str) -> list[str]:
    with translation.override(language):
        return [
            _squeeze(render_to_string("wallet/_card_summary.html", {"card": card}))
            for card in cards
        ]


@pytest.mark.parametrize("language", ["en", "ru"])
def test_each_card_on_the_cards_page_is_the_card_summary_partial(user_client, user, language):
    today = timezone.localdate()
    default = CardFactory(owner=user, make_default=True)
    soon = CardFactory(owner=user, number="5555555555554444")
    expired = CardFactory(owner=user, number="378282246310005")
    # A card expiring this month, and one that expired last year (as if it had been saved
    # long ago), each without a name on the card.
    Card.objects.filter(pk=soon.pk).update(
        exp_month=today.month, exp_year=today.year, name_on_card=""
    )
    Card.objects.filter(pk=expired.pk).update(exp_month=1, exp_year=today.year - 1)

    drawn = _drawn_on_cards_page(user_client, language)

    cards = sorted(Card.objects.filter(owner=user), key=lambda c: drawn_order(drawn, c))
    assert len(drawn) == 3
    assert drawn == _summaries(cards, language)
    # The cases the copy must agree on really are on the page.
    page = " ".join(drawn)
    labels = {
        "en": ("Default", "Expires soon", "Expired"),
        "ru": ("Основной", "Скоро истекает", "Срок истёк"),
    }[language]
    for label in labels:
        assert label in page, label
    assert default.name_on_card in page


def drawn_order(drawn: list[str], card: Card) -> int:
    """Where ``card`` (found by its last four digits) is on the page."""
    return next(i for i, html in enumerate(drawn) if f"•••• {card.last4}<" in html)
