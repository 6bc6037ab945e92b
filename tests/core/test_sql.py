"""core.sql.CompiledQuery: a lookup compiled once finds the same instances the queryset
would, joined rows and annotations included, in one counted query."""

from decimal import Decimal

import pytest
from django.db.models import F, Value
from django.db.models.functions import Concat

from core.sql import CompiledQuery
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


def test_rows_are_the_values_list_rows_converted_in_one_query(db, django_assert_num_queries):
    seller = SellerFactory(name="Nordic Home", free_shipping_threshold=None)
    ProductFactory(seller=seller, title="Mug", price="18.50")
    ProductFactory(seller=seller, title="Lamp", price="7.00")
    ProductFactory()  # another seller's

    def by_seller(alias):
        query = (
            Product.objects.filter(seller=-9)
            .order_by("title")
            .values_list("title", "price", "created_at", "is_active", "seller__name")
        )
        return query, {"seller": -9}

    compiled = CompiledQuery("test-rows", Product, by_seller)
    with django_assert_num_queries(1):
        rows = compiled.rows(seller=seller.pk)

    expected = list(
        Product.objects.filter(seller=seller)
        .order_by("title")
        .values_list("title", "price", "created_at", "is_active", "seller__name")
    )
    assert [tuple(row) for row in rows] == expected
    assert [row[0] for row in rows] == ["Lamp", "Mug"]
    assert type(rows[1][1]) is Decimal and rows[1][1] == Decimal("18.50")  # converted
    assert rows[0][2].tzinfo is not None and rows[0][3] is True
    assert compiled.rows(seller=-1) == []
    with pytest.raises(RuntimeError, match="rows"):
        compiled.first(seller=seller.pk)
