"""Every page carries the same header and footer: logo, search, cart count, account links,
Wallet, and a Help link, on a desktop and on a phone (where the links fold behind a menu)."""

import pytest
from playwright.sync_api import expect

from tests.factories import DEFAULT_PASSWORD, ProductFactory, UserFactory

PAGES = ["/", "/search/?q=mug", "/cart/", "/help/", "/accounts/login/", "/products/blue-mug/"]


def test_home_page_opens_in_chromium(page, screenshot):
    page.goto("/")
    assert "Bazaar" in page.title()
    assert page.get_by_role("link", name="Help").is_visible()
    assert screenshot(page, "home").stat().st_size > 0


def _header(page):
    return page.get_by_role("banner")


@pytest.mark.parametrize("url", PAGES)
def test_desktop_header_and_footer_on_every_page(page, transactional_db, url):
    ProductFactory(title="Blue Mug", slug="blue-mug")
    page.goto(url)
    header = _header(page)
    expect(header.get_by_role("link", name="Bazaar")).to_be_visible()
    expect(header.get_by_role("searchbox", name="Search products")).to_be_visible()
    expect(header.get_by_role("link", name="Cart, 0 items")).to_be_visible()
    expect(header.get_by_role("link", name="Wallet")).to_be_visible()
    expect(header.get_by_role("link", name="Log in")).to_be_visible()
    expect(header.get_by_role("button", name="Menu")).to_be_hidden()
    footer = page.get_by_role("contentinfo")
    expect(footer.get_by_role("link", name="Help")).to_be_visible()


@pytest.mark.parametrize("url", PAGES)
def test_phone_header_keeps_cart_and_search_and_folds_the_rest(
    page, screenshot, transactional_db, url
):
    ProductFactory(title="Blue Mug", slug="blue-mug", stock=5)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/products/blue-mug/")
    page.get_by_role("button", name="Add to cart").click()
    page.goto(url)
    header = _header(page)
    cart = header.get_by_role("link", name="Cart, 1 item")
    search = header.get_by_role("searchbox", name="Search products")
    expect(cart).to_be_visible()
    expect(search).to_be_visible()
    # Logo and cart share the top row; the search box has the full width below them.
    logo_box = header.get_by_role("link", name="Bazaar").bounding_box()
    cart_box, search_box = cart.bounding_box(), search.bounding_box()
    assert abs(cart_box["y"] - logo_box["y"]) < 20
    assert search_box["y"] > cart_box["y"] + cart_box["height"] - 5
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    expect(header.get_by_role("link", name="Wallet")).to_be_hidden()

    header.get_by_role("button", name="Menu").click()
    expect(header.get_by_role("link", name="Wallet")).to_be_visible()
    expect(header.get_by_role("link", name="Log in")).to_be_visible()
    expect(header.get_by_role("link", name="Sign up")).to_be_visible()
    expect(page.get_by_role("contentinfo").get_by_role("link", name="Help")).to_be_visible()
    if url == "/":
        screenshot(page, "phone-menu-open")


def test_phone_account_menu_reaches_orders_and_log_out(page, screenshot, login):
    user = UserFactory()
    page.set_viewport_size({"width": 390, "height": 844})
    login(user.email, DEFAULT_PASSWORD)
    header = _header(page)
    header.get_by_role("button", name="Menu").click()
    header.get_by_role("button", name="Account").click()
    expect(header.get_by_role("link", name="Your orders")).to_be_visible()
    expect(header.get_by_role("link", name="Addresses")).to_be_visible()
    screenshot(page, "phone-account-menu")
    header.get_by_role("button", name="Log out").click()
    expect(page.get_by_text("You have been logged out.")).to_be_visible()
