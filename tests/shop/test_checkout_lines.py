"""The order page draws its lines with {% checkout_lines %} (one escaped f-string a line, the
picture from cart_tags._picture, no include per line); these tests hold each line equal to
the template-language line it replaced (checkout_line_in_template_language.html), in
English and Russian, with and without a picture or a problem."""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from shop.models import Product
from shop.selectors import cart_lines_by_seller
from shop.services import cart_add_item, cart_get_or_create_for_user
from tests.factories import AddressFactory, ProductFactory, SellerFactory

pytestmark = pytest.mark.django_db

LINE_IN_TEMPLATE_LANGUAGE = (
    Path(__file__).parent / "checkout_line_in_template_language.html"
).read_text()

LINE = re.compile(r'<li class="list-group-item py-3" data-testid="checkout-line">.*?</li>', re.S)


def _normal(html: str) -> str:
    """No whitespace between tags: inside a line it falls only beside block elements and
    the picture (where a browser draws nothing for it)."""
    return re.sub(r">\s+<", "><", html).strip()


@pytest.fixture
def seller():
    return SellerFactory(name="Nordic Home", slug="nordic-home")


@pytest.fixture
def shopper(user, seller):
    """Lines with a picture and without, a title with markup, a large price, and one
    asking for more than the stock left (its problem shown)."""
    AddressFactory(user=user)
    cart = cart_get_or_create_for_user(user=user)
    products = [
        ProductFactory(seller=seller, title="<i>Mug</i>", price=Decimal("18.50"), stock=5),
        ProductFactory(seller=seller, title="Lamp", price=Decimal("1234.50"), image="p/l.png"),
        ProductFactory(seller=seller, title="Kettle", stock=3),
    ]
    for product in products:
        cart_add_item(cart=cart, product=product, quantity=2)
    Product.objects.filter(title="Kettle").update(stock=1)
    return user


def _lines_on_page(client, language: str) -> list[str]:
    client.cookies["django_language"] = language
    response = client.get(reverse("shop:checkout", args=["nordic-home"]))
    assert response.status_code == 200
    return [_normal(m) for m in LINE.findall(response.content.decode())]


def _lines_in_template_language(user, language: str) -> list[str]:
    with translation.override(language):
        group = cart_lines_by_seller(user=user, seller_slug="nordic-home")[0]
        html = Template(LINE_IN_TEMPLATE_LANGUAGE).render(Context({"group": group}))
    return [_normal(m) for m in LINE.findall(html)]


@pytest.mark.parametrize("language", ["en", "ru"])
def test_each_order_page_line_is_the_template_language_line(user_client, shopper, language):
    drawn = _lines_on_page(user_client, language)

    assert len(drawn) == 3
    assert drawn == _lines_in_template_language(shopper, language)
    page = " ".join(drawn)
    assert 'role="alert"' in page
    assert 'src="/media/p/l.png"' in page
    assert "bz-product-noimg" in page
    assert escape("<i>Mug</i>") in page and "<i>" not in page
