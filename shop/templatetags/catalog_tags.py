"""``{% product_cards page_obj %}``: the product grid's cards (home, search, seller pages),
and ``product_picture``, the picture shop/_product_image.html draws, for Python-drawn rows.

Written in the template language a card cost ~900 Python calls (an ``{% include %}`` of the
picture, a ``{% with %}``, a money filter, a plural ``{% blocktranslate %}`` and ~20
variable lookups), so twelve cards cost more than the rest of the page with its queries.
Here a card is one f-string whose values are escaped with ``html.escape`` (what Django's
``escape`` calls) and whose words are translated once per render; product and seller URLs
come from ``core.links.remembered_url``'s memo (through ``url_remembering``, which reads the
script prefix once a grid). The markup and words are the template's (less the indentation
inside a card); tests/shop/test_product_cards.py holds each card equal to the
template-language version and the picture to shop/_product_image.html.
"""

from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, ngettext

from core.links import url_remembering
from core.money import format_money
from shop.models import Product

register = template.Library()


def product_picture(product: Product, no_image: str, img_class: str = "card-img-top") -> str:
    """``{% include "shop/_product_image.html" with img_class=img_class %}`` (no ``alt``);
    ``no_image`` is "No image" translated and escaped."""
    if product.image:
        return (
            f'<img src="{escape(product.image.url)}" class="bz-product-img w-100 {img_class}" '
            'alt="" width="400" height="400" loading="lazy">'
        )
    return (
        f'<div class="bz-product-img bz-product-noimg w-100 {img_class}" role="img" '
        f'aria-label="{no_image}"><span>{escape(product.title[:1].upper())}</span></div>'
    )


@register.simple_tag
def product_cards(products) -> SafeString:
    """Each product's card: picture and title linking to it, price, Sold out or "Only N
    left", and its seller linking to the seller's page."""
    language = get_language()
    no_image = escape(gettext("No image"))
    sold_out = escape(gettext("Sold out"))
    # Product.get_absolute_url and Seller.get_absolute_url, the prefix read once.
    product_url = url_remembering("shop:product-detail", "slug")
    seller_url = url_remembering("shop:seller-detail", "slug")
    out = []
    for product in products:
        url = escape(product_url(product.slug))
        seller = product.seller
        if not product.in_stock:
            stock = (
                '<div class="small text-danger fw-semibold" data-testid="sold-out">'
                f"{sold_out}</div>"
            )
        elif product.is_low_stock:
            left = ngettext("Only %(stock)s left", "Only %(stock)s left", product.stock)
            stock = (
                '<div class="small text-warning-emphasis">'
                f"{escape(left % {'stock': product.stock})}</div>"
            )
        else:
            stock = ""
        price = escape(format_money(product.price, product.currency, language))
        out.append(
            '<div class="col"><article class="card bz-card bz-product-card h-100">'
            f'<a href="{url}" tabindex="-1" aria-hidden="true" class="bz-product-media">'
            f"{product_picture(product, no_image)}</a>"
            '<div class="card-body d-flex flex-column p-2 p-md-3">'
            '<h2 class="h6 card-title bz-line-clamp-2 mb-1">'
            f'<a class="text-reset text-decoration-none bz-product-link" href="{url}">'
            f"{escape(product.title)}</a></h2>"
            f'<div class="bz-price">{price}</div>{stock}'
            '<a class="small text-muted text-decoration-none d-block text-truncate mt-auto" '
            f'href="{escape(seller_url(seller.slug))}">{escape(seller.name)}</a>'
            "</div></article></div>\n"
        )
    return mark_safe("".join(out))  # noqa: S308 (every value that goes in is escaped above)
