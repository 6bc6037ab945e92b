"""The whole shopper's journey in Russian, in Chromium, driven by the Russian labels: switch
the language in the footer, sign up, a three-step purchase with Save card, a two-step one,
the wallet; Buy now; the card-upkeep letter and activity. No English label is left on the
way (checked on each page against the contract's English labels)."""

import re
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import User
from shop.models import Order, OrderStatus
from tests.factories import (
    DEFAULT_PASSWORD,
    AddressFactory,
    CardFactory,
    ProductFactory,
    SellerFactory,
    UserFactory,
    WalletAccountFactory,
)
from wallet.models import Card

ORDER_URL = re.compile(r"/orders/BZ-\d{6}/$")
PAY_URL = re.compile(r"/orders/BZ-\d{6}/pay/$")
NBSP = "\u00a0"
# The contract's English labels (../shared/DESIGN.md): none may show on a Russian page.
ENGLISH_LABELS = (
    "Add to cart",
    "Buy now",
    "Order from this seller",
    "Way of payment",
    "Other payment methods",
    "Accept and pay",
    "Save card",
    "Add a card",
    "View your cards",
    "Payment activity",
    "Make default",
    "Your payment is being processed",
)


@pytest.fixture
def catalog(transactional_db):
    seller = SellerFactory(
        name="Nordic Home Goods",
        slug="nordic-home-goods",
        shipping_fee=Decimal("6.90"),
        free_shipping_threshold=Decimal("60.00"),
    )
    ProductFactory(
        seller=seller,
        title="Stoneware Coffee Mug",
        slug="stoneware-coffee-mug",
        price=Decimal("1218.50"),
        stock=10,
    )
    return seller


def _no_english_labels(page) -> None:
    text = page.locator("body").inner_text()
    left = [label for label in ENGLISH_LABELS if label in text]
    assert left == [], f"English labels on a Russian page {page.url}: {left}"


def _switch_to_russian(page) -> None:
    page.goto("/")
    page.get_by_label("Language").select_option("ru")
    page.get_by_role("button", name="Change").click()
    expect(page.locator("html")).to_have_attribute("lang", "ru")


def _add_mug_to_cart(page) -> None:
    page.goto("/products/stoneware-coffee-mug/")
    _no_english_labels(page)
    page.get_by_role("button", name="В корзину").click()
    expect(page.get_by_role("heading", name="Корзина")).to_be_visible()


