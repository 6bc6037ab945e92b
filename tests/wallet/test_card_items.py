"""The cards page draws each card with {% card_items %} (one escaped f-string a card); these
tests hold each whole card (summary, payment address, Make default / Edit / Remove with the
CSRF token) equal to the template-language card it replaced
(card_item_in_template_language.html), in English and Russian, with the wallet confirmed or
not yet created."""

import re

import pytest
from django.utils import timezone

from tests.factories import CardFactory, WalletAccountFactory
from tests.template_copies import TemplateCopy, page_in, squeezed
from wallet.models import Card
from wallet.selectors import card_list_for_user

pytestmark = pytest.mark.django_db

CARDS = TemplateCopy(
    __file__,
    "card_item_in_template_language.html",
    re.compile(r'<li class="col"><article .*?</article></li>', re.S),
    squeezed("li", "div", "article", "form", "h2", "address"),
)
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


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

    html = page_in(user_client, "/wallet/cards/", language)
    drawn = CARDS.pieces(html)
    token = TOKEN.search(html)[1]
    context = {
        "cards": list(card_list_for_user(user=user)),
        "wallet_ready": ready,
        "csrf_token": token,
    }

    assert len(drawn) == 3
    assert drawn == CARDS.drawn(context, language)
    assert ("Make default" in html or "Сделать основной" in html) is ready
    assert " ".join(drawn).count('name="csrfmiddlewaretoken"') == (2 if ready else 0)
    assert "<b>" not in html
