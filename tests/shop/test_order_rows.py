"""The orders list draws its rows with {% order_rows %} and the order page its status badge
with {% order_status %} (escaped f-strings, no template nodes per row); these tests hold
each row equal to the template-language row it replaced (order_row_in_template_language.html)
and the badge to shop/_order_status.html, in English and Russian, for every state a row
shows; and the order page's lines and timeline ({% order_lines %}, {% order_timeline %}) to
theirs (order_detail_rows_in_template_language.html)."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.utils import timezone, translation

from shop.models import Order, OrderStatus
from shop.selectors import order_list_for_user
from shop.templatetags.order_tags import order_status
from tests.factories import ProductFactory, SellerFactory, order_placed
from tests.template_copies import TemplateCopy, page_in, squeezed
from wallet.models import Payment, PaymentStatus

pytestmark = pytest.mark.django_db

ROWS = TemplateCopy(
    __file__,
    "order_row_in_template_language.html",
    re.compile(r'<li class="list-group-item py-3" data-testid="order-row">.*?</li>', re.S),
    squeezed("li", "div"),
)


@pytest.fixture
def history(user):
    """Orders in every state a row shows: waiting for payment, overdue, waiting for a bank
    transfer, paid, cancelled, refund pending; two of one product; a seller with markup in
    its name; another currency."""
    odd = SellerFactory(name='Tea & "Co" <b>', currency="EUR")
    orders = {
        "waiting": order_placed(user=user),
        "overdue": order_placed(user=user),
        "transfer": order_placed(user=user, product=ProductFactory(seller=odd, currency="EUR")),
        "paid": order_placed(user=user, quantity=2),
        "cancelled": order_placed(user=user),
        "refund_pending": order_placed(user=user),
    }
    Order.objects.filter(pk=orders["overdue"].pk).update(
        created_at=timezone.now() - timedelta(days=3)
    )
    Payment.objects.create(
        user=user,
        reference=orders["transfer"].number,
        method=Payment.Method.BANK_TRANSFER,
        amount=Decimal("10.00"),
        currency="EUR",
        idempotency_key="rows-transfer",
        status=PaymentStatus.PROCESSING,
    )
    for name in ("paid", "cancelled", "refund_pending"):
        Order.objects.filter(pk=orders[name].pk).update(status=name)
    return orders


@pytest.mark.parametrize("language", ["en", "ru"])
def test_each_order_row_is_the_template_language_row(user_client, user, history, language):
    drawn = ROWS.pieces(page_in(user_client, "/orders/", language))
    orders = list(order_list_for_user(user=user))

    assert len(drawn) == len(history)
    assert drawn == ROWS.drawn({"page_obj": orders}, language)
    page = " ".join(drawn)
    for status in ("overdue", "pending_payment", "paid", "cancelled", "refund_pending"):
        assert f"bz-status-{status}" in page, status
    words = {
        "en": ("Not paid in time", "Waiting for your bank transfer", "1 item", "€"),
        "ru": ("Не оплачен вовремя", "Ждём ваш банковский перевод", "\u00a0€"),  # noqa: RUF001
    }[language]
    for word in words:
        assert word in page, word
    assert "Tea &amp; &quot;Co&quot; &lt;b&gt;" in page


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.parametrize("partly_refunded", [False, True])
def test_the_status_badge_is_the_order_status_partial(user, history, language, partly_refunded):
    for order in order_list_for_user(user=user):
        with translation.override(language):
            partial = render_to_string(
                "shop/_order_status.html", {"order": order, "partly_refunded": partly_refunded}
            )
            drawn = order_status(order, partly_refunded)
        assert drawn == partial.strip(), order.status


def test_order_rows_link_each_order(user_client, user, history):
    html = user_client.get("/orders/").content.decode()

    for order in history.values():
        link = f'href="/orders/{order.number}/">{order.number}</a>'
        assert f'<a class="fw-semibold text-nowrap" {link}' in html
    assert str(OrderStatus.PAID.label) in html


DETAIL_ROWS = TemplateCopy(
    __file__,
    "order_detail_rows_in_template_language.html",
    re.compile(
        r'<li class="(?:list-group-item px-0 d-flex[^"]*" data-testid="order-line|mb-2)">'
        r".*?</li>",
        re.S,
    ),
    squeezed("li", "div"),
)


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_order_pages_lines_and_timeline_are_the_template_language_ones(
    user_client, user, language
):
    seller = SellerFactory(currency="USD")
    order = order_placed(
        user=user,
        product=ProductFactory(seller=seller, title="<i>Mug</i>", price=Decimal("1234.50")),
        quantity=2,
    )
    order.events.create(
        from_status=OrderStatus.PENDING_PAYMENT,
        to_status=OrderStatus.PAID,
        reason="Paid $2,469.00 with Visa •••• 4242.",
    )
    order.events.create(
        from_status=OrderStatus.PAID, to_status=OrderStatus.PAID, reason="Rang <b>twice</b>"
    )
    order.events.create(from_status=OrderStatus.PAID, to_status=OrderStatus.SHIPPED)
    user_client.cookies["django_language"] = language

    response = user_client.get(order.get_absolute_url())
    drawn = DETAIL_ROWS.pieces(response.content.decode())
    detail = response.context["detail"]

    assert len(drawn) == 1 + 4
    assert drawn == DETAIL_ROWS.drawn({"detail": detail, "order": order}, language)
    page = " ".join(drawn)
    assert "&lt;i&gt;Mug&lt;/i&gt;" in page and "&lt;b&gt;twice&lt;/b&gt;" in page
    assert {
        "en": 'Paid $2,469.00 with <span class="text-nowrap">Visa •••• 4242</span>.',
        "ru": "2\u00a0469,00\u00a0$",
    }[language] in page
