"""What a shopper gets from the search box (issue 12), on SQLite and on PostgreSQL alike;
stemming and stop words are PostgreSQL's full-text search only."""

import os

import pytest
from django.db import connection
from django.urls import reverse

from shop.selectors import product_search, search_words
from shop.views.catalog import CappedCountPaginator
from tests.conftest import REQUIRE_POSTGRES_ENV
from tests.factories import ProductFactory


def _titles(queryset) -> list[str]:
    return [p.title for p in queryset]


@pytest.fixture
def postgres(db):
    if connection.vendor == "postgresql":
        return
    if os.environ.get(REQUIRE_POSTGRES_ENV) == "1":
        pytest.fail(f"{REQUIRE_POSTGRES_ENV}=1 but the test database is {connection.vendor}")
    pytest.skip("stemming and stop words are PostgreSQL full-text search; SQLite scans")


def test_a_word_finds_itself_and_longer_words_it_starts(db):
    ProductFactory(title="Desk lamp")
    ProductFactory(title="Lampshade, linen")
    ProductFactory(title="Oak chair")
    assert set(_titles(product_search(query="lamp"))) == {"Desk lamp", "Lampshade, linen"}
    assert _titles(product_search(query="lam")) == _titles(product_search(query="lamp"))
    assert _titles(product_search(query="desk la")) == ["Desk lamp"]  # as the shopper types


def test_a_piece_from_inside_a_word_finds_nothing(db):
    ProductFactory(title="Desk lamp")
    assert _titles(product_search(query="amp")) == []


def test_a_one_letter_word_is_a_whole_word_not_a_prefix(db):
    ProductFactory(title="X-ray glasses")
    ProductFactory(title="Xylophone")
    assert _titles(product_search(query="x")) == ["X-ray glasses"]
    assert _titles(product_search(query="xy")) == ["Xylophone"]


def test_title_hits_come_first_then_the_newest(db):
    older_title = ProductFactory(title="Garden hose")
    newer_title = ProductFactory(title="Garden gloves")
    described = ProductFactory(title="Watering can", description="For the garden.")
    newest_elsewhere = ProductFactory(title="Hose reel", description="Tidy garden hoses.")
    found = list(product_search(query="garden"))
    assert found == [newer_title, older_title, newest_elsewhere, described]


def test_a_title_edited_to_hold_the_word_ranks_with_the_title_hits(db):
    # On PostgreSQL the rank reads the title's own stored document (migration 0010), which
    # the database keeps up to date with the title.
    described = ProductFactory(title="Watering can", description="For the garden.")
    titled = ProductFactory(title="Garden hose")
    assert list(product_search(query="garden")) == [titled, described]

    described.title = "Garden watering can"
    described.save(update_fields=["title"])
    titled.title = "Hose"
    titled.description = "For any garden."
    titled.save(update_fields=["title", "description"])
    assert list(product_search(query="garden")) == [described, titled]


def test_every_word_must_be_in_title_or_description(db):
    ProductFactory(title="Garden hose", description="Twenty metres, green.")
    ProductFactory(title="Garden gloves", description="Leather.")
    assert _titles(product_search(query="garden green")) == ["Garden hose"]


def test_cyrillic_words_ignore_case(db):
    ProductFactory(title="Кружка керамическая", description="Объём 300 мл.")
    ProductFactory(title="Чайник")
    assert _titles(product_search(query="КРУЖКА")) == ["Кружка керамическая"]
    assert _titles(product_search(query="кру")) == ["Кружка керамическая"]
    assert _titles(product_search(query="объём")) == ["Кружка керамическая"]


def test_punctuation_separates_words(db):
    ProductFactory(title="T-shirt, organic cotton")
    assert _titles(product_search(query="organic-cotton!")) == ["T-shirt, organic cotton"]
    assert _titles(product_search(query="shirt")) == ["T-shirt, organic cotton"]


def test_only_the_first_eight_words_count(db):
    ProductFactory(title="Mug")
    assert search_words("a b c d e f g h i j") == list("abcdefgh")
    # The ninth word and beyond are dropped rather than refusing the search.
    assert _titles(product_search(query="mug mug mug mug mug mug mug mug nothing")) == ["Mug"]