def test_sign_up_and_buy_three_steps_then_two_then_the_wallet_in_russian(page, screenshot, catalog):
    _switch_to_russian(page)
    expect(page.get_by_role("link", name="Корзина").first).to_be_visible()

    # Sign up.
    page.get_by_role("link", name="Регистрация").click()
    page.get_by_label("Электронная почта").fill("olga@example.com")
    page.get_by_label("Пароль", exact=True).fill("a-long-pass-phrase")
    page.get_by_label("Повторите пароль").fill("a-long-pass-phrase")
    page.get_by_role("button", name="Зарегистрироваться").click()
    expect(page.get_by_text("Добро пожаловать на Bazaar! Ваш аккаунт готов.")).to_be_visible()
    assert User.objects.get(email="olga@example.com").language == "ru"

    # Three steps: Оформить заказ у продавца → Подтвердить и оплатить → Оплатить (Save card).
    _add_mug_to_cart(page)
    expect(page.get_by_test_id("group-total")).to_have_text(f"1{NBSP}218,50{NBSP}$")
    _no_english_labels(page)
    screenshot(page, "cart")
    page.get_by_role("link", name="Оформить заказ у продавца").click()  # step 1
    expect(page.get_by_role("heading", name="Способ оплаты")).to_be_visible()
    expect(page.get_by_test_id("step-count")).to_have_text("Шаг 1 из 3")
    page.get_by_label("Имя и фамилия").fill("Ольга Петрова")
    page.get_by_label("Адрес, строка 1").fill("ул. Ленина, д. 1, кв. 2")
    page.get_by_label("Город").fill("Казань")
    page.get_by_label("Почтовый индекс").fill("420111")
    page.get_by_label("Страна").select_option("RU")
    _no_english_labels(page)
    screenshot(page, "order-page")
    page.get_by_role("button", name="Подтвердить и оплатить").click()  # step 2

    expect(page).to_have_url(PAY_URL)
    expect(page.get_by_test_id("step-count")).to_have_text("Шаг 2 из 3")
    page.get_by_label("Номер карты").fill("4242 4242 4242 4242")
    page.get_by_label("Имя на карте").fill("OLGA PETROVA")
    page.get_by_label("Срок действия (ММ/ГГ)").fill("12/39")
    page.get_by_label("CVC").fill("123")
    save = page.get_by_label("Сохранить карту")
    expect(save).not_to_be_checked()
    save.check()
    _no_english_labels(page)
    screenshot(page, "payment-page")
    page.get_by_role("button", name="Оплатить", exact=True).click()  # step 3

    expect(page).to_have_url(ORDER_URL)
    first = Order.objects.get()
    expect(page.get_by_text(f"Спасибо! Заказ {first.number} оплачен.")).to_be_visible()
    expect(page.get_by_text("Карта Visa •••• 4242 сохранена в кошельке.")).to_be_visible()
    expect(page.get_by_test_id("order-status")).to_have_text("Оплачен")
    expect(page.get_by_test_id("order-total")).to_have_text(f"1{NBSP}218,50{NBSP}$")
    # The timeline's reasons, stored in English for support, read in Russian.
    timeline = page.get_by_test_id("order-timeline")
    expect(timeline).to_contain_text("Заказ оформлен.")
    expect(timeline).to_contain_text(f"Оплачено 1{NBSP}218,50{NBSP}$: Visa •••• 4242.")
    _no_english_labels(page)
    screenshot(page, "paid-order")
    assert first.status == OrderStatus.PAID

    # Two steps with the saved card: Оформить заказ у продавца → Подтвердить и оплатить.
    _add_mug_to_cart(page)
    page.get_by_role("link", name="Оформить заказ у продавца").click()  # step 1
    expect(page.get_by_test_id("step-count")).to_have_text("Шаг 1 из 2")
    card = Card.objects.get()
    expect(page.get_by_label(f"Visa •••• 4242, действует до {card.expiry_display}")).to_be_checked()
    _no_english_labels(page)
    page.get_by_role("button", name="Подтвердить и оплатить").click()  # step 2
    expect(page).to_have_url(ORDER_URL)
    expect(page.get_by_test_id("order-status")).to_have_text("Оплачен")
    assert Order.objects.filter(status=OrderStatus.PAID).count() == 2

    # The wallet: the card saved at checkout, and the payments in the activity.
    page.get_by_role("link", name="Кошелёк").first.click()
    expect(page.get_by_text("У вас уже есть 1 сохранённая карта:")).to_be_visible()
    _no_english_labels(page)
    page.get_by_role("link", name="Мои карты").first.click()
    expect(page.get_by_role("heading", name="Мои карты")).to_be_visible()
    expect(page.get_by_test_id("saved-card")).to_have_count(1)
    _no_english_labels(page)
    screenshot(page, "your-cards")
    page.goto("/wallet/activity/")
    expect(page.get_by_role("heading", name="История платежей")).to_be_visible()
    expect(
        page.get_by_text(f"Оплачено 1{NBSP}218,50{NBSP}$ за {first.number}: Visa •••• 4242.")
    ).to_be_visible()
    _no_english_labels(page)
    screenshot(page, "activity")


def test_buy_now_in_two_steps_in_russian(page, login, screenshot, catalog):
    user = UserFactory(email="olga@example.com", full_name="Ольга Петрова", language="ru")
    AddressFactory(user=user, full_name="Ольга Петрова")
    CardFactory(owner=user)
    login(user.email, DEFAULT_PASSWORD)  # the account's language comes with the login

    page.goto("/products/stoneware-coffee-mug/")
    page.get_by_label("Количество").fill("2")
    page.get_by_role("button", name="Купить сейчас").click()  # step 1
    expect(page.get_by_role("heading", name="Купить: Stoneware Coffee Mug")).to_be_visible()
    expect(page.get_by_test_id("step-count")).to_have_text("Шаг 1 из 2")
    expect(page.get_by_text("2 шт. ×")).to_be_visible()
    _no_english_labels(page)
    screenshot(page, "buy-now")
    page.get_by_role("button", name="Подтвердить и оплатить").click()  # step 2

    expect(page).to_have_url(ORDER_URL)
    expect(page.get_by_test_id("order-status")).to_have_text("Оплачен")
    assert Order.objects.get().lines.get().quantity == 2


def test_card_upkeep_letters_and_activity_in_russian(page, login, screenshot, transactional_db):
    year = timezone.now().year + 1
    with time_machine.travel(date(year, 12, 5)):
        user = UserFactory(email="olga@example.com", full_name="Ольга Петрова", language="ru")
        WalletAccountFactory(user=user, confirmed_at=timezone.now())
        CardFactory(owner=user, exp_month=12, exp_year=year)
        mail.outbox.clear()
        call_command("send_card_expiry_reminders", stdout=StringIO())
        (reminder,) = mail.outbox
    assert reminder.subject == "Скоро истекает срок действия карты в вашем кошельке на Bazaar"
    assert f"Срок действия вашей карты Visa •••• 4242 истекает в конце декабря {year}" in (
        reminder.body
    )
    assert "Здравствуйте, Ольга!" in reminder.body

    reissued = CardFactory(owner=user, number="4000000000005506")
    new_expiry = f"12/{(reissued.exp_year + 3) % 100:02d}"
    mail.outbox.clear()
    call_command("update_cards_from_issuers", stdout=StringIO())
    (notice,) = mail.outbox
    assert notice.subject == "Банк обновил карту в вашем кошельке на Bazaar"

    login(user.email, DEFAULT_PASSWORD)
    page.goto("/wallet/activity/")
    expect(page.get_by_text("Банк обновил карту").first).to_be_visible()
    expect(page.get_by_text(f"теперь действует до {new_expiry}")).to_be_visible()
    _no_english_labels(page)
    screenshot(page, "activity-card-updated-by-bank")


