"""Order emails as the shopper reads them: plain text and HTML, no card number, and the
partly-refunded badge on the order page."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from shop.services import order_cancel, order_mark_shipped, order_pay_with_saved_card, order_refund
from tests.factories import (
    AddressFactory,
    CardFactory,
    ProductFactory,
    SellerFactory,
    UserFactory,
    order_placed,
)

pytestmark = pytest.mark.django_db

CARD_NUMBERS = ("4242424242424242", "4242 4242 4242 4242", "5555555555554444")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def shopper():
    return UserFactory(full_name="Seán O'Brien")


@pytest.fixture
def paid_order(shopper, django_capture_on_commit_callbacks):
    card = CardFactory(owner=shopper)
    seller = SellerFactory(shipping_fee=Decimal("5.50"), free_shipping_threshold=Decimal("99.00"))
    product = ProductFactory(
        seller=seller, title="Tom & Jerry's <Mug>", price=Decimal("20.00"), stock=5
    )
    address = AddressFactory(
        user=shopper, full_name="Seán O'Brien", line1="12 Rue d'Été", country="IE"
    )
    order = order_placed(user=shopper, product=product, address=address)
    with django_capture_on_commit_callbacks(execute=True):
        return order_pay_with_saved_card(order=order, card=card, idempotency_key="k")


def _parts(message) -> tuple[str, str]:
    ((html, mimetype),) = message.alternatives
    assert mimetype == "text/html"
    return message.body, html


def _no_card_number(*texts: str) -> None:
    for text in texts:
        for number in CARD_NUMBERS:
            assert number not in text


def test_confirmation_is_plain_text_unescaped_and_html_escaped(paid_order, mailoutbox):
    confirmation = mailoutbox[-1]
    assert confirmation.subject == f"Your Bazaar order {paid_order.number} is confirmed"
    text, html = _parts(confirmation)

    assert "Hello Seán," in text
    assert "1 x Tom & Jerry's <Mug>" in text
    assert "  Seán O'Brien\n  12 Rue d'Été\n" in text
    assert "Ireland" in text and "&#x27;" not in text and "&amp;" not in text
    assert "Tom &amp; Jerry&#x27;s &lt;Mug&gt;" in html
    assert "<Mug>" not in html
    assert "Ireland" in html
    assert "Visa •••• 4242" in text and "Visa •••• 4242" in html
    _no_card_number(text, html)


def test_partial_and_full_refunds_each_send_a_notice_in_both_formats(
    paid_order, mailoutbox, django_capture_on_commit_callbacks
):
    order_mark_shipped(order=paid_order)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        order_refund(order=paid_order, amount=Decimal("5.00"), reason="Dented")
    with django_capture_on_commit_callbacks(execute=True):
        order_refund(order=paid_order, amount=Decimal("20.50"), reason="Returned")

    assert [m.subject for m in mailoutbox] == [
        f"A refund for your Bazaar order {paid_order.number}"
    ] * 2
    partial_text, partial_html = _parts(mailoutbox[0])
    full_text, full_html = _parts(mailoutbox[1])
    assert "We have refunded $5.00 in total" in partial_text
    assert "We have refunded $5.00 in total" in partial_html
    assert "We have refunded $25.50 in total" in full_text
    assert "to Visa •••• 4242" in full_text
    _no_card_number(partial_text, partial_html, full_text, full_html)


def test_cancellation_notice_names_the_refund_in_both_formats(
    paid_order, mailoutbox, django_capture_on_commit_callbacks
):
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        order_cancel(order=paid_order, reason="Changed my mind.")
    (notice,) = mailoutbox
    text, html = _parts(notice)
    assert notice.subject == f"Your Bazaar order {paid_order.number} was cancelled"
    assert "We have refunded $25.50 to Visa •••• 4242" in text
    assert "$25.50" in html
    _no_card_number(text, html)


def test_a_cancelled_order_refunded_in_full_is_not_shown_as_partly_refunded(
    client, shopper, paid_order
):
    order_cancel(order=paid_order, reason="Changed my mind.")
    client.force_login(shopper)
    content = client.get(reverse("shop:order-detail", args=[paid_order.number])).content.decode()
    assert 'data-testid="order-status">Cancelled<' in content
    assert "Partly refunded" not in content


def test_a_partial_refund_is_shown_as_partly_refunded(client, shopper, paid_order):
    order_mark_shipped(order=paid_order)
    order_refund(order=paid_order, amount=Decimal("5.00"), reason="Dented")
    client.force_login(shopper)
    content = client.get(reverse("shop:order-detail", args=[paid_order.number])).content.decode()
    assert 'data-testid="order-status">Shipped<' in content
    assert "Partly refunded" in content


# ------------------------------------------------------------------ absolute links

SITE = "https://shop.bazaar.example"


def _pay_token(client, order) -> str:
    page = client.get(reverse("shop:order-pay", args=[order.number])).content.decode()
    return re.search(r'name="token" value="([0-9a-f]{32})"', page).group(1)


def test_every_order_letter_links_to_the_order_on_the_public_site(
    client, shopper, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.SITE_URL = SITE + "/"  # a trailing slash must not double up
    card = CardFactory(owner=shopper)
    order = order_placed(user=shopper, product=ProductFactory(price=Decimal("20.00"), stock=5))
    client.force_login(shopper)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("shop:order-pay", args=[order.number]),
            {"token": _pay_token(client, order), "method": f"card-{card.pk}"},
        )
    with django_capture_on_commit_callbacks(execute=True):
        order_mark_shipped(order=order)
        order_refund(order=order, amount=Decimal("5.00"), reason="Dented")  # staff's action

    other = order_placed(user=shopper, product=ProductFactory(stock=5))
    with django_capture_on_commit_callbacks(execute=True):
        order_pay_with_saved_card(order=other, card=card, idempotency_key="other")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("shop:order-cancel", args=[other.number]))

    assert [m.subject for m in mailoutbox] == [
        f"Your Bazaar order {order.number} is confirmed",
        f"A refund for your Bazaar order {order.number}",
        f"Your Bazaar order {other.number} is confirmed",
        f"Your Bazaar order {other.number} was cancelled",
    ]
    for message, number in zip(
        mailoutbox, (order.number, order.number, other.number, other.number), strict=True
    ):
        text, html = _parts(message)
        expected = f"{SITE}/orders/{number}/"
        assert expected in text
        assert f'<a href="{expected}">' in html
        assert "//orders" not in text
