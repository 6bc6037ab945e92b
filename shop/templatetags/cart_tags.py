"""The cart page's parts that repeat: ``{% cart_lines group.lines %}`` (the lines of a seller
group, inside its form) and ``{% cart_group group as shown %}`` (a group's sentences, links
and amounts, for plain ``{{ shown.* }}`` output).

Written in the template language a line cost ~0.4 ms (two forms with a CSRF token and a
``{% url %}`` each, an ``{% include %}`` of the picture, four ``{% blocktranslate %}``, two
money filters) and a group's header and footer as much again, so a 100-line cart took five
times as long as a 1-line one. Here a line is one f-string whose values are escaped with
``html.escape`` (what Django's ``escape`` calls) and whose words are translated once per
page (product URLs are remembered per slug by ``core.links.remembered_url``), and a
group's texts are gettext and ``format_money`` calls: microseconds each.

The markup and words are the template's (less the indentation inside a line). The picture
is ``shop/_product_image.html``'s with ``img_class="rounded"`` and the shipping rule
``shop/_shipping_rule.html``'s; tests/shop/test_cart_page.py holds each to its partial.
"""

from collections.abc import Callable
from dataclasses import dataclass
from html import escape

from django import template
from django.template import Context
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, ngettext, pgettext

from accounts.countries import country_name
from core.links import remembered_url, url_remembering
from core.money import format_money
from shop.models import Product, Seller
from shop.selectors.cart import CartLineView, SellerCartGroup
from shop.templatetags.catalog_tags import product_picture

register = template.Library()


def _picture(product: Product, no_image: str) -> str:
    """``{% include "shop/_product_image.html" with product=product img_class="rounded" %}``"""
    return product_picture(product, no_image, "rounded")


@dataclass(frozen=True)
class _Page:
    """What every line and group of a page says, translated once per page."""

    language: str | None
    qty: str
    update: str
    remove: str
    # Escaped before the escaped title goes in: the same text as escaping the whole
    # sentence, with one escape() a line instead of three.
    quantity_of: str
    remove_of: str
    each: str
    no_image: str
    # A product's page by its slug (core.links' memo, the script prefix read once).
    product_url: Callable[[str], str]

    @classmethod
    def of(cls, context: Context) -> "_Page":
        """This render's, made on first use (``render_context`` lives as long as one
        render of the page)."""
        page = context.render_context.get(cls)
        if page is None:
            page = context.render_context[cls] = cls(
                language=get_language(),
                qty=escape(gettext("Qty")),
                update=escape(gettext("Update")),
                remove=escape(gettext("Remove")),
                quantity_of=escape(gettext("Quantity of %(product)s")),
                remove_of=escape(gettext("Remove %(product)s")),
                each=escape(gettext("%(price)s each")),
                no_image=escape(gettext("No image")),
                product_url=url_remembering("shop:product-detail", "slug"),
            )
        return page


def _line_texts(item: CartLineView, language: str | None) -> tuple[str, str, str]:
    """A line's unit price, its total and its problem's alert (or ""), escaped: what the
    cart's and the order page's lines both show."""
    product = item.product
    price = escape(format_money(product.price, product.currency, language))
    if item.quantity == 1 and item.line_total == product.price:  # one: its price
        total = price
    else:
        total = escape(format_money(item.line_total, product.currency, language))
    problem = (
        f'<div class="small text-danger mt-1" role="alert">{escape(item.problem)}</div>'
        if item.problem
        else ""
    )
    return price, total, problem


