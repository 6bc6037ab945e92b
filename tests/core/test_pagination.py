"""page_head_first: the first page is read from the list's head with the list's count, in
one query; any page is the page Django's Paginator gives.
PageFirstPaginator: a page and the list's count (core.sql.counted) in one query, landing
where Django's lands."""

import pytest
from django.core.paginator import Paginator

from accounts.models import User
from core.pagination import (
    HEAD_COUNT_CAP,
    PageFirstPaginator,
    page_context,
    page_head_first,
    page_number,
)
from core.sql import CompiledQuery, Rows, counted
from shop.models import Product
from tests.factories import ProductFactory, SellerFactory


@pytest.fixture
def users(db):
    User.objects.bulk_create(User(email=f"page-{n}@example.com") for n in range(7))
    return list(User.objects.order_by("id"))


def _rows():
    return User.objects.order_by("id")


_users = CompiledQuery("test users", User, lambda alias: (counted(_rows()), {}))


def _page(number, per_page, orphans=0, *, built=None):
    def queryset():
        if built is not None:
            built.append("queryset")
        return _rows()

    return page_head_first(
        number, per_page=per_page, orphans=orphans, rows=Rows(_users), queryset=queryset
    )


def test_a_first_page_holding_every_row_costs_one_query_and_knows_its_count(
    users, django_assert_num_queries
):
    built = []
    with django_assert_num_queries(1):
        page = _page(None, 10, built=built)
        assert page.paginator.count == 7
        assert page.paginator.num_pages == 1
        assert not page.has_other_pages()
    assert list(page) == users
    assert built == []


def test_a_longer_lists_first_page_is_read_and_counted_in_one_query_without_the_queryset(
    users, django_assert_num_queries
):
    built = []
    with django_assert_num_queries(1):  # the page, one row past it and the count
        page = _page("1", 3, built=built)
        assert page.paginator.num_pages == 3
    assert list(page) == users[:3]
    assert built == []


def test_a_later_page_is_the_querysets(users):
    built = []
    page = _page("2", 3, built=built)
    assert list(page) == users[3:6]
    assert built == ["queryset"]


# The users counted no further than 5: as ``head_counted`` counts them for a cap of 4.
_users_counted_to_5 = CompiledQuery(
    "test users, counted to 5", User, lambda alias: (counted(_rows(), at_most=5), {})
)


@pytest.fixture
def capped_page(monkeypatch):
    def page(number, per_page, cap):
        monkeypatch.setattr("core.pagination.HEAD_COUNT_CAP", cap)
        return page_head_first(
            number, per_page=per_page, rows=Rows(_users_counted_to_5), queryset=_rows
        )

    return page


def test_a_first_page_counted_past_its_cap_leaves_its_last_page_unknown(
    users, capped_page, django_assert_num_queries
):
    with django_assert_num_queries(1):
        page = capped_page("1", 2, cap=4)
        assert page.paginator.last_page_unknown
        assert page.paginator.count == 5  # a lower bound: 7 users
    assert list(page) == users[:2]
    assert page.has_next()
    # Page 2 on counts every row: its last page is known.
    later = capped_page("2", 2, cap=4)
    assert (later.paginator.count, later.paginator.num_pages) == (7, 4)
    assert not getattr(later.paginator, "last_page_unknown", False)


@pytest.mark.parametrize("cap", [5, HEAD_COUNT_CAP])
def test_a_first_page_counted_whole_knows_its_last_page(users, capped_page, cap):
    """Within the cap (5 counted, no more than it, or the real cap), the count is the
    list's and the last page is numbered."""
    page = capped_page("1", 2, cap=cap)
    assert not page.paginator.last_page_unknown
    assert (page.paginator.count, page.paginator.num_pages) == (5, 3)


@pytest.mark.parametrize(
    "asked,number",
    [
        (None, 1),
        ("", 1),
        ("1", 1),
        (1, 1),
        ("2", 2),
        ("99", 99),
        ("0", 1),
        ("-3", 1),
        ("x", 1),
        ("2.0", 1),
        (" 2 ", 2),
        ("9" * 40, int("9" * 40)),
    ],
)
def test_the_page_asked_for_is_a_number_from_1(asked, number):
    assert page_number(asked) == number


@pytest.mark.parametrize("number", [None, "", "1", 1, "2", "3", "99", "0", "-1", "x"])
@pytest.mark.parametrize("per_page,orphans", [(3, 0), (3, 1), (7, 0), (6, 1), (10, 0)])
def test_pages_match_djangos_paginator_from_page_1(users, number, per_page, orphans):
    """As Django's ``get_page`` pages, except that a page below 1 is the first, not the
    last (``?page=0`` is no way to ask for the end of a list)."""
    ours = _page(number, per_page, orphans)
    django = Paginator(_rows(), per_page, orphans=orphans).get_page(page_number(number))
    assert (ours.number, list(ours), ours.paginator.count, ours.paginator.num_pages) == (
        django.number,
        list(django),
        django.paginator.count,
        django.paginator.num_pages,
    )
    assert (ours.has_next(), ours.has_previous()) == (django.has_next(), django.has_previous())


def test_an_empty_list_is_one_empty_page(db):
    page = _page(None, 10)
    assert list(page) == []
    assert page.paginator.num_pages == 1


def test_the_context_is_what_list_view_gives(users):
    page = _page(None, 3)
    context = page_context(page, name="people")
    assert context["page_obj"] is page
    assert context["paginator"] is page.paginator
    assert context["is_paginated"] is True
    assert list(context["object_list"]) == list(context["people"]) == users[:3]


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
