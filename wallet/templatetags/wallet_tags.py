"""Template helpers for wallet pages."""

from urllib.parse import quote

from django import template
from django.conf import settings
from django.urls import NoReverseMatch, reverse

register = template.Library()


@register.filter
def order_url(reference: str) -> str:
    """The order page for a payment reference (the order number). The wallet never imports
    the shop: the URL is found by name, with the documented path as a fallback."""
    if not reference:
        return ""
    try:
        return reverse("shop:order-detail", args=[reference])
    except NoReverseMatch:
        return f"/orders/{quote(reference, safe='')}/"


@register.simple_tag(takes_context=True)
def page_query(context, page_number) -> str:
    """The current query string with ``page`` replaced (keeps the ``kind`` filter)."""
    query = context["request"].GET.copy()
    query["page"] = page_number
    return query.urlencode()


@register.simple_tag
def wallet_reauth_minutes() -> int:
    """How long a typed password lets the shopper add or remove cards (for help texts)."""
    return settings.WALLET_REAUTH_MINUTES
