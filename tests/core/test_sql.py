"""core.sql.CompiledQuery: a lookup compiled once finds the same instances the queryset
would, joined rows and annotations included, in one counted query; its pages and counts
are the queryset's slices and counts, and ``Rows`` pages as Django's Paginator pages the
queryset."""

from decimal import Decimal

import pytest
from django.core.paginator import Paginator
from django.db.models import F, Value
from django.db.models.functions import Concat

from core.sql import CompiledQuery, Rows, counted, page_slot
from shop.models import Product
from tests.factories import ProductFactory, SellerFactory

pytestmark = pytest.mark.django_db

SLUG = "\x00slug"


def _active_by_slug(alias):
    queryset = (
        Product.objects.active()
        .select_related("seller")
        .annotate(label=Concat(F("title"), Value(" by "), F("seller__name")))
        .filter(slug=SLUG)
    )
    return queryset, {"slug": SLUG}


@pytest.fixture
def by_slug():
    return CompiledQuery("test-product", Product, _active_by_slug)


@pytest.fixture
def mug(db):
    seller = SellerFactory(name="Nordic Home", shipping_fee="6.90")
    ProductFactory(seller=seller, slug="a-lamp")
    return ProductFactory(seller=seller, title="Mug", slug="stoneware-mug", price="18.50")


def test_it_finds_what_the_queryset_finds_with_the_join_and_annotation_in_one_query(
    by_slug, mug, django_assert_num_queries
):
    with django_assert_num_queries(1):
        found = by_slug.first(slug="stoneware-mug")
        seller = found.seller  # joined: no second query
        label = found.label

    expected = (
        Product.objects.select_related("seller")
        .annotate(label=Concat(F("title"), Value(" by "), F("seller__name")))
        .get(slug="stoneware-mug")
    )
    assert found == expected
    assert {f.attname: getattr(found, f.attname) for f in Product._meta.concrete_fields} == {
        f.attname: getattr(expected, f.attname) for f in Product._meta.concrete_fields
    }
    assert (found.price, type(found.price)) == (Decimal("18.50"), Decimal)  # converted
    assert found.created_at.tzinfo is not None
    assert (seller.name, seller.shipping_fee) == ("Nordic Home", Decimal("6.90"))
    assert label == expected.label == "Mug by Nordic Home"
    assert found._state.adding is False and found._state.db == "default"


def test_each_call_takes_its_own_values_and_keeps_the_querysets_own(by_slug, mug):
    assert by_slug.first(slug="a-lamp").slug == "a-lamp"
    assert by_slug.first(slug="stoneware-mug") == mug
    assert by_slug.first(slug="no-such-thing") is None
    Product.objects.filter(pk=mug.pk).update(is_active=False)
    assert by_slug.first(slug="stoneware-mug") is None  # is_active=True is still asked


def test_a_hostile_value_is_a_parameter_not_sql(by_slug, mug):
    assert by_slug.first(slug="' OR '1'='1") is None
    assert Product.objects.count() == 2


def test_compiling_refuses_a_stand_in_the_sql_does_not_take_as_given():
    def build(alias):
        # "stock" goes through int() on its way (a str stand-in does not reach the SQL).
        return Product.objects.filter(slug=SLUG, stock="\x007"), {"slug": SLUG, "stock": "\x007"}

    with pytest.raises((RuntimeError, ValueError)):
        CompiledQuery("test-mismatch", Product, build).first(slug="x", stock=1)


def test_a_stand_in_missing_from_the_sql_is_refused():
    def build(alias):
        return Product.objects.filter(slug=SLUG), {"slug": SLUG, "stock": -777}

    with pytest.raises(RuntimeError, match="compiled with parameters"):
        CompiledQuery("test-missing", Product, build).first(slug="x", stock=1)


def test_a_setting_change_compiles_again(by_slug, mug, settings):
    assert by_slug.first(slug="stoneware-mug") == mug
    assert by_slug._by_alias
    settings.USE_THOUSAND_SEPARATOR = not settings.USE_THOUSAND_SEPARATOR
    assert not by_slug._by_alias
    assert by_slug.first(slug="stoneware-mug") == mug


