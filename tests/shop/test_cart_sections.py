"""The cart page draws each seller group with {% cart_sections %} (one escaped f-string a
group around {% cart_lines %}); these tests hold each group equal to the template-language
group it replaced (cart_group_in_template_language.html), in English and Russian: an
orderable group with a free-shipping hint, one with free shipping, one that can't be
ordered."""

import re
from decimal import Decimal

import pytest

from shop.models import Product
from shop.selectors import cart_lines_by_seller
from shop.services import cart_add_item, cart_get_or_create_for_user
from tests.factories import ProductFactory, SellerFactory
from tests.template_copies import TemplateCopy, page_in, squeezed

pytestmark = pytest.mark.django_db

# No whitespace beside a group's block elements (and its inputs and buttons, whose
# neighbours are blocks): a browser draws nothing for it.
GROUPS = TemplateCopy(
    __file__,
    "cart_group_in_template_language.html",
    re.compile(r'<section class="card bz-card bz-seller-group.*?</section>', re.S),
    squeezed("section", "div", "form", "ul", "li", "dl", "dt", "dd", "p", "h2", "input", "button"),
)
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture
def cart(user):
    cart = cart_get_or_create_for_user(user=user)
    hint = SellerFactory(
        name="Nordic <Home>", shipping_fee=Decimal("6.90"), free_shipping_threshold=60
    )
    free = SellerFactory(name="Free Ship", shipping_fee=Decimal("0"))
    stuck = SellerFactory(name="Tokyo Tea")
    cart_add_item(
        cart=cart, product=ProductFactory(seller=hint, price=Decimal("18.50")), quantity=2
    )
    cart_add_item(cart=cart, product=ProductFactory(seller=free), quantity=1)
    sold_out = ProductFactory(seller=stuck, title="Matcha", stock=3)
    cart_add_item(cart=cart, product=sold_out, quantity=2)
    Product.objects.filter(pk=sold_out.pk).update(stock=0)
    return cart


@pytest.mark.parametrize("language", ["en", "ru"])
def test_each_seller_group_is_the_template_language_group(user_client, user, cart, language):
    html = page_in(user_client, "/cart/", language)
    drawn = GROUPS.pieces(html)
    context = {"groups": cart_lines_by_seller(user=user), "csrf_token": TOKEN.search(html)[1]}

    assert len(drawn) == 3
    assert drawn == GROUPS.drawn(context, language)
    page = " ".join(drawn)
    assert "Nordic &lt;Home&gt;" in page and "<Home>" not in page
    assert " disabled " in page and 'class="small text-success mb-2"' in page
