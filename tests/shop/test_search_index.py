"""Product search and its full-text index (shop migrations 0007-0008, PostgreSQL only)."""

from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse

from shop.models import Product
from shop.selectors import product_search
from tests.factories import ProductFactory, SellerFactory


def test_search_finds_words_anywhere_in_title_or_description_on_any_database(client, db):
    ProductFactory(title="Cedar Birdhouse", description="Hangs from a branch.")
    ProductFactory(title="Bird feeder", description="Fits any birdhouse pole.")
    ProductFactory(title="Garden hose", description="Twenty metres.")
    response = client.get(reverse("shop:search"), {"q": "BIRDHOUSE"})
    assert response.status_code == 200
    titles = [p.title for p in response.context["page_obj"]]
    assert titles == ["Cedar Birdhouse", "Bird feeder"]  # title hits first


@pytest.mark.django_db(transaction=True)
def test_search_uses_the_full_text_index_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("the search document and its index exist on PostgreSQL only (SQLite scans)")
    seller = SellerFactory()
    Product.objects.bulk_create(
        Product(
            seller=seller,
            title=f"Garden hose {n}",
            slug=f"garden-hose-{n}",
            description="Twenty metres of green rubber.",
            price=Decimal("10.00"),
            stock=5,
        )
        for n in range(3000)
    )
    ProductFactory(seller=seller, title="Cedar Birdhouse")
    with connection.cursor() as cursor:
        # Committed rows, vacuumed (GIN's pending list flushed) and analysed; a table this
        # small may still be cheapest to scan, so scans are ruled out: the plan then shows
        # whether the index fits the expression the search sends.
        cursor.execute("VACUUM ANALYZE shop_product")
        cursor.execute("SET enable_seqscan = off")
        try:
            plan = product_search(query="birdho").explain()
        finally:
            cursor.execute("RESET enable_seqscan")
    assert "Bitmap Index Scan on shop_product_search_document" in plan, plan
    # Title hits are told from the title's stored document (migration 0010), not by
    # parsing every match again nor by filtering its whole document.
    assert "to_tsvector" not in plan
    assert "ts_filter(" not in plan
    assert "title_document @@" in plan


@pytest.mark.django_db(transaction=True)
def test_the_search_document_follows_edits_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("the search document exists on PostgreSQL only")
    product = ProductFactory(title="Oak chair", description="Solid.")
    Product.objects.filter(pk=product.pk).update(title="Birch stool")
    assert list(product_search(query="stool")) == [product]
    assert list(product_search(query="oak")) == []


@pytest.mark.parametrize(
    ("typed", "title"),
    [
        ("Lumiere", "Lumière Table Lamp"),
        ("creme", "Crème Brûlée Ramekin"),
        ("brulee ramek", "Crème Brûlée Ramekin"),
        ("Lumière", "Lumiere Floor Lamp"),
        ("ёлка", "Елка в горшке"),
    ],
)
def test_search_ignores_accents_on_postgresql(client, db, typed, title):
    if connection.vendor != "postgresql":
        pytest.skip("accents are dropped by the search configuration of PostgreSQL only")
    ProductFactory(title=title)
    ProductFactory(title="Garden hose")

    response = client.get(reverse("shop:search"), {"q": typed})

    assert [p.title for p in response.context["page_obj"]] == [title]
    assert title in response.content.decode()  # shown as written, accents and all
