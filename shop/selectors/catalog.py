"""Catalog reads: listings, search, product and seller lookups."""

from functools import reduce
from operator import and_

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.shortcuts import get_object_or_404

from shop.models import Product, Seller

# The search box says maxlength=100; anything longer is cut, never an error.
SEARCH_MAX_LENGTH = 100
_SEARCH_MAX_TERMS = 8


def product_list_active() -> QuerySet[Product]:
    """Active products with their seller joined: those in stock first, newest first, so a
    sold-out product never leads a list."""
    sold_out_last = Case(When(stock__gt=0, then=Value(0)), default=Value(1))
    return (
        Product.objects.active()
        .select_related("seller")
        .order_by(sold_out_last, "-created_at", "-id")
    )


def product_get_active(*, slug: str) -> Product:
    """The active product with this slug, or Http404 (inactive products are hidden)."""
    return get_object_or_404(Product.objects.active().select_related("seller"), slug=slug)


def seller_get(*, slug: str) -> Seller:
    return get_object_or_404(Seller, slug=slug)


def product_list_for_seller(*, seller: Seller) -> QuerySet[Product]:
    return product_list_active().filter(seller=seller)


def search_query_clean(raw: str | None) -> str:
    """What the shopper typed, made safe to search with: NUL characters (which PostgreSQL
    refuses) and surrounding/duplicate whitespace gone, cut to SEARCH_MAX_LENGTH."""
    text = (raw or "").replace("\x00", " ")
    return " ".join(text.split())[:SEARCH_MAX_LENGTH].strip()


def product_search(*, query: str) -> QuerySet[Product]:
    """Active products whose title or description contains every word of `query`,
    case-insensitively; title matches first, then newest.

    `%`, `_` and backslashes are matched literally (Django escapes LIKE patterns). An empty
    query matches nothing.
    """
    terms = search_query_clean(query).split()[:_SEARCH_MAX_TERMS]
    if not terms:
        return Product.objects.none()
    condition = reduce(
        and_, (Q(title__icontains=term) | Q(description__icontains=term) for term in terms)
    )
    title_hit = reduce(and_, (Q(title__icontains=term) for term in terms))
    return (
        product_list_active()
        .filter(condition)
        .annotate(
            title_rank=Case(
                When(title_hit, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .order_by("title_rank", "-created_at", "-id")
    )
