"""The Payment activity page draws its lines with {% activity_lines %} (one escaped f-string
a line, no template nodes per line); these tests hold each line equal to the
template-language version it replaced (activity_line_in_template_language.html), in English and
Russian, for every kind of line the page shows, and check what a shopper reads on it."""

import re
from decimal import Decimal

import pytest
from django.utils.html import escape

from tests.factories import CardFactory, UserFactory
from tests.template_copies import TemplateCopy, page_in, squeezed
from wallet.models import Payment, PaymentStatus, WalletEvent, event_message
from wallet.selectors import activity_shown_for_user
from wallet.services import card_remove, payment_charge_card, payment_refund

pytestmark = pytest.mark.django_db

# How activity_list.html drew each event before {% activity_lines %}.
LINES = TemplateCopy(
    __file__,
    "activity_line_in_template_language.html",
    re.compile(r'<li class="list-group-item d-flex[^"]*" data-kind=.*?</li>', re.S),
    squeezed("li", "div"),
)


@pytest.fixture
def history(user):
    """Every kind of line: cards linked and removed, a card payment (its order linked), a
    refund (+ amount), a bank transfer called off (struck through), a payment that failed
    with a reason, a line by support, one with no translated message and markup in it."""
    visa = CardFactory(owner=user, number="4242424242424242")
    CardFactory(owner=user, number="5555555555554444")
    payment = payment_charge_card(
        user=user,
        card=visa,
        amount=Decimal("1234.50"),
        currency="USD",
        reference="BZ-000042",
        idempotency_key="test-BZ-000042-1",
    )
    payment_refund(payment=payment, amount=Decimal("5.00"), reason="Damaged item")
    card_remove(card=visa)
    transfer = Payment.objects.create(
        user=user,
        reference="BZ-000043",
        method=Payment.Method.BANK_TRANSFER,
        amount=Decimal("7.00"),
        currency="EUR",
        idempotency_key="test-BZ-000043-1",
        status=PaymentStatus.CANCELED,
    )
    WalletEvent.objects.create(
        user=user,
        kind=WalletEvent.Kind.PAYMENT_CANCELED,
        payment=transfer,
        amount=transfer.amount,
        currency="EUR",
        actor=UserFactory(is_staff=True),
        **event_message("Payment of %(money)s called off.", amount="7.00", currency="EUR"),
    )
    WalletEvent.objects.create(
        user=user,
        kind=WalletEvent.Kind.PAYMENT_FAILED,
        amount=Decimal("3.00"),
        currency="",
        **event_message(
            "Payment of %(money)s declined: %(reason)s",
            amount="3.00",
            currency="USD",
            decline_code="insufficient_funds",
        ),
    )
    WalletEvent.objects.create(
        user=user, kind=WalletEvent.Kind.CARD_UPDATED, message='Old line <b>"bold"</b> & co'
    )
    return payment


BZ_42 = '<span class="text-nowrap">BZ-000042</span>'


@pytest.mark.parametrize("language", ["en", "ru"])
def test_each_activity_line_is_the_template_language_line(wallet_client, user, history, language):
    drawn = LINES.pieces(page_in(wallet_client, "/wallet/activity/", language))
    events = list(activity_shown_for_user(user=user))

    assert len(drawn) == WalletEvent.objects.filter(user=user).count() >= 8
    assert drawn == LINES.drawn({"events": events}, language)
    # The cases the two must agree on really are on the page.
    page = " ".join(drawn)
    for needle in ("text-success", "text-decoration-line-through", 'href="/orders/BZ-000042/"'):
        assert needle in page, needle
    words = {
        "en": ("Card linked", "Refund", "By Bazaar support", f"Order {BZ_42}", "+$5.00"),
        "ru": (
            "Карта добавлена",
            "Возврат",
            "Сделано поддержкой Bazaar",
            f"Заказ {BZ_42}",
            "+5,00\u00a0$",
        ),
    }[language]
    for word in words:
        assert word in page, word


def test_activity_lines_read_amounts_orders_and_support(wallet_client, history):
    html = wallet_client.get("/wallet/activity/").content.decode()

    assert "$1,234.50" in html
    assert "+$5.00" in html
    # No money moved for a payment called off or failed: its amount is struck through.
    assert '<div class="fw-semibold text-muted text-decoration-line-through">€7.00</div>' in html
    assert '<div class="fw-semibold text-muted text-decoration-line-through">$3.00</div>' in html
    # An order number is kept on one line too ("BZ-" | "000043" no more).
    link = '<a href="/orders/BZ-000043/">Order <span class="text-nowrap">BZ-000043</span></a>'
    assert link in html
    assert "· Bank transfer" in html
    # A card's name is kept on one line (a phone's column broke "Visa ••••" from "4242").
    assert '· <span class="text-nowrap">Visa •••• 4242</span>' in html
    assert "Visa ••••</span>" not in html and "•••• 4242" in html
    # In a message too: the card linked, paid with and removed.
    assert html.count('<span class="text-nowrap">Visa •••• 4242</span>') >= 4
    assert html.count("By Bazaar support") == 1


def test_an_activity_message_is_escaped(wallet_client, history):
    html = wallet_client.get("/wallet/activity/").content.decode()

    assert "<b>" not in html
    message = escape('Old line <b>"bold"</b> & co')
    assert f"<span>{message}</span>" in html
