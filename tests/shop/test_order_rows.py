"""The orders list draws its rows with {% order_rows %} and the order page its status badge
with {% order_status %} (escaped f-strings, no template nodes per row); these tests hold
each row equal to the template-language row it replaced (order_row_in_template_language.html)
and the badge to shop/_order_status.html, in English and Russian, for every state a row
shows; and the order page's lines and timeline ({% order_lines %}, {% order_timeline %}) to
theirs (order_detail_rows_in_template_language.html)."""

import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.template import Context, Template
from django.template.loader import render_to_string
from django.utils import timezone, translation

from shop.models import Order, OrderStatus
from shop.selectors import order_list_for_user
from shop.templatetags.order_tags import order_status
from tests.factories import ProductFactory, SellerFactory, order_placed
from wallet.models import Payment, PaymentStatus

pytestmark = pytest.mark.django_db

ROW_IN_TEMPLATE_LANGUAGE = (
    Path(__file__).parent / "order_row_in_template_language.html"
).read_text()

ROW = re.compile(r'<li class="list-group-item py-3" data-testid="order-row">.*?</li>', re.S)


def _normal(html: str) -> str:
    """Whitespace as a browser reads it: runs squeezed to one space, none beside a block
    element's tags (where it draws nothing)."""
    html = re.sub(r"\s+", " ", html, flags=re.ASCII)
    return re.sub(r"\s*(</?(?:li|div)\b[^>]*>)\s*", r"\1", html, flags=re.ASCII).strip()


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


def _rows_on_page(client, language: str) -> list[str]:
    client.cookies["django_language"] = language
    response = client.get("/orders/")
    assert response.status_code == 200
    return [_normal(m) for m in ROW.findall(response.content.decode())]


def _rows_in_template_language(user, language: str) -> list[str]:
    orders = list(order_list_for_user(user=user))
    with translation.override(language):
        html = Template(ROW_IN_TEMPLATE_LANGUAGE).render(Context({"page_obj": orders}))
    return [_normal(m) for m in ROW.findall(html)]


@pytest.mark.parametrize("language", ["en", "ru"])
def test_each_order_row_is_the_template_language_row(user_client, user, history, language):
    drawn = _rows_on_page(user_client, language)

    assert len(drawn) == len(history)
    assert drawn == _rows_in_template_language(user, language)
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
        assert f'<a class="fw-semibold" href="/orders/{order.number}/">{order.number}</a>' in html
    assert str(OrderStatus.PAID.label) in html


DETAIL_ROWS_IN_TEMPLATE_LANGUAGE = (
    Path(__file__).parent / "order_detail_rows_in_template_language.html"
).read_text()
DETAIL_ROW = re.compile(
    r'<li class="(?:list-group-item px-0 d-flex[^"]*" data-testid="order-line|mb-2)">.*?</li>',
    re.S,
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
    drawn = [_normal(m) for m in DETAIL_ROW.findall(response.content.decode())]
    detail = response.context["detail"]
    with translation.override(language):
        html = Template(DETAIL_ROWS_IN_TEMPLATE_LANGUAGE).render(
            Context({"detail": detail, "order": order})
        )

    assert len(drawn) == 1 + 4
    assert drawn == [_normal(m) for m in DETAIL_ROW.findall(html)]
    page = " ".join(drawn)
    assert "&lt;i&gt;Mug&lt;/i&gt;" in page and "&lt;b&gt;twice&lt;/b&gt;" in page
    assert {"en": "Paid $2,469.00 with Visa", "ru": "2\u00a0469,00\u00a0$"}[language] in page
