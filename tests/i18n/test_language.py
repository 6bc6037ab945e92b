"""Languages as a shopper meets them: English by default (whatever the browser asks for),
Russian after choosing it in the footer, the choice kept on the account and applied at
login, prices and dates written the Russian way, and letters in the account's language."""

import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from accounts.models import User
from shop.services import order_pay_with_saved_card
from tests.factories import (
    DEFAULT_PASSWORD,
    AddressFactory,
    CardFactory,
    ProductFactory,
    SellerFactory,
    UserFactory,
    order_placed,
)
from wallet.services.notices import card_notice_send

pytestmark = pytest.mark.django_db

SETLANG = "/i18n/setlang/"
NBSP = "\u00a0"


@pytest.fixture(autouse=True)
def _english_afterwards():
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def product():
    seller = SellerFactory(name="Nordic Home Goods", slug="nordic-home-goods")
    return ProductFactory(seller=seller, title="Linen Apron", price=Decimal("1234.50"))


def _lang(response) -> str:
    return re.search(r"<html lang=\"([^\"]+)\"", response.content.decode())[1]


def test_a_new_visitor_sees_english_even_when_the_browser_asks_for_russian(client, product):
    response = client.get(product.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="ru-RU,ru;q=0.9")

    html = response.content.decode()
    assert _lang(response) == "en"
    assert response["Content-Language"] == "en"
    assert "Add to cart" in html and "$1,234.50" in html
    assert 'value="ru" lang="ru">Русский</option>' in html  # the switcher offers Russian


def test_the_footer_switcher_turns_the_site_russian_and_back(client, product):
    response = client.post(SETLANG, {"language": "ru", "next": product.get_absolute_url()})

    assert response.status_code == 302
    assert response["Location"] == product.get_absolute_url()
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ru"
    page = client.get(product.get_absolute_url())
    html = page.content.decode()
    assert _lang(page) == "ru" and page["Content-Language"] == "ru"
    assert "В корзину" in html and "Купить сейчас" in html and "Add to cart" not in html
    assert f"1{NBSP}234,50{NBSP}$" in html
    assert (
        reverse("shop:product-detail", args=[product.slug]) == product.get_absolute_url()
    )  # no prefix

    client.post(SETLANG, {"language": "en", "next": "/"})
    assert "Add to cart" in client.get(product.get_absolute_url()).content.decode()


def test_the_switcher_never_writes_on_get_and_ignores_unknown_languages(user_client, user):
    assert user_client.get(SETLANG).status_code == 405

    response = user_client.post(SETLANG, {"language": "xx", "next": "/"})

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.language == "en"
    assert _lang(user_client.get("/help/")) == "en"


def test_a_signed_in_shoppers_choice_is_kept_on_the_account_and_applied_at_login(user_client, user):
    user_client.post(SETLANG, {"language": "ru", "next": "/"})
    user.refresh_from_db()
    assert user.language == "ru"

    # Another device, no language cookie: logging in brings the account's language back.
    client = Client()
    assert _lang(client.get("/help/")) == "en"
    response = client.post(
        reverse("accounts:login"), {"username": user.email, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ru"
    page = client.get("/help/")
    assert _lang(page) == "ru"
    assert "Помощь" in page.content.decode()


def test_signing_up_while_browsing_in_russian_makes_a_russian_account(client):
    client.post(SETLANG, {"language": "ru", "next": "/"})

    client.post(
        reverse("accounts:signup"),
        {
            "email": "olga@example.com",
            "password1": "a-long-pass-phrase",
            "password2": "a-long-pass-phrase",
        },
    )

    assert User.objects.get(email="olga@example.com").language == "ru"


def test_form_errors_are_russian_for_a_russian_shopper(client):
    client.post(SETLANG, {"language": "ru", "next": "/"})

    response = client.post(
        reverse("accounts:login"), {"username": "nobody@example.com", "password": "x"}
    )

    assert "Нет аккаунта с такой почтой и паролем" in response.content.decode()


def _paid_order(user, django_capture_on_commit_callbacks):
    card = CardFactory(owner=user)
    product = ProductFactory(title="Linen Apron", price=Decimal("1234.50"), stock=3)
    order = order_placed(user=user, product=product, address=AddressFactory(user=user))
    with django_capture_on_commit_callbacks(execute=True):
        return order_pay_with_saved_card(order=order, card=card, idempotency_key=f"k-{user.pk}")


def test_order_letters_go_out_in_each_accounts_language(
    mailoutbox, django_capture_on_commit_callbacks
):
    english = UserFactory(full_name="Ada Lovelace", language="en")
    russian = UserFactory(full_name="Ольга Петрова", language="ru")
    # Whatever language the request that causes them is in.
    translation.activate("ru")
    english_order = _paid_order(english, django_capture_on_commit_callbacks)
    translation.activate("en")
    russian_order = _paid_order(russian, django_capture_on_commit_callbacks)

    letters = {message.to[0]: message for message in mailoutbox}
    en, ru = letters[english.email], letters[russian.email]
    assert en.subject == f"Your Bazaar order {english_order.number} is confirmed"
    assert "Thank you for your order." in en.body and "Hello Ada," in en.body
    assert "Total" in en.body and "$1,2" in en.body
    assert ru.subject == f"Ваш заказ {russian_order.number} на Bazaar подтверждён"
    assert "Спасибо за заказ!" in ru.body and "Здравствуйте, Ольга!" in ru.body
    assert "Итого" in ru.body and f"{NBSP}$" in ru.body and "Thank you" not in ru.body
    html = ru.alternatives[0][0]
    assert "Спасибо за заказ!" in html and "Итого" in html


def test_security_notices_and_password_reset_letters_use_the_accounts_language(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    russian = UserFactory(full_name="Ольга Петрова", language="ru")
    card = CardFactory(owner=russian)
    with django_capture_on_commit_callbacks(execute=True):
        card_notice_send(card=card, notice="expiring")
    # Asked for from an English page: the letter is still Russian (sent once the request's
    # transaction commits, through the outbox).
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:password_reset"), {"email": russian.email})

    notice, reset = mailoutbox
    assert notice.subject == "Скоро истекает срок действия карты в вашем кошельке на Bazaar"
    assert f"Срок действия вашей карты {card.display} истекает в конце" in notice.body
    assert reset.subject == "Сброс пароля от Bazaar"
    assert "Чтобы задать новый пароль, откройте ссылку:" in reset.body
    assert "/accounts/reset/" in reset.body


def test_the_not_found_page_speaks_the_shoppers_language(client):
    english = client.get("/no-such-page/")
    assert english.status_code == 404
    assert "Page not found" in english.content.decode()

    client.post(SETLANG, {"language": "ru", "next": "/"})
    russian = client.get("/no-such-page/")

    assert russian.status_code == 404
    assert "Страница не найдена" in russian.content.decode()
