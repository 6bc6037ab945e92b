"""The product grid (home, search, seller pages) draws its cards with {% product_cards %}
(one escaped f-string a card, no include per card); these tests hold each card equal to
the template-language card it replaced (product_card_in_template_language.html), in English
and Russian, for every kind of card, and its picture to shop/_product_image.html."""

import re
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.translation import gettext

from shop.models import Product
from shop.templatetags.catalog_tags import product_picture
from tests.factories import ProductFactory, SellerFactory
from tests.template_copies import TemplateCopy, page_in, tight

pytestmark = pytest.mark.django_db

CARDS = TemplateCopy(
    __file__,
    "product_card_in_template_language.html",
    re.compile(r'<div class="col"><article class="card bz-card bz-product-card.*?</article></div>'),
    tight,
)


@pytest.fixture
def shelf():
    """Cards of every kind: a picture or none, sold out, one and a few left, plenty; a
    title and a seller name with markup in them; a price in another currency."""
    seller = SellerFactory(name='Tea & "Co" <b>', slug="tea-co")
    made = [
        ProductFactory(seller=seller, title="<i>Mug</i>", stock=0),
        ProductFactory(seller=seller, title="Lamp", stock=1, image="products/lamp.png"),
        ProductFactory(seller=seller, title="Cable", stock=3, price=Decimal("1234.50")),
        ProductFactory(seller=seller, title="ёлка", stock=5, currency="EUR"),
        ProductFactory(seller=seller, title="Kettle", stock=40),
    ]
    return made


@pytest.mark.parametrize("language", ["en", "ru"])
def test_each_product_card_is_the_template_language_card(client, shelf, language):
    drawn = CARDS.pieces(page_in(client, "/", language))
    page = list(Product.objects.select_related("seller").order_by("stock"))
    expected = CARDS.drawn({"page_obj": page}, language)

    assert len(drawn) == len(shelf)
    assert sorted(drawn) == sorted(expected)
    page = " ".join(drawn)
    words = {
        "en": ("Sold out", "Only 1 left", "Only 3 left", "$1,234.50", "€10.00", "No image"),
        "ru": ("Нет в наличии", "Осталась 1 шт.", "Осталось 3 шт.", "1\u00a0234,50\u00a0$"),
    }[language]
    for word in words:
        assert word in page, word
    assert 'src="/media/products/lamp.png"' in page


def test_product_cards_escape_titles_and_seller_names(client, shelf):
    html = client.get("/").content.decode()

    assert "<i>" not in html and "<b>" not in html
    assert f">{escape('<i>Mug</i>')}</a>" in html
    seller_name = escape('Tea & "Co" <b>')
    assert f">{seller_name}</a>" in html


@pytest.mark.parametrize("image", ["", "products/mug.png"])
def test_a_cards_picture_is_the_product_image_partial(db, image):
    product = ProductFactory(title="mug <i>", image=image)

    partial = render_to_string("shop/_product_image.html", {"product": product})

    assert product_picture(product, escape(gettext("No image"))) == partial.strip()
