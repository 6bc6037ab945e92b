"""Catalog reads: listings, search, product and seller lookups."""

import re
import unicodedata
from functools import reduce
from operator import and_

from django.contrib.postgres.search import SearchQuery, SearchQueryField, SearchVectorField
from django.db import connections, router
from django.db.models import BooleanField, Case, Expression, Func, Q, QuerySet, Value, When
from django.http import Http404

from core.sql import CompiledQuery, Rows, counted, page_slot
from shop.models import Product, Seller
from shop.models.catalog import sold_out_last

# The search box says maxlength=100; anything longer is cut, never an error.
SEARCH_MAX_LENGTH = 100
_SEARCH_MAX_WORDS = 8
# The search page counts matches up to this many (+ 1, to tell there are more): a common
# word over a large catalog costs a bounded count.
SEARCH_COUNT_CAP = 1000
_WORD = re.compile(r"[^\W_]+")
# The search configuration of migration 0008, which the stored document uses too:
# PostgreSQL's "russian" (it stems Latin-letter words with the English stemmer and Cyrillic
# ones with the Russian: the site's two languages) with accents dropped from words that
# are not plain ASCII ("Lumière" is "lumiere"; other scripts are kept as written).
_CONFIG = "bazaar_search"


def product_list_active() -> QuerySet[Product]:
    """Active products with their seller joined: those in stock first, newest first, so a
    sold-out product never leads a list."""
    return (
        Product.objects.active()
        .select_related("seller")
        .order_by(sold_out_last(), "-created_at", "-id")
    )


def _active_by_slug(alias: str):
    # The slug is unique: one row at most, so no ORDER BY (the model's default order cost
    # PostgreSQL a sort to plan on every view of a product).
    products = Product.objects.active().select_related("seller").filter(slug=_SLUG).order_by()
    return products, {"slug": _SLUG}


_SLUG = "\x00slug"  # the stand-in _active_by_slug is compiled with
# The product page's lookup: compiled once per process (core.sql), run on every view.
_product_page = CompiledQuery("product page", Product, _active_by_slug)


def product_get_active(*, slug: str) -> Product:
    """The active product with this slug, its seller joined, or Http404 (inactive products
    are hidden)."""
    product = _product_page.first(slug=slug)
    if product is None:
        raise Http404("No product matches the given query.")
    return product


_ID = -424253  # the stand-in _product_by_id is compiled with
# Add to cart's lookup of the product it adds, compiled once per process.
_product_by_id = CompiledQuery(
    "active product by id",
    Product,
    lambda alias: (Product.objects.active().filter(pk=_ID).order_by(), {"pk": _ID}),
)


def product_get_active_by_id(*, product_id: int) -> Product:
    """The active product with this id, or Http404 (inactive products are hidden, and an id
    past what the key column holds is no product: the ORM's lookup says so too, where the
    compiled SQL would hand the database a number it can't take)."""
    ops = connections[router.db_for_read(Product)].ops
    low, high = ops.integer_field_range(Product._meta.pk.get_internal_type())
    if not low <= product_id <= high:
        raise Http404("No product matches the given query.")
    product = _product_by_id.first(pk=product_id)
    if product is None:
        raise Http404("No product matches the given query.")
    return product


# The seller page's lookup, compiled once per process like the product page's.
_seller_page = CompiledQuery(
    "seller page",
    Seller,
    lambda alias: (Seller.objects.filter(slug=_SLUG).order_by(), {"slug": _SLUG}),
)


def seller_get(*, slug: str) -> Seller:
    """The seller with this slug, or Http404."""
    seller = _seller_page.first(slug=slug)
    if seller is None:
        raise Http404("No seller matches the given query.")
    return seller


def product_list_for_seller(*, seller: Seller) -> QuerySet[Product]:
    return product_list_active().filter(seller=seller)


# The product grids' lists (home, seller page), compiled once per process (core.sql) and
# read a page at a time, each row carrying the list's count (core.sql.counted): building
# and compiling the queryset and its count cost a grid page more Python than drawing its
# cards, and counting apart took a query of its own.
_SELLER = -1  # the stand-in seller key the seller grid is compiled with
# What a grid's card shows (shop.templatetags.catalog_tags.product_cards), the only columns
# a grid reads: the seller's shipping terms, dates and descriptions cost the database and
# the driver a conversion each (decimals, time-zoned dates) on every row and no card
# shows them.
_CARD_FIELDS = (
    "title",
    "slug",
    "price",
    "currency",
    "stock",
    "image",
    "seller__name",
    "seller__slug",
)


def _grid(products: QuerySet[Product]) -> QuerySet[Product]:
    return products.only(*_CARD_FIELDS)


