"""Every page a shopper can reach, walked once in one browser per visitor, for the
accessibility and phone checks (test_accessibility.py, test_phone.py).

``walk_shopper_pages(browser, live_server, settings, width, check)`` seeds a small shop
(two sellers, a sold-out product, a shopper with a confirmed wallet, two saved cards and a
paid order, a newcomer with no card and no wallet), then opens each page the way a shopper
gets there — forms sent, payments declined, the bank's step-up page — and calls
``check(label, page)`` on it. Pages that need a POST to reach (a decline shown, the paid
page, Buy now's order page) are reached by pressing the page's own buttons.
"""

from collections.abc import Callable
from decimal import Decimal
from io import StringIO

from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from playwright.sync_api import Page, expect

from shop.models import Order, Product
from shop.services import cart_add_item, cart_get_or_create_for_user
from tests.factories import (
    AddressFactory,
    CardFactory,
    ProductFactory,
    SellerFactory,
    UserFactory,
    WalletAccountFactory,
)
from tests.wallet.pages import confirmation_link
from wallet.models import Card

Check = Callable[[str, Page], None]


def seed_catalog() -> dict:
    nordic = SellerFactory(
        name="Nordic Home Goods",
        slug="nordic-home-goods",
        country="SE",
        shipping_fee=Decimal("6.90"),
        free_shipping_threshold=Decimal("60.00"),
    )
    tokyo = SellerFactory(
        name="Tokyo Tech Corner",
        slug="tokyo-tech-corner",
        country="JP",
        shipping_fee=Decimal("12.00"),
        free_shipping_threshold=Decimal("150.00"),
    )
    return {
        "nordic": nordic,
        "tokyo": tokyo,
        "mug": ProductFactory(
            seller=nordic,
            title="Stoneware Coffee Mug",
            slug="stoneware-coffee-mug",
            price=Decimal("18.50"),
            stock=50,
        ),
        "lamp": ProductFactory(
            seller=nordic,
            title="Oak Bedside Lamp",
            slug="oak-bedside-lamp",
            price=Decimal("64.00"),
            stock=20,
        ),
        "mouse": ProductFactory(
            seller=tokyo,
            title="Silent Wireless Mouse",
            slug="silent-wireless-mouse",
            price=Decimal("24.90"),
            stock=20,
        ),
        "sold_out": ProductFactory(
            seller=tokyo, title="Sold Out Kettle", slug="sold-out-kettle", stock=0
        ),
    }


def seed_shopper(email: str, name: str, *, wallet: bool):
    user = UserFactory(email=email, full_name=name)
    AddressFactory(
        user=user,
        full_name=name,
        line1="500 Market Street",
        city="San Francisco",
        region="CA",
        postal_code="94105",
        country="US",
        last_used_at=timezone.now(),
    )
    if wallet:
        WalletAccountFactory(user=user, confirmed_at=timezone.now())
    return user


# Content-Security-Policy refusals seen by any page made here (like conftest's ``page``
# fixture does, a refused script or style is a failure): the walk asserts there are none.
CSP_VIOLATIONS: list[str] = []


def signed_in_page(browser, live_server, width: int, user) -> Page:
    """A page in its own browser context, signed in as ``user``: the session is made by
    Django's test client (a real login, so the wallet's password re-check is fresh)."""
    client = Client()
    client.force_login(user)
    page = anonymous_page(browser, live_server, width)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return page


def anonymous_page(browser, live_server, width: int) -> Page:
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": width, "height": 900}
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.on(
        "console",
        lambda message: (
            CSP_VIOLATIONS.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text
            else None
        ),
    )
    return page


def _fill_card(page: Page, number: str, cvc: str = "123") -> None:
    page.get_by_label("Card number").fill(number)
    page.get_by_label("Name on card").fill("Bea Newcomer")
    page.get_by_label("Expiry (MM/YY)").fill("12/39")
    page.get_by_label("CVC").fill(cvc)


def _pay(page: Page) -> None:
    page.get_by_role("button", name="Pay", exact=True).click()


