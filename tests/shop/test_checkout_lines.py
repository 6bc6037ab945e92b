"""The order page draws its lines with {% checkout_lines %} (one escaped f-string a line, the
picture from cart_tags._picture, no include per line); these tests hold each line equal to
the template-language line it replaced (checkout_line_in_template_language.html), in
English and Russian, with and without a picture or a problem."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils.html import escape

from shop.models import Product
from shop.selectors import cart_lines_by_seller
from shop.services import cart_add_item, cart_get_or_create_for_user
from tests.factories import AddressFactory, ProductFactory, SellerFactory
from tests.template_copies import TemplateCopy, page_in, tight

pytestmark = pytest.mark.django_db

LINES = TemplateCopy(
    __file__,
    "checkout_line_in_template_language.html",
    re.compile(r'<li class="list-group-item py-3" data-testid="checkout-line">.*?</li>', re.S),
    tight,
)


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


@pytest.mark.parametrize("language", ["en", "ru"])
def test_each_order_page_line_is_the_template_language_line(user_client, shopper, language):
    url = reverse("shop:checkout", args=["nordic-home"])
    drawn = LINES.pieces(page_in(user_client, url, language))

    def context():
        return {"group": cart_lines_by_seller(user=shopper, seller_slug="nordic-home")[0]}

    assert len(drawn) == 3
    assert drawn == LINES.drawn(context, language)
    page = " ".join(drawn)
    assert 'role="alert"' in page
    assert 'src="/media/p/l.png"' in page
    assert "bz-product-noimg" in page
    assert escape("<i>Mug</i>") in page and "<i>" not in page
