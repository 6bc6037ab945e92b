# ruff: noqa: RUF001 - Russian text: Cyrillic letters that look Latin are meant.
"""The support console in Russian: a Support-group member whose account and switcher say
Russian reads the dashboard, the order list and an order's page in Russian, with none of
the English originals of the strings marked for translation left over."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from tests.factories import ProductFactory, SellerFactory, order_placed

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def russian_support_client(client, support_user):
    support_user.language = "ru"
    support_user.save(update_fields=["language"])
    client.force_login(support_user)
    # The footer switcher, as a staff member would use it.
    client.post(reverse("set_language"), {"language": "ru", "next": "/admin/"})
    return client


@pytest.fixture
def order():
    seller = SellerFactory(shipping_fee=Decimal("0.00"), name="Harbour Pottery")
    return order_placed(product=ProductFactory(price=Decimal("30.50"), stock=5, seller=seller))


def _text(response) -> str:
    assert response.status_code == 200
    html = response.content.decode()
    return re.sub(r"\s+", " ", html)


def _check(html: str, russian: list[str], english: list[str]) -> None:
    missing = [text for text in russian if text not in html]
    left = [text for text in english if text in html]
    assert missing == [], f"Russian text missing: {missing}"
    assert left == [], f"English text left: {left}"


def test_the_dashboard_is_in_russian(russian_support_client, order):
    html = _text(russian_support_client.get(reverse("admin:index")))
    assert 'lang="ru"' in html
    _check(
        html,
        russian=[
            "Заказы за сегодня",
            '<th scope="col">Заказ</th>',
            '<th scope="col">Покупатель</th>',
            '<th scope="col">Статус</th>',
            '<th scope="col">Итого</th>',
            "Все заказы за сегодня",
            "Неудачные платежи за 24 ч",
            "Неудачных платежей нет.",
            "Последние действия",
            "Мои действия",
            'aria-label="Панель поддержки"',
            "Поддержка Bazaar",
        ],
        english=[
            "Today's orders",
            "Today&#x27;s orders",
            '<th scope="col">Order</th>',
            '<th scope="col">Customer</th>',
            '<th scope="col">Status</th>',
            '<th scope="col">Total</th>',
            "All of today",
            "No orders yet today.",
            "Failed payments, last 24 h",
            "No failed payments.",
            "Recent actions",
            "My actions",
            "None available",
            "Support dashboard",
            "Payments awaiting action",
            "Bazaar support",
        ],
    )


def test_the_order_list_is_in_russian(russian_support_client, order):
    html = _text(russian_support_client.get(reverse("admin:shop_order_changelist")))
    _check(
        html,
        russian=[
            "Покупатель",
            "Статус",
            "Итого",
            "Отметить отправленным",
            "способ оплаты",
            # The navigation names the models in Russian too.
            ">Заказы<",
            ">Платежи<",
            ">Возвраты<",
            ">Заблокированные карты<",
            ">Продавцы<",
        ],
        english=[
            ">Orders<",
            ">Payments<",
            ">Refunds<",
            ">Blocked cards<",
            ">Sellers<",
            ">customer<",
            ">Customer<",
            ">status<",
            ">Status<",
            ">Total<",
            ">Created<",
            ">Paid<",
            "Mark shipped",
            "Mark delivered",
            "Mark bank transfer received",
            "payment method",
        ],
    )


def test_an_order_page_is_in_russian(russian_support_client, order):
    html = _text(russian_support_client.get(reverse("admin:shop_order_change", args=[order.pk])))
    _check(
        html,
        russian=[
            "Деньги",
            "Последний платёж",
            "Платежа пока нет",
            "Осталось вернуть",
            "Журнал действий",
            "Сотрудники пока ничего не делали с этим заказом.",
            "Покупатель",
            "Подытог",
            "Адрес доставки",
            "Цена за единицу",
        ],
        english=[
            "Latest payment",
            "No payment yet",
            "Left to refund",
            "Audit log",
            "No staff actions on this order yet.",
            "Subtotal",
            "Ship to",
            "Paid with",
            "Unit price",
            "Line total",
            ">Customer<",
            "Money</h2>",
            "No events yet.",
        ],
    )