def _overflows(page) -> list[str]:
    """What overflows at the current width: the page sideways, or a control's own label
    (Russian words are longer than English ones); and fields side by side whose boxes are
    not level."""
    return page.evaluate(
        """() => {
          const problems = [];
          if (document.documentElement.scrollWidth > window.innerWidth + 1)
            problems.push(`page ${document.documentElement.scrollWidth}px wide`);
          for (const el of document.querySelectorAll('button, a.btn, .badge, label, .nav-link')) {
            if (!el.offsetParent) continue;
            if (el.scrollWidth > el.clientWidth + 1)
              problems.push(`"${el.innerText.trim()}" overflows its box`);
          }
          // Fields side by side (expiry and CVC) keep their boxes level, whichever label
          // takes two lines ("Срок действия (ММ/ГГ)" on a phone).
          for (const form of document.querySelectorAll('form')) {
            const [expiry, cvc] = ['expiry', 'cvc'].map((name) =>
              form.querySelector(`input[name$="${name}"]`));
            if (!expiry?.offsetParent || !cvc?.offsetParent) continue;
            const [a, b] = [expiry, cvc].map((el) => el.getBoundingClientRect());
            if (Math.abs(a.top - b.top) > 1)
              problems.push(`expiry and CVC boxes ${Math.round(b.top - a.top)}px apart in height`);
          }
          return problems;
        }"""
    )


def test_russian_pages_fit_a_phone_and_a_laptop(page, login, screenshot, catalog):
    user = UserFactory(email="olga@example.com", full_name="Ольга Петрова", language="ru")
    AddressFactory(user=user, full_name="Ольга Петрова")
    WalletAccountFactory(user=user, confirmed_at=timezone.now())
    CardFactory(owner=user, make_default=True)
    login(user.email, DEFAULT_PASSWORD)
    page.goto("/products/stoneware-coffee-mug/")
    page.get_by_role("button", name="В корзину").click()
    page.get_by_role("link", name="Оформить заказ у продавца").click()
    page.get_by_label("Другие способы оплаты").check()
    page.get_by_role("button", name="Подтвердить и оплатить").click()
    expect(page).to_have_url(re.compile(r"/orders/BZ-\d{6}/pay/\?way=other$"))
    pay_url = page.url
    order = Order.objects.get()
    page.goto("/products/stoneware-coffee-mug/")
    page.get_by_role("button", name="В корзину").click()

    urls = [
        "/",
        "/products/stoneware-coffee-mug/",
        "/cart/",
        "/checkout/nordic-home-goods/",
        pay_url,
        order.get_absolute_url(),
        "/orders/",
        "/wallet/",
        "/wallet/cards/",
        "/wallet/cards/add/",
        "/wallet/activity/",
        "/help/",
        "/accounts/addresses/",
        "/accounts/password_change/",
    ]
    problems = {}
    for width in (375, 1280):
        page.set_viewport_size({"width": width, "height": 800})
        for url in urls:
            page.goto(url)
            expect(page.locator("html")).to_have_attribute("lang", "ru")
            found = _overflows(page)
            if found:
                problems[f"{url} at {width}px"] = found
                screenshot(page, f"overflow-{width}-{url.strip('/').replace('/', '-') or 'home'}")
    assert problems == {}


def test_forms_sent_empty_answer_in_russian_under_each_field(page, transactional_db):
    """The account forms leave checking to the shop (novalidate), as the card forms do: a
    form sent empty comes back with the shop's Russian messages under its fields, not the
    browser's own bubble in the browser's language."""
    _switch_to_russian(page)
    for url in ("/accounts/signup/", "/accounts/login/", "/accounts/password_reset/"):
        page.goto(url)
        page.locator(f'form[action="{url}"] button[type=submit]').click()
        expect(page.locator("html")).to_have_attribute("lang", "ru")
        required = page.locator(".invalid-feedback").filter(has_text="Это поле обязательно")
        expect(required.first).to_be_visible()
        _no_english_labels(page)