def test_all_finds_every_row_in_the_querysets_order(db):
    seller = SellerFactory()
    made = [ProductFactory(seller=seller, title=f"Item {n}") for n in range(3)]
    ProductFactory()  # another seller's

    def by_seller(alias):
        return Product.objects.filter(seller=-9).order_by("-title"), {"seller": -9}

    found = CompiledQuery("test-all", Product, by_seller).all(seller=seller.pk)

    assert found == sorted(made, key=lambda p: p.title, reverse=True)
    assert CompiledQuery("test-none", Product, by_seller).all(seller=-1) == []


def _prices_of_seller(alias):
    found = Product.objects.filter(seller=-42).order_by("price", "id").values_list("id", "price")
    return found, {"seller": -42}


def test_rows_reads_a_values_list_query_converted(mug, django_assert_num_queries):
    prices = CompiledQuery("test-prices", Product, _prices_of_seller)
    with django_assert_num_queries(1):
        rows = prices.rows(seller=mug.seller_id)
    assert [tuple(row) for row in rows] == list(
        Product.objects.filter(seller=mug.seller).order_by("price", "id").values_list("id", "price")
    )
    assert all(type(price) is Decimal for _id, price in rows)
    with pytest.raises(RuntimeError):
        prices.all(seller=mug.seller_id)


def test_a_stand_in_the_query_uses_in_several_places_is_filled_in_everywhere(db):
    wanted = ProductFactory(title="Mug", description="A jug")
    ProductFactory(title="Mug", description="Mug")
    ProductFactory(title="Jug", description="A jug")

    def same_word(alias):
        queryset = Product.objects.filter(title__iexact=SLUG).exclude(description__iexact=SLUG)
        return queryset, {"slug": SLUG}

    found = CompiledQuery("test-twice", Product, same_word).all(slug="mug")

    assert found == [wanted]


@pytest.fixture
def shelf(db):
    seller = SellerFactory()
    ProductFactory(title="Another seller's")
    return seller, [ProductFactory(seller=seller, title=f"Item {n:02}") for n in range(7)]


def _of_seller(alias):
    return Product.objects.filter(seller=-9).order_by("title"), {"seller": -9}


def test_all_reads_a_page_with_limit_and_offset_as_a_slice_does(shelf, django_assert_num_queries):
    seller, made = shelf
    by_seller = CompiledQuery("test-pages", Product, _of_seller)
    for offset in (0, 3, 6, 7, 20):
        with django_assert_num_queries(1):
            page = by_seller.all(seller=seller.pk, limit=3, offset=offset)
        assert page == made[offset : offset + 3]
    assert by_seller.all(seller=seller.pk) == made


def test_count_counts_what_the_queryset_counts_at_most_as_many_as_asked(
    shelf, django_assert_num_queries
):
    seller, _ = shelf
    by_seller = CompiledQuery("test-count", Product, _of_seller)
    with django_assert_num_queries(1):
        assert by_seller.count(seller=seller.pk) == 7
    assert Product.objects.filter(seller=seller).count() == 7
    assert by_seller.count(seller=seller.pk, at_most=5) == 5
    assert by_seller.count(seller=seller.pk, at_most=50) == 7
    assert by_seller.count(seller=-1) == 0


def test_a_sliced_queryset_is_neither_paged_again_nor_counted(shelf):
    seller, made = shelf

    def sliced(alias):
        return Product.objects.filter(seller=-9).order_by("title")[:2], {"seller": -9}

    first_two = CompiledQuery("test-sliced", Product, sliced)
    assert first_two.all(seller=seller.pk) == made[:2]
    with pytest.raises(RuntimeError, match="sliced"):
        first_two.all(seller=seller.pk, limit=1)
    with pytest.raises(RuntimeError, match="sliced"):
        first_two.count(seller=seller.pk)


@pytest.mark.parametrize("number", [None, "1", "2", "3", "99", "x"])
@pytest.mark.parametrize("per_page,orphans", [(3, 0), (3, 1), (7, 0), (10, 0)])
def test_rows_page_as_djangos_paginator_pages_the_queryset(shelf, number, per_page, orphans):
    seller, _ = shelf
    rows = Rows(CompiledQuery("test-rows", Product, _of_seller), seller=seller.pk)
    ours = Paginator(rows, per_page, orphans=orphans).get_page(number)
    django = Paginator(
        Product.objects.filter(seller=seller).order_by("title"), per_page, orphans=orphans
    ).get_page(number)

    assert (ours.number, list(ours), ours.paginator.count, ours.paginator.num_pages) == (
        django.number,
        list(django),
        django.paginator.count,
        django.paginator.num_pages,
    )
    assert rows.count_at_most(4) == 4