@register.simple_tag(takes_context=True)
def cart_lines(context: Context, lines: list[CartLineView]) -> SafeString:
    """Each line's ``<li>``: picture, title, price, problem, a quantity box named
    ``quantity-<line id>``, and Update and Remove buttons whose value is the line's id
    (CartLinesUpdateView reads them)."""
    w = _Page.of(context)
    out = []
    for item in lines:
        product = item.product
        pk = item.pk
        url = escape(w.product_url(product.slug))
        title = escape(product.title)
        named = {"product": title}
        price, total, problem = _line_texts(item, w.language)
        # The quantity held is never out of the box's range, or the browser would refuse
        # to send the group's form (any line's Update) until it was changed.
        most = max(item.max_quantity, item.quantity)
        out.append(
            '<li class="list-group-item py-3" data-testid="cart-line"><div class="d-flex gap-3">'
            f'<a href="{url}" class="bz-cart-thumb flex-shrink-0" tabindex="-1" '
            f'aria-hidden="true">{_picture(product, w.no_image)}</a>'
            '<div class="flex-grow-1 min-w-0">'
            '<div class="d-flex flex-wrap justify-content-between gap-2"><div class="min-w-0">'
            f'<a class="fw-semibold text-reset" href="{url}">{title}</a>'
            f'<div class="small text-muted">{w.each % {"price": price}}</div></div>'
            f'<div class="fw-semibold text-nowrap">{total}</div></div>{problem}'
            '<div class="d-flex flex-wrap align-items-center column-gap-2 row-gap-1 mt-2 '
            'bz-cart-controls"><div class="d-flex align-items-center gap-2">'
            f'<label class="small text-muted d-none d-sm-inline" for="qty-{pk}">{w.qty}</label>'
            f'<input id="qty-{pk}" class="form-control form-control-sm bz-qty-input" '
            f'type="number" name="quantity-{pk}" value="{item.quantity}" min="1" max="{most}" '
            f'inputmode="numeric" autocomplete="off" aria-label="{w.quantity_of % named}">'
            f'<button type="submit" name="update" value="{pk}" '
            f'class="btn btn-sm btn-outline-secondary">{w.update}</button></div>'
            f'<button type="submit" name="remove" value="{pk}" formnovalidate '
            'class="btn btn-sm btn-link text-danger text-decoration-none" '
            f'aria-label="{w.remove_of % named}">{w.remove}</button>'
            "</div></div></div></li>\n"
        )
    return mark_safe("".join(out))  # noqa: S308 (every value that goes in is escaped above)


@register.simple_tag(takes_context=True)
def checkout_lines(context: Context, lines: list[CartLineView]) -> SafeString:
    """The order page's lines (/checkout/<seller>/ and Buy now): picture, title, quantity
    and unit price, the problem if the line can't be ordered, and the line's total. Held equal to
    the template-language line by tests/shop/test_checkout_lines.py."""
    w = _Page.of(context)
    qty_times = escape(gettext("Qty %(quantity)s × %(price)s"))  # noqa: RUF001
    out = []
    for item in lines:
        product = item.product
        price, total, problem = _line_texts(item, w.language)
        out.append(
            '<li class="list-group-item py-3" data-testid="checkout-line">'
            '<div class="d-flex gap-3">'
            '<div class="bz-cart-thumb flex-shrink-0" aria-hidden="true">'
            f"{_picture(product, w.no_image)}</div>"
            '<div class="flex-grow-1 min-w-0 d-flex flex-wrap justify-content-between gap-2">'
            f'<div class="min-w-0"><div class="fw-semibold">{escape(product.title)}</div>'
            '<div class="small text-muted">'
            f"{qty_times % {'quantity': item.quantity, 'price': price}}</div>{problem}</div>"
            f'<div class="fw-semibold text-nowrap">{total}</div></div></div></li>\n'
        )
    return mark_safe("".join(out))  # noqa: S308 (every value that goes in is escaped above)


def shipping_rule(seller: Seller, language: str | None = None) -> str:
    """``{% include "shop/_shipping_rule.html" %}`` as text: "Shipping $6.90, free on
    orders of $60.00 or more"."""
    if seller.shipping_fee == 0:
        return gettext("Free shipping")
    fee = format_money(seller.shipping_fee, seller.currency, language)
    if seller.free_shipping_threshold is not None:
        threshold = format_money(seller.free_shipping_threshold, seller.currency, language)
        return gettext("Shipping %(fee)s, free on orders of %(threshold)s or more") % {
            "fee": fee,
            "threshold": threshold,
        }
    return gettext("Shipping %(fee)s per order") % {"fee": fee}


@dataclass(frozen=True)
class _GroupWords:
    """What every seller group of a page says, translated once per page (a gettext call
    costs microseconds: a dozen a group added up on a cart of many sellers)."""

    ships_from: str
    free: str
    free_shipping_hint: str
    order_label: str
    fix_hint: str

    @classmethod
    def of(cls, context: Context) -> "_GroupWords":
        words = context.render_context.get(cls)
        if words is None:
            words = context.render_context[cls] = cls(
                ships_from=gettext("Ships from %(country)s"),
                free=pgettext("shipping", "Free"),
                free_shipping_hint=gettext(
                    "Add %(amount)s more from %(seller)s for free shipping."
                ),
                order_label=gettext("Order from this seller: %(seller)s"),
                fix_hint=gettext("To order from %(seller)s, fix the items marked above."),
            )
        return words