_active_products = CompiledQuery(
    "product grid", Product, lambda alias: (counted(_grid(product_list_active())), {})
)
_sellers_products = CompiledQuery(
    "seller's product grid",
    Product,
    lambda alias: (
        counted(_grid(product_list_active().filter(seller=_SELLER))),
        {"seller": _SELLER},
    ),
)


def product_rows_active() -> Rows:
    """``product_list_active()`` as a grid pages it: a page and the count in one query
    (``Rows.page``), or ``count()`` and slices."""
    return Rows(_active_products)


def product_rows_for_seller(*, seller: Seller) -> Rows:
    """``product_list_for_seller(seller=seller)`` as a grid pages it."""
    return Rows(_sellers_products, seller=seller.pk)


def search_query_clean(raw: str | None) -> str:
    """What the shopper typed, made safe to show and search with: control characters (NUL,
    which PostgreSQL refuses, and the like) and surrounding/duplicate whitespace gone, cut
    to SEARCH_MAX_LENGTH."""
    text = "".join(" " if unicodedata.category(char) == "Cc" else char for char in raw or "")
    return " ".join(text.split())[:SEARCH_MAX_LENGTH].strip()


def search_words(query: str) -> list[str]:
    """The words `query` is searched by: runs of letters and digits, lowercased, at most
    _SEARCH_MAX_WORDS of them. Punctuation separates words and is never searched, as in
    PostgreSQL's text-search parser ("snake_case" is "snake" and "case"); a query of only
    punctuation has no words and finds nothing."""
    return _WORD.findall(search_query_clean(query).lower())[:_SEARCH_MAX_WORDS]


class _SearchDocument(Expression):
    """``shop_product.search_document``: the stored tsvector of migrations 0007-0008, or
    (``column="title_document"``) the title's part of it, of migration 0010 (PostgreSQL
    only). They are no model fields, so that pages listing products never load them; this
    expression names one under whatever alias the query gives the product table."""

    output_field = SearchVectorField()

    def __init__(self, alias: str | None = None, *, column: str = "search_document"):
        super().__init__()
        self.alias = alias
        self.column = column

    def resolve_expression(self, query=None, *args, **kwargs):
        return type(self)(query.get_initial_alias(), column=self.column)

    def relabeled_clone(self, change_map):
        return type(self)(change_map.get(self.alias, self.alias), column=self.column)

    def as_sql(self, compiler, connection):
        column = connection.ops.quote_name(self.column)
        return f"{compiler.quote_name_unless_alias(self.alias)}.{column}", []


def _ascii_if_latin(word: str) -> str:
    """``word`` without accents when that leaves plain ASCII ("crème" is "creme"), else as
    typed. The configuration drops accents itself, but a word with them is parsed as a
    non-ASCII word and stemmed as Russian, and its plain spelling as English: folded here,
    "Lumière" is stemmed as "Lumiere" is, so either finds both."""
    folded = "".join(
        char for char in unicodedata.normalize("NFKD", word) if not unicodedata.combining(char)
    )
    return folded if folded.isascii() else word


def _tsquery_terms(words: list[str]) -> list[str]:
    # A word matches as the start of a word ("lam" finds "lamp"), stemmed the way the
    # document was ("lamps" finds "lamp", "кружки" finds "кружка"). One-letter words match
    # whole: as prefixes they would match most of the catalog. The words are letters and
    # digits only, so they can't carry to_tsquery's operators.
    return [word if len(word) == 1 else f"{word}:*" for word in map(_ascii_if_latin, words)]


def _tsquery(terms: list[str]) -> SearchQuery:
    return reduce(and_, (SearchQuery(term, search_type="raw", config=_CONFIG) for term in terms))


def _search_postgresql(products: QuerySet[Product], terms: list[str]) -> QuerySet[Product]:
    wanted = _tsquery(terms)
    # The title's own document (0010): filtering each match's whole document down to its
    # title's lexemes (ts_filter(search_document, '{a}')) was most of the ranking's time.
    in_title = _SearchDocument(column="title_document")
    # The rank matches the title against the words' tsquery made once a run (a scalar
    # subquery), not once a match: psycopg 3 prepares the search, and a prepared
    # statement's generic plan parsed and stemmed the words again for every match it
    # ranked (8.3 -> 5.5 ms over 100,000 products for "garden", 2,000 matches).
    wanted_once = Func(wanted, template="(SELECT %(expressions)s)", output_field=SearchQueryField())
    title_match = Func(
        in_title,
        wanted_once,
        template="%(expressions)s",
        arg_joiner=" @@ ",
        output_field=BooleanField(),
    )
    return (
        products.alias(document=_SearchDocument())
        .filter(document=wanted)
        .alias(title_rank=Case(When(title_match, then=Value(0)), default=Value(1)))
    )


def _word_patterns(words: list[str]) -> list[str]:
    return [
        rf"(?<![^\W_]){re.escape(word)}" + (r"(?![^\W_])" if len(word) == 1 else "")
        for word in words
    ]