def test_rows_of_no_query_are_none_and_ask_nothing(django_assert_num_queries):
    rows = Rows(None)
    with django_assert_num_queries(0):
        page = Paginator(rows, 12).get_page("2")
        assert (list(page), page.paginator.count, rows.count_at_most(10)) == ([], 0, 0)


def test_a_counted_querysets_rows_carry_its_count_in_the_one_query(
    shelf, django_assert_num_queries
):
    seller, made = shelf

    def by_seller(alias):
        products = Product.objects.filter(seller=-9).order_by("title")
        return counted(products), {"seller": -9}

    def by_seller_up_to_five(alias):
        products = Product.objects.filter(seller=-9).order_by("title")
        return counted(products, at_most=5), {"seller": -9}

    with django_assert_num_queries(1):
        page = CompiledQuery("test-counted", Product, by_seller).all(
            seller=seller.pk, limit=3, offset=3
        )
    assert page == made[3:6]
    assert [product.found for product in page] == [7, 7, 7]
    up_to_five = CompiledQuery("test-counted-5", Product, by_seller_up_to_five)
    assert {product.found for product in up_to_five.all(seller=seller.pk)} == {5}
    rows = Rows(CompiledQuery("test-counted-rows", Product, by_seller), seller=seller.pk)
    assert rows.page(6, 3) == (made[6:], 7)
    assert rows.page(9, 3) == ([], None)  # past the end: the count is not known
    assert Rows(CompiledQuery("test-counted-none", Product, by_seller), seller=-1).page(0, 3) == (
        [],
        0,
    )


def test_explain_plans_the_sql_a_page_sends(shelf, django_assert_num_queries):
    from django.db import connection

    seller, _ = shelf
    rows = Rows(CompiledQuery("test-explain", Product, _of_seller), seller=seller.pk)

    with django_assert_num_queries(1) as explained:
        plan = rows.explain(3, 2)

    sql = explained.captured_queries[0]["sql"]
    assert sql.startswith("EXPLAIN") and "LIMIT 2 OFFSET 3" in sql
    assert plan
    if connection.vendor == "postgresql":
        assert "actual time" in plan and "Limit" in plan
    assert Rows(None).explain(0, 12) == ""


def _of_seller_by_keys_first(alias):
    # The page's keys picked by a subquery (page_slot), its rows read after, counted over
    # the whole list as the search page counts its matches.
    listed = Product.objects.filter(seller=-9).order_by("title")
    page = listed.filter(pk__in=page_slot(listed.values("pk")))
    return counted(page, of=listed), {"seller": -9}


@pytest.mark.parametrize("number", [None, "1", "2", "3", "99", "x"])
def test_a_page_slot_query_pages_and_counts_as_djangos_paginator_does(
    shelf, number, django_assert_num_queries
):
    seller, made = shelf
    keys_first = CompiledQuery("test-slot", Product, _of_seller_by_keys_first)
    rows = Rows(
        keys_first, counts=CompiledQuery("test-slot-count", Product, _of_seller), seller=seller.pk
    )
    ours = Paginator(rows, 3).get_page(number)
    django = Paginator(made, 3).get_page(number)

    assert (ours.number, list(ours), ours.paginator.count) == (
        django.number,
        list(django),
        django.paginator.count,
    )
    with django_assert_num_queries(1) as read:
        assert rows.page(3, 3) == (made[3:6], 7)
    # The page went into the subquery: the outer query has no LIMIT of its own.
    sql = read.captured_queries[0]["sql"]
    assert sql.count("LIMIT 3 OFFSET 3") == 1 and not sql.rstrip().endswith("OFFSET 3")
    assert rows.count_at_most(4) == 4
    assert rows.page(9, 3) == ([], None)


def test_a_page_slot_query_reads_a_page_at_a_time_and_is_counted_by_another(shelf):
    seller, made = shelf
    keys_first = CompiledQuery("test-slot-whole", Product, _of_seller_by_keys_first)
    with pytest.raises(RuntimeError, match="a page at a time"):
        keys_first.all(seller=seller.pk)
    with pytest.raises(RuntimeError, match="counted by another"):
        keys_first.count(seller=seller.pk)
    assert keys_first.all(seller=seller.pk, limit=2, offset=5) == made[5:7]