@register.simple_tag(takes_context=True)
def cart_group(context: Context, group: SellerCartGroup) -> dict[str, str | int]:
    """``{% cart_group group as shown %}``: the group's seller, sentences, links and amounts
    as plain text (the template escapes them). A dict, which the template language looks
    into first."""
    page = _Page.of(context)
    words = _GroupWords.of(context)
    seller, currency, language = group.seller, group.currency, page.language
    shortfall = group.totals.free_shipping_shortfall
    named = {"seller": seller.name}
    return {
        "seller_pk": seller.pk,
        "seller_name": seller.name,
        "seller_url": seller.get_absolute_url(),
        "ships_from": words.ships_from % {"country": country_name(seller.country)},
        "shipping_rule": shipping_rule(seller, language),
        "subtotal_label": ngettext(
            "Subtotal (%(counter)s item)", "Subtotal (%(counter)s items)", group.item_count
        )
        % {"counter": group.item_count},
        "subtotal": format_money(group.subtotal, currency, language),
        "shipping": (
            words.free
            if group.shipping_fee == 0
            else format_money(group.shipping_fee, currency, language)
        ),
        "total": format_money(group.total, currency, language),
        "free_shipping_hint": (
            words.free_shipping_hint
            % {"amount": format_money(shortfall, currency, language), **named}
            if shortfall and group.is_orderable
            else ""
        ),
        "checkout_url": remembered_url("shop:checkout", seller_slug=seller.slug),
        "order_label": words.order_label % named,
        "fix_hint": words.fix_hint % named,
    }


@register.simple_tag(takes_context=True)
def cart_sections(context: Context, groups: list[SellerCartGroup]) -> SafeString:
    """Each seller group's ``<section>``: the seller and shipping rule, one form (with the
    request's CSRF token) around the group's lines (``cart_lines``), the totals and free
    shipping hint, and **Order from this seller** (disabled, with why, when a line can't be
    ordered). The group's texts are ``cart_group``'s. Held equal to the template-language
    group by tests/shop/test_cart_sections.py."""
    sold_by = escape(gettext("Sold by"))
    shipping = escape(gettext("Shipping"))
    total = escape(gettext("Total"))
    order = escape(gettext("Order from this seller"))
    lines_url = escape(reverse("shop:cart-lines-update"))
    token = escape(str(context.get("csrf_token", "")))
    out = []
    for group in groups:
        shown = {k: escape(str(v)) for k, v in cart_group(context, group).items()}
        hint = (
            f'<p class="small text-success mb-2">{shown["free_shipping_hint"]}</p>'
            if shown["free_shipping_hint"]
            else ""
        )
        if group.is_orderable:
            button = (
                f'<a class="btn btn-bz w-100" href="{shown["checkout_url"]}" '
                f'aria-label="{shown["order_label"]}">{order}</a>'
            )
        else:
            button = (
                f'<p class="small text-danger mb-2">{shown["fix_hint"]}</p>'
                '<button type="button" class="btn btn-bz w-100" disabled '
                f'aria-label="{shown["order_label"]}">{order}</button>'
            )
        seller_id = f"seller-{shown['seller_pk']}"
        out.append(
            '<section class="card bz-card bz-seller-group mb-4" '
            f'aria-labelledby="{seller_id}" data-testid="seller-group">'
            f'<div class="card-header bg-white py-3"><h2 class="h5 mb-1" id="{seller_id}">'
            f'{sold_by} <a href="{shown["seller_url"]}">{shown["seller_name"]}</a></h2>'
            f'<div class="small text-muted">{shown["ships_from"]} · {shown["shipping_rule"]}'
            f'</div></div><form method="post" action="{lines_url}">'
            f'<input type="hidden" name="csrfmiddlewaretoken" value="{token}">'
            f'<ul class="list-group list-group-flush">{cart_lines(context, group.lines)}</ul>'
            '</form><div class="card-footer bg-white py-3 border-top-0">'
            '<dl class="row mb-2 small align-items-baseline">'
            f'<dt class="col-7 fw-normal text-muted">{shown["subtotal_label"]}</dt>'
            '<dd class="col-5 text-end mb-1" data-testid="group-subtotal">'
            f'{shown["subtotal"]}</dd><dt class="col-7 fw-normal text-muted">{shipping}</dt>'
            '<dd class="col-5 text-end mb-1" data-testid="group-shipping">'
            f'{shown["shipping"]}</dd><dt class="col-7">{total}</dt>'
            '<dd class="col-5 text-end mb-0 bz-price" data-testid="group-total">'
            f"{shown['total']}</dd></dl>{hint}{button}</div></section>\n"
        )
    return mark_safe("".join(out))  # noqa: S308 (every value that goes in is escaped above)