def test_inactive_products_stay_hidden(db):
    ProductFactory(title="Hidden lamp", is_active=False)
    assert _titles(product_search(query="lamp")) == []


def test_plural_finds_the_singular_and_back_on_postgresql(postgres):
    ProductFactory(title="Desk lamp")
    ProductFactory(title="Reading lamps")
    ProductFactory(title="Кружка керамическая")
    assert set(_titles(product_search(query="lamps"))) == {"Desk lamp", "Reading lamps"}
    assert set(_titles(product_search(query="lamp"))) == {"Desk lamp", "Reading lamps"}
    assert _titles(product_search(query="кружки")) == ["Кружка керамическая"]


def test_stop_words_are_skipped_on_postgresql(postgres):
    ProductFactory(title="Lamp for the desk")
    assert _titles(product_search(query="the lamp")) == ["Lamp for the desk"]
    assert _titles(product_search(query="the")) == []


def test_a_common_word_over_a_large_catalog_counts_up_to_a_cap(client, db, monkeypatch):
    monkeypatch.setattr(CappedCountPaginator, "cap", 30)
    ProductFactory.create_batch(31, title="Garden hose")
    response = client.get(reverse("shop:search"), {"q": "garden"})
    html = response.content.decode()
    assert "More than 30 products found" in html
    assert "add a word to narrow the search down" in html
    paginator = response.context["page_obj"].paginator
    assert (paginator.count, paginator.num_pages) == (30, 3)
    last = client.get(reverse("shop:search"), {"q": "garden", "page": 3})
    assert len(last.context["page_obj"]) == 6


def test_up_to_the_cap_the_count_is_exact(client, db, monkeypatch):
    monkeypatch.setattr(CappedCountPaginator, "cap", 30)
    ProductFactory.create_batch(30, title="Garden hose")
    html = client.get(reverse("shop:search"), {"q": "garden"}).content.decode()
    assert "30 products found" in html
    assert "More than" not in html


@pytest.mark.parametrize("query", ["%", "!!!", "—", "()", "'\"", "\x01\x02"])
def test_a_query_of_no_words_says_what_search_needs(client, db, query):
    ProductFactory(title="Mug")
    response = client.get(reverse("shop:search"), {"q": query})
    assert response.status_code == 200
    html = response.content.decode()
    if query.strip("\x01\x02"):
        assert "Search looks for words" in html
        assert "0 products found" in html
    else:  # nothing left once control characters go: the empty search's prompt
        assert "What are you looking for?" in html


def test_a_very_long_query_is_cut_and_still_searched(client, db):
    ProductFactory(title="Mug")
    response = client.get(reverse("shop:search"), {"q": "mug " + "x" * 5000})
    assert response.status_code == 200
    assert len(response.context["query"]) == 100
    assert _titles(response.context["page_obj"]) == []  # "xxx…" is a word no product has
    response = client.get(reverse("shop:search"), {"q": "mug " + "mug " * 3000})
    assert _titles(response.context["page_obj"]) == ["Mug"]


@pytest.mark.parametrize(
    "query",
    ["garden", "GARDEN hose", "x", "x garden", "lumiere", "кру", "hose green tidy", "%", "zzz"],
)
def test_the_search_page_pages_what_product_search_finds(client, db, query):
    # The page reads its SQL compiled once per number of words (product_search_rows); it
    # must find and order exactly what the queryset does, page by page.
    ProductFactory(title="Garden hose", description="Twenty metres, green.")
    ProductFactory(title="X-ray garden gnome")
    ProductFactory(title="Atelier Lumière garden chair")
    ProductFactory(title="Кружка садовая", description="garden")
    ProductFactory(title="Hose reel", description="Tidy garden hoses, green.", stock=0)
    ProductFactory.create_batch(13, title="Garden tool")
    ProductFactory(title="Hidden garden hose", is_active=False)
    expected = list(product_search(query=query))
    shown = []
    for number in range(1, 4):
        response = client.get(reverse("shop:search"), {"q": query, "page": number})
        page = response.context["page_obj"]
        assert page.paginator.count == len(expected)
        if page.number == number:
            shown += list(page)
    assert shown == expected