def walk_shopper_pages(browser, live_server, settings, width: int, check: Check) -> list[str]:
    """Visit every shopper page at ``width`` px, calling ``check(label, page)`` on each;
    returns the labels visited, in order."""
    settings.CAPTCHA_TEST_MODE = True
    CSP_VIOLATIONS.clear()
    shop = seed_catalog()
    visited: list[str] = []

    def visit(label: str, page: Page, url: str | None = None) -> None:
        if url is not None:
            page.goto(url)
        visited.append(label)
        check(label, page)

    # --- A visitor: the catalog, an empty cart, the account pages, errors.
    page = anonymous_page(browser, live_server, width)
    visit("home", page, "/")
    visit("product", page, "/products/stoneware-coffee-mug/")
    visit("product, sold out", page, "/products/sold-out-kettle/")
    visit("seller", page, "/sellers/nordic-home-goods/")
    visit("search, results", page, "/search/?q=mug")
    visit("search, no results", page, "/search/?q=nothing-like-this")
    visit("search, empty", page, "/search/?q=")
    visit("cart, empty", page, "/cart/")
    visit("sign up", page, "/accounts/signup/")
    page.get_by_label("Email").fill("newcomer@example.com")
    page.get_by_label("Password", exact=True).fill("short")
    page.get_by_label("Confirm password").fill("short")
    page.get_by_role("button", name="Create account").click()
    expect(page.locator(".invalid-feedback").first).to_be_visible()
    visit("sign up, errors", page)
    visit("log in", page, "/accounts/login/")
    page.get_by_label("Email").fill("nobody@example.com")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert").first).to_be_visible()
    visit("log in, error", page)
    settings.SHOPPER_AXES_FAILURE_LIMIT = 2  # the next failure locks this email out
    page.get_by_label("Password").fill("still-not-the-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Login temporarily locked")).to_be_visible()
    visit("log in, locked", page)
    settings.SHOPPER_AXES_FAILURE_LIMIT = 5
    visit("password reset", page, "/accounts/password_reset/")
    page.get_by_label("Email").fill("nobody@example.com")
    page.get_by_role("button", name="Send reset link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    visit("password reset, sent", page)
    visit("help", page, "/help/")
    page.goto("/no-such-page/")
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    visit("404", page)
    settings.CAPTCHA_REFRESH_LIMIT_PER_HOUR = 0
    page.goto("/captcha/refresh/")
    expect(page.get_by_role("heading", name="Too many attempts")).to_be_visible()
    visit("429", page)
    settings.CAPTCHA_REFRESH_LIMIT_PER_HOUR = 30
    page.context.close()

    # --- Ada: a confirmed wallet with two saved cards, a cart over two sellers.
    ada = seed_shopper("ada@example.com", "Ada Lovelace", wallet=True)
    visa = CardFactory(owner=ada, number="4242424242424242", make_default=True)
    now = timezone.now()  # expiring this month: the Expires soon mark is checked too
    CardFactory(owner=ada, number="5555555555554444", exp_month=now.month, exp_year=now.year)
    # Issue 15's marks: an expired card (listed, marked Expired, can't be chosen) and a card
    # the issuer reissued ("Card updated by your bank" in Payment activity).
    expired = CardFactory(owner=ada, number="378282246310005")
    Card.objects.filter(pk=expired.pk).update(exp_month=1, exp_year=now.year - 1)
    CardFactory(owner=ada, number="4000000000005506")
    call_command("update_cards_from_issuers", stdout=StringIO())
    cart = cart_get_or_create_for_user(user=ada)
    cart_add_item(cart=cart, product=shop["mug"], quantity=2)
    cart_add_item(cart=cart, product=shop["lamp"], quantity=1)
    cart_add_item(cart=cart, product=shop["mouse"], quantity=1)
    page = signed_in_page(browser, live_server, width, ada)
    visit("cart, two sellers", page, "/cart/")
    if width < 768:  # the header's links fold behind the Menu button on a phone
        page.get_by_role("button", name="Menu").click()
        expect(page.get_by_role("button", name="Account")).to_be_visible()
        visit("menu open", page)
    page.get_by_role("button", name="Account").click()
    expect(page.get_by_role("link", name="Your orders")).to_be_visible()
    visit("account menu open", page)
    visit("order page, saved card", page, "/checkout/nordic-home-goods/")
    expect(page.get_by_text("Expired", exact=True)).to_be_visible()
    expect(page.get_by_text("Expires soon", exact=True)).to_be_visible()
    page.get_by_role("button", name="Accept and pay").click()
    expect(page.get_by_test_id("order-status")).to_have_text("Paid")
    visit("paid page, saved card", page)
    paid = Order.objects.get(user=ada)
    visit("order detail", page, paid.get_absolute_url())
    visit("cancel", page, f"{paid.get_absolute_url()}cancel/")
    page.goto("/products/oak-bedside-lamp/")
    page.get_by_role("button", name="Buy now").click()
    expect(page.get_by_role("heading", name="Buy Oak Bedside Lamp")).to_be_visible()
    visit("Buy now's order page", page)
    page.goto("/checkout/tokyo-tech-corner/")
    page.get_by_label("Other payment methods").check()
    page.get_by_role("button", name="Accept and pay").click()
    expect(page.get_by_role("button", name="Pay", exact=True)).to_be_visible()
    visit("payment page, other way", page)
    page.get_by_label("Bank transfer").check()
    _pay(page)
    expect(page.get_by_test_id("bank-transfer-instructions")).to_be_visible()
    visit("order detail, bank transfer", page)
    # A processor that does not answer: the "being processed" page.
    page.goto("/products/oak-bedside-lamp/")
    page.get_by_role("button", name="Buy now").click()
    page.get_by_label("Other payment methods").check()
    page.get_by_role("button", name="Accept and pay").click()
    _fill_card(page, "4242 4242 4242 4242")
    settings.SIMULATED_GATEWAY_FAULT = "timeout"
    _pay(page)
    expect(page.get_by_role("heading", name="Your payment is being processed")).to_be_visible()
    settings.SIMULATED_GATEWAY_FAULT = ""
    visit("payment being processed", page)
    visit("orders", page, "/orders/")
    visit("wallet home", page, "/wallet/")
    visit("cards", page, "/wallet/cards/")
    visit("saved card", page, f"/wallet/cards/{visa.pk}/")
    visit("add card", page, "/wallet/cards/add/")
    page.get_by_role("button", name="Save the card").click()
    expect(page.locator(".invalid-feedback").first).to_be_visible()
    visit("add card, errors", page)
    visit("add card, another address", page, "/wallet/cards/add/?address=new")
    visit("edit card", page, f"/wallet/cards/{visa.pk}/edit/")
    visit("remove card", page, f"/wallet/cards/{visa.pk}/remove/")
    page.goto("/wallet/activity/")
    expect(page.get_by_text("Card updated by your bank").first).to_be_visible()
    visit("payment activity", page)
    visit("payment activity, filtered", page, "/wallet/activity/?kind=card_linked")
    visit("confirm password", page, "/wallet/confirm-password/?next=/wallet/cards/add/")
    visit("addresses", page, "/accounts/addresses/")
    address = ada.addresses.get()
    visit("add address", page, "/accounts/addresses/add/")
    visit("edit address", page, f"/accounts/addresses/{address.pk}/edit/")
    visit("remove address", page, f"/accounts/addresses/{address.pk}/remove/")
    visit("password change", page, "/accounts/password_change/")
    visit("log out", page, "/accounts/logout/")
    uid = urlsafe_base64_encode(force_bytes(ada.pk))
    page.goto(f"/accounts/reset/{uid}/{default_token_generator.make_token(ada)}/")
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    visit("password reset, new password", page)
    visit("password reset, spent link", page, f"/accounts/reset/{uid}/not-a-token/")
    visit("404, signed in", page, "/orders/BZ-999999/")
    cart_add_item(cart=cart, product=shop["mug"], quantity=1)
    Product.objects.filter(pk=shop["mug"].pk).update(stock=0)
    visit("cart, a line sold out", page, "/cart/")
    page.context.close()

    # --- Bea: no card and no wallet yet; three steps, a decline, the CAPTCHA, step-up.
    bea = seed_shopper("bea@example.com", "Bea Newcomer", wallet=False)
    cart_add_item(cart=cart_get_or_create_for_user(user=bea), product=shop["mouse"], quantity=1)
    page = signed_in_page(browser, live_server, width, bea)
    visit("order page, no saved card", page, "/checkout/tokyo-tech-corner/")
    page.get_by_role("button", name="Accept and pay").click()
    expect(page.get_by_role("button", name="Pay", exact=True)).to_be_visible()
    visit("payment page", page)
    pay_url = page.url
    _fill_card(page, "4000 0000 0000 0002")
    _pay(page)
    expect(page.get_by_role("alert").first).to_be_visible()
    visit("payment page, declined", page)
    settings.CARD_DECLINES_BEFORE_CAPTCHA = 1
    page.goto(pay_url)
    expect(page.get_by_test_id("card-captcha")).to_be_visible()
    visit("payment page, CAPTCHA", page)
    settings.CARD_DECLINES_BEFORE_CAPTCHA = 3
    page.goto(pay_url)
    _fill_card(page, "4000 0025 0000 3155")
    _pay(page)
    expect(page.get_by_role("button", name="Approve")).to_be_visible()
    visit("step-up", page)
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_test_id("order-status")).to_have_text("Paid")
    visit("paid page, three steps", page)
    visit("cart, emptied", page, "/cart/")
    visit("wallet create", page, "/wallet/")
    page.get_by_label("Type the characters in the picture").fill("WRONG")
    page.get_by_role("button", name="Create my wallet").click()
    expect(page.locator(".invalid-feedback").first).to_be_visible()
    visit("wallet create, wrong CAPTCHA", page)
    mail.outbox.clear()
    page.get_by_label("Type the characters in the picture").fill("PASSED")
    page.get_by_role("button", name="Create my wallet").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    visit("wallet confirm, letter sent", page)
    visit("wallet confirm, bad link", page, "/wallet/confirm/not-a-token/")
    visit("wallet confirmed", page, confirmation_link(mail.outbox[-1]))
    page.context.close()
    assert CSP_VIOLATIONS == [], "Content-Security-Policy refusals:\n" + "\n".join(CSP_VIOLATIONS)
    return visited
