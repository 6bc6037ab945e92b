"""FirstPageCountsPaginator: a first page that holds every row is its own count; longer
lists are counted and paged as Django's Paginator pages them. PageFirstPaginator: a page
and the list's count (core.sql.counted) in one query, landing where Django's lands."""

import pytest
from django.core.paginator import EmptyPage, Paginator

from accounts.models import User
from core.pagination import FirstPageCountsPaginator, PageFirstPaginator
from core.sql import CompiledQuery, Rows, counted
from shop.models import Product
from tests.factories import ProductFactory, SellerFactory


@pytest.fixture
def users(db):
    User.objects.bulk_create(User(email=f"page-{n}@example.com") for n in range(7))
    return list(User.objects.order_by("id"))


def _pages(paginator_class, per_page, number, **options):
    return paginator_class(User.objects.order_by("id"), per_page, **options).get_page(number)


def test_a_short_first_page_costs_one_query_and_knows_its_count(users, django_assert_num_queries):
    with django_assert_num_queries(1):
        page = FirstPageCountsPaginator(User.objects.order_by("id"), 10).get_page(None)
        assert page.paginator.count == 7
        assert page.paginator.num_pages == 1
        assert not page.has_other_pages()
    assert list(page) == users


@pytest.mark.parametrize("number", [None, "1", 1, "2", "3", "99", "x"])
@pytest.mark.parametrize("per_page,orphans", [(3, 0), (3, 1), (7, 0), (6, 1), (10, 0)])
def test_pages_match_djangos_paginator(users, number, per_page, orphans):
    ours = _pages(FirstPageCountsPaginator, per_page, number, orphans=orphans)
    django = _pages(Paginator, per_page, number, orphans=orphans)
    assert (ours.number, list(ours), ours.paginator.count) == (
        django.number,
        list(django),
        django.paginator.count,
    )
    assert ours.has_next() == django.has_next()


def test_an_empty_list_is_one_empty_page_unless_that_is_refused(db):
    assert list(FirstPageCountsPaginator(User.objects.none(), 10).page(1)) == []
    with pytest.raises(EmptyPage):
        FirstPageCountsPaginator(User.objects.none(), 10, allow_empty_first_page=False).page(1)


def _by_seller(alias):
    return counted(Product.objects.filter(seller=-9).order_by("title")), {"seller": -9}


@pytest.fixture
def shelf(db):
    seller = SellerFactory()
    ProductFactory()  # another seller's
    return seller, [ProductFactory(seller=seller, title=f"Item {n:02}") for n in range(7)]


@pytest.mark.parametrize(
    "number", [None, "", "1", 1, "2", "3", "99", "0", "-1", "x", "2.0", "9" * 40]
)
@pytest.mark.parametrize("per_page,orphans", [(3, 0), (3, 1), (7, 0), (10, 0)])
def test_page_first_pages_as_djangos_paginator_pages_the_queryset(shelf, number, per_page, orphans):
    seller, _ = shelf
    rows = Rows(CompiledQuery("test-page-first", Product, _by_seller), seller=seller.pk)
    ours = PageFirstPaginator(rows, per_page, orphans=orphans).get_page(number)
    django = Paginator(
        Product.objects.filter(seller=seller).order_by("title"), per_page, orphans=orphans
    ).get_page(number)
    assert (ours.number, list(ours), ours.paginator.count, ours.paginator.num_pages) == (
        django.number,
        list(django),
        django.paginator.count,
        django.paginator.num_pages,
    )


@pytest.mark.parametrize("number", ["1", "2", "3"])
def test_a_page_in_range_and_the_count_cost_one_query(shelf, number, django_assert_num_queries):
    seller, made = shelf
    rows = Rows(CompiledQuery("test-one-query", Product, _by_seller), seller=seller.pk)
    with django_assert_num_queries(1):
        page = PageFirstPaginator(rows, 3).get_page(number)
        assert (page.paginator.count, page.paginator.num_pages) == (7, 3)
    start = (int(number) - 1) * 3
    assert list(page) == made[start : start + 3]


def test_no_rows_are_one_empty_page_in_one_query(db, django_assert_num_queries):
    rows = Rows(CompiledQuery("test-none-there", Product, _by_seller), seller=-1)
    with django_assert_num_queries(1):
        page = PageFirstPaginator(rows, 3).get_page("1")
    assert (list(page), page.paginator.count, page.number) == ([], 0, 1)