def _words_in_text(patterns: list[str]) -> Q:
    """Every pattern in the title or the description (SQLite)."""
    return reduce(and_, (Q(title__iregex=p) | Q(description__iregex=p) for p in patterns))


def _search_other(products: QuerySet[Product], patterns: list[str]) -> QuerySet[Product]:
    # SQLite (the zero-setup default) scans: each word must start a word of the title or
    # description (one-letter words be one), case-insensitively (Python's re, Unicode-aware,
    # runs SQLite's REGEXP), as on PostgreSQL but without stemming or stop words.
    in_title = reduce(and_, (Q(title__iregex=p) for p in patterns))
    return products.filter(_words_in_text(patterns)).alias(
        title_rank=Case(When(in_title, then=Value(0)), default=Value(1))
    )


def products_matching(*, products: QuerySet[Product], query: str) -> QuerySet[Product]:
    """``products`` narrowed to those whose title or description has every word of
    ``query``, matched as ``product_search`` matches them (on PostgreSQL through the GIN
    index, so it stays fast over a large catalog), or whose slug starts with ``query`` as
    typed (the slug's index). For the admin's search box, which lists inactive products
    too and orders them itself."""
    typed = query.strip().lower()
    by_slug = Q(slug__startswith=typed) if typed else Q(pk__in=[])
    words = search_words(query)
    if not words:
        return products.filter(by_slug)
    if connections[products.db].vendor == "postgresql":
        return products.alias(document=_SearchDocument()).filter(
            Q(document=_tsquery(_tsquery_terms(words))) | by_slug
        )
    return products.filter(_words_in_text(_word_patterns(words)) | by_slug)


def product_search(*, query: str) -> QuerySet[Product]:
    """Active products whose title or description has every word of `query` (see
    `search_words`), each as a whole word or the start of one; products with every word in
    the title first, then newest.

    PostgreSQL matches with full-text search over a GIN-indexed stored document (migrations
    0007-0008), so its cost follows the number of matches, not the size of the catalog; it
    also stems English and Russian words, skips their stop words ("the", "и") and ignores
    accents ("creme" finds "crème"). A query with no words matches nothing.
    """
    words = search_words(query)
    if not words:
        return Product.objects.none()
    products = product_list_active()
    return _searched(products, _search_values(connections[products.db].vendor, words))


def _search_values(vendor: str, words: list[str]) -> list[str]:
    """What the search's SQL takes for ``words``: tsquery terms on PostgreSQL, regular
    expressions elsewhere."""
    return _tsquery_terms(words) if vendor == "postgresql" else _word_patterns(words)


def _searched(products: QuerySet[Product], values: list[str]) -> QuerySet[Product]:
    if connections[products.db].vendor == "postgresql":
        products = _search_postgresql(products, values)
    else:
        products = _search_other(products, values)
    return products.order_by("title_rank", "-created_at", "-id")


def _search_compiled(count: int) -> tuple[CompiledQuery, CompiledQuery]:
    """``product_search`` for a query of ``count`` words, compiled once per process: the
    page (the grid's rows with the count of matches) and the matches (counted past it).

    The matches are ranked on their keys alone and the page's rows read after
    (``page_slot``): a common word over a large catalog has thousands of matches to rank,
    and carrying each one's card columns and seller through the sort cost as much again
    (100,000 products, "garden", 2,000 matches: 5.4 -> 3.8 ms; 1,000 products: the same)."""
    stand_ins = {f"w{n}": f"\x00w{n}" for n in range(count)}

    def matches(alias: str) -> QuerySet[Product]:
        return _searched(product_list_active().using(alias), list(stand_ins.values()))

    def page(alias: str):
        keys = page_slot(matches(alias).values("pk"))
        rows = _grid(matches(alias).filter(pk__in=keys))
        return counted(rows, at_most=SEARCH_COUNT_CAP + 1, of=matches(alias)), stand_ins

    return (
        CompiledQuery(f"product search, {count} words", Product, page),
        CompiledQuery(
            f"product search matches, {count} words",
            Product,
            lambda alias: (matches(alias), stand_ins),
        ),
    )


_searches = [_search_compiled(count) for count in range(1, _SEARCH_MAX_WORDS + 1)]


def product_search_rows(*, query: str) -> Rows:
    """``product_search(query=query)`` as the search page pages it, the SQL compiled once
    per number of words: a page with the count of matches, up to SEARCH_COUNT_CAP + 1, in
    one query (``Rows.page``), or ``count_at_most`` and slices."""
    words = search_words(query)
    if not words:
        return Rows(None)
    page, matches = _searches[len(words) - 1]
    vendor = connections[router.db_for_read(Product)].vendor
    values = {f"w{n}": value for n, value in enumerate(_search_values(vendor, words))}
    return Rows(page, counts=matches, **values)
