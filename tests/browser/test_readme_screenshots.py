"""The README's screenshots, taken from the demo data at 1280 px: the cart grouped by
seller, the order page with a saved card, the wallet's cards, in English and in Russian
(docs/screenshots/). The same pages at 375 px: no sideways scrolling and no button whose
label overflows it (Russian words are longer)."""

from io import BytesIO, StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone
from PIL import Image, ImageChops
from playwright.sync_api import expect

from accounts.models import User
from shop.models import Product
from shop.services import cart_add_item, cart_get_or_create_for_user
from tests.factories import CardFactory, WalletAccountFactory, payment_address

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
DEMO_EMAIL, DEMO_PASSWORD = "shopper@example.com", "demo-shopper-pass"  # seed_demo's
PAGES = {
    "cart": "/cart/",
    "order-page": "/checkout/nordic-home-goods/",
    "your-cards": "/wallet/cards/",
}
HEADINGS = {
    "en": {"cart": "Your cart", "order-page": "Way of payment", "your-cards": "Your cards"},
    "ru": {"cart": "Корзина", "order-page": "Способ оплаты", "your-cards": "Мои карты"},
}


@pytest.fixture
def demo_shopper(transactional_db):
    call_command("seed_demo", stdout=StringIO())
    user = User.objects.get(email=DEMO_EMAIL)
    cart = cart_get_or_create_for_user(user=user)
    for slug, quantity in (
        ("nordic-home-goods", 2),
        ("nordic-home-goods", 1),
        ("tokyo-tech-corner", 1),
    ):
        product = (
            Product.objects.filter(seller__slug=slug, stock__gt=3)
            .exclude(cart_lines__cart=cart)
            .order_by("pk")
            .first()
        )
        cart_add_item(cart=cart, product=product, quantity=quantity)
    WalletAccountFactory(user=user, confirmed_at=timezone.now())
    address = payment_address(full_name="Sam Shopper")
    CardFactory(owner=user, make_default=True, address=address, name="SAM SHOPPER")
    CardFactory(owner=user, number="5555555555554444", address=address, name="SAM SHOPPER")
    return user


def _log_in(page, language: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(DEMO_EMAIL)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Account")).to_be_visible()
    if language != "en":
        page.get_by_label("Language").select_option(language)
        page.get_by_role("button", name="Change").click()
        expect(page.locator("html")).to_have_attribute("lang", language)


def _save_if_changed(png: bytes, path: Path) -> None:
    """Write the screenshot unless the committed one differs only by a few anti-aliased
    pixels (the logo's edges vary between runs), so the suite leaves git clean."""
    if path.exists():
        old = Image.open(path).convert("RGB")
        new = Image.open(BytesIO(png)).convert("RGB")
        if old.size == new.size:
            diff = ImageChops.difference(old, new).convert("L")
            changed = diff.point(lambda value: 255 if value else 0).histogram()[255]
            if changed < 500:
                return
    path.write_bytes(png)


def _fits_a_phone(page) -> list[str]:
    """What overflows at the current width: the page sideways, or a button's own label."""
    return page.evaluate(
        """() => {
          const problems = [];
          if (document.documentElement.scrollWidth > window.innerWidth + 1)
            problems.push(`page ${document.documentElement.scrollWidth}px wide`);
          for (const el of document.querySelectorAll('button, a.btn, .badge')) {
            if (!el.offsetParent) continue;
            if (el.scrollWidth > el.clientWidth + 1)
              problems.push(`"${el.innerText.trim()}" overflows its box`);
          }
          return problems;
        }"""
    )


@pytest.mark.parametrize("language", ["en", "ru"])
def test_readme_screenshots_and_the_same_pages_on_a_phone(page, screenshot, demo_shopper, language):
    DOCS.mkdir(parents=True, exist_ok=True)
    _log_in(page, language)
    for name, url in PAGES.items():
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(url)
        expect(page.get_by_role("heading", name=HEADINGS[language][name])).to_be_visible()
        if name == "cart":
            expect(page.get_by_test_id("seller-group")).to_have_count(2)
        if name == "order-page":
            expect(page.get_by_test_id("way-of-payment").get_by_role("radio").first).to_be_checked()
        _save_if_changed(page.screenshot(full_page=True), DOCS / f"{name}-{language}.png")

        page.set_viewport_size({"width": 375, "height": 800})
        page.goto(url)
        screenshot(page, f"{name}-375")
        assert _fits_a_phone(page) == [], f"{url} at 375 px in {language}"
