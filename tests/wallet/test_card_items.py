"""The cards page draws each card with {% card_items %} (one escaped f-string a card); these
tests hold each whole card (summary, payment address, Make default / Edit / Remove with the
CSRF token) equal to the template-language card it replaced
(card_item_in_template_language.html), in English and Russian, with the wallet confirmed or
not yet created."""

import re
from pathlib import Path

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from tests.factories import CardFactory, WalletAccountFactory
from wallet.models import Card
from wallet.selectors import card_list_for_user

pytestmark = pytest.mark.django_db

CARD_IN_TEMPLATE_LANGUAGE = (
    Path(__file__).parent / "card_item_in_template_language.html"
).read_text()

ITEM = re.compile(r'<li class="col"><article .*?</article></li>', re.S)
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _normal(html: str) -> str:
    """Whitespace as a browser reads it: runs squeezed to one space, none beside a block
    element's tags (where it draws nothing)."""
    html = re.sub(r"\s+", " ", html, flags=re.ASCII)
    block = r"\s*(</?(?:li|div|article|form|h2|address)\b[^>]*>)\s*"
    return re.sub(block, r"\1", html, flags=re.ASCII).strip()


@pytest.fixture
def cards(user):
    today = timezone.localdate()
    CardFactory(owner=user, make_default=True)
    soon = CardFactory(owner=user, number="5555555555554444")
    expired = CardFactory(owner=user, number="378282246310005")
    Card.objects.filter(pk=soon.pk).update(
        exp_month=today.month, exp_year=today.year, name_on_card=""
    )
    Card.objects.filter(pk=expired.pk).update(
        exp_month=1, exp_year=today.year - 1, name_on_card='O\'Neil <b>"x"</b>'
    )


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.parametrize("ready", [True, False], ids=["wallet", "saved-at-checkout"])
def test_each_card_is_the_template_language_card(user_client, user, cards, language, ready):
    if ready:
        WalletAccountFactory(user=user, confirmed_at=timezone.now())
    user_client.cookies["django_language"] = language

    html = user_client.get("/wallet/cards/").content.decode()
    drawn = [_normal(m) for m in ITEM.findall(_normal(html))]
    token = TOKEN.search(html)[1]
    context = {
        "cards": list(card_list_for_user(user=user)),
        "wallet_ready": ready,
        "csrf_token": token,
    }
    with translation.override(language):
        expected = Template(CARD_IN_TEMPLATE_LANGUAGE).render(Context(context))

    assert len(drawn) == 3
    assert drawn == [_normal(m) for m in ITEM.findall(_normal(expected))]
    assert ("Make default" in html or "Сделать основной" in html) is ready
    assert " ".join(drawn).count('name="csrfmiddlewaretoken"') == (2 if ready else 0)
    assert "<b>" not in html
