"""A shopper searches, fills a cart from two sellers and sees it grouped by seller."""

import re
import time
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from shop import services
from shop.models import Cart, CartLine
from tests.factories import ProductFactory, SellerFactory


def _catalog():
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
    ProductFactory(seller=nordic, title="Stoneware Coffee Mug", price=Decimal("18.50"), stock=20)
    ProductFactory(seller=nordic, title="Oak Bedside Lamp", price=Decimal("64.00"), stock=2)
    ProductFactory(seller=tokyo, title="Silent Wireless Mouse", price=Decimal("24.90"), stock=9)


def _search_and_open(page, query: str, title: str) -> None:
    page.get_by_role("search").get_by_role("searchbox").first.fill(query)
    page.get_by_role("search").get_by_role("button", name="Search").first.click()
    expect(page.get_by_role("heading", name=re.compile("Results for"))).to_be_visible()
    page.get_by_role("link", name=title).click()
    expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()


def test_shopper_fills_a_cart_from_two_sellers(page, screenshot, transactional_db):
    _catalog()
    page.goto("/")
    expect(page.get_by_role("link", name="Stoneware Coffee Mug")).to_be_visible()
    screenshot(page, "home")

    _search_and_open(page, "coffee MUG", "Stoneware Coffee Mug")
    screenshot(page, "product")
    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Add to cart").click()
    expect(page).to_have_url(re.compile(r"/cart/$"))
    expect(page.get_by_text("Added 2 × Stoneware Coffee Mug to your cart.")).to_be_visible()  # noqa: RUF001

    _search_and_open(page, "mouse", "Silent Wireless Mouse")
    page.get_by_role("button", name="Add to cart").click()
    expect(page).to_have_url(re.compile(r"/cart/$"))

    groups = page.get_by_test_id("seller-group")
    expect(groups).to_have_count(2)
    expect(page.get_by_role("link", name="Order from this seller")).to_have_count(2)
    expect(groups.nth(0)).to_contain_text("Sold by Nordic Home Goods")
    expect(groups.nth(0).get_by_test_id("group-subtotal")).to_have_text("$37.00")
    expect(groups.nth(0).get_by_test_id("group-shipping")).to_have_text("$6.90")
    expect(groups.nth(1)).to_contain_text("Sold by Tokyo Tech Corner")
    expect(page.get_by_test_id("cart-count")).to_have_text("3")
    screenshot(page, "cart")

    # Changing the quantity updates that seller's totals only.
    page.get_by_label("Quantity of Stoneware Coffee Mug").fill("4")
    groups.nth(0).get_by_role("button", name="Update").click()
    expect(page.get_by_text("Updated Stoneware Coffee Mug: quantity 4.")).to_be_visible()
    expect(groups.nth(0).get_by_test_id("group-subtotal")).to_have_text("$74.00")
    expect(groups.nth(0).get_by_test_id("group-shipping")).to_have_text("Free")

    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "cart-phone")

    groups.nth(1).get_by_role("button", name="Remove Silent Wireless Mouse").click()
    expect(page.get_by_text("Removed Silent Wireless Mouse from your cart.")).to_be_visible()
    expect(page.get_by_role("link", name="Order from this seller")).to_have_count(1)


def test_a_double_click_on_add_to_cart_adds_once(page, transactional_db, monkeypatch):
    _catalog()
    page.goto("/")
    page.get_by_role("link", name="Stoneware Coffee Mug").click()
    # The live server (a thread of this process) takes its time over the first click.
    add = services.cart_add_item

    def slow_add(**kwargs):
        time.sleep(0.5)
        return add(**kwargs)

    monkeypatch.setattr(services, "cart_add_item", slow_add)

    # The second click comes while the first one's request is being answered.
    page.get_by_role("button", name="Add to cart").evaluate(
        "button => { button.click(); setTimeout(() => button.click(), 150); }"
    )

    expect(page).to_have_url(re.compile(r"/cart/$"))
    expect(page.get_by_test_id("cart-count")).to_have_text("1")
    # A visitor's first click starts the cart: a second would have started another.
    assert Cart.objects.count() == 1
    assert list(CartLine.objects.values_list("quantity", flat=True)) == [1]


def test_asking_for_more_than_the_stock_explains_what_is_left(page, screenshot, transactional_db):
    _catalog()
    page.goto("/")
    page.get_by_role("link", name="Oak Bedside Lamp").click()
    expect(page.get_by_text("Only 2 left")).to_be_visible()
    quantity = page.get_by_label("Quantity")
    # The browser's own max hint is bypassed to reach the server's check.
    quantity.evaluate("el => el.removeAttribute('max')")
    quantity.fill("5")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.get_by_text("Only 2 left of Oak Bedside Lamp.")).to_be_visible()
    screenshot(page, "too-many")
    expect(page.get_by_test_id("cart-count")).to_have_text("0")


def test_on_a_phone_the_product_breadcrumb_is_one_line_with_the_title_cut_short(
    page, screenshot, transactional_db
):
    seller = SellerFactory(name="Tokyo Tech Corner", slug="tokyo-tech")
    product = ProductFactory(
        seller=seller, title="Fitness Smartwatch with Heart-Rate Monitor and Sleep Tracking"
    )
    page.set_viewport_size({"width": 375, "height": 812})
    page.goto(f"/products/{product.slug}/")
    crumbs = page.get_by_role("navigation", name="Breadcrumb")
    expect(crumbs.get_by_role("link", name="Tokyo Tech Corner")).to_be_visible()
    # Every item on one line, level with the others.
    middles = page.evaluate(
        """() => [...document.querySelectorAll('.breadcrumb-item')].map((item) => {
          const box = item.getBoundingClientRect();
          return Math.round(box.top + box.height / 2);
        })"""
    )
    assert len(middles) == 3 and max(middles) - min(middles) <= 2, middles
    title = page.locator(".breadcrumb-item.active")
    assert title.evaluate("el => el.scrollWidth > el.clientWidth")  # cut short, with "…"
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
    screenshot(page, "product-breadcrumb-phone")


PRICE_TOPS_JS = """() => {
  const rows = new Map();  // the cards' top edge: one row of the grid
  for (const card of document.querySelectorAll('.bz-product-card')) {
    const top = Math.round(card.getBoundingClientRect().top);
    const price = card.querySelector('.bz-price').getBoundingClientRect().top;
    rows.set(top, [...(rows.get(top) || []), Math.round(price - top)]);
  }
  return [...rows.values()];
}"""


@pytest.mark.parametrize("width", [375, 1280])
def test_the_prices_of_a_row_of_products_line_up(page, screenshot, transactional_db, width):
    """A title cut at two lines on a phone (it once ran to three), and a card with "Only 2
    left" under its price, leave every price of the row at the same height."""
    seller = SellerFactory(name="Nordic Home Goods", slug="nordic-home")
    ProductFactory(seller=seller, title="Mug", stock=50)
    ProductFactory(seller=seller, title="Insulated Steel Water Bottle, Double Walled, 750 ml")
    ProductFactory(seller=seller, title="Oak Lamp", stock=2)
    ProductFactory(seller=seller, title="Linen Apron", stock=50)
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/sellers/nordic-home/")
    rows = page.evaluate(PRICE_TOPS_JS)
    assert sum(len(row) for row in rows) == 4
    for row in rows:
        assert max(row) - min(row) <= 1, rows
    if width < 768:  # two cards a row: the long title is cut at two lines, with "…"
        title = page.get_by_role("link", name="Insulated Steel Water Bottle", exact=False).last
        assert title.evaluate("el => el.scrollHeight > el.clientHeight")
    screenshot(page, f"product-prices-{width}")
