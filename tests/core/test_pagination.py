"""FirstPageCountsPaginator: a first page that holds every row is its own count; longer
lists are counted and paged as Django's Paginator pages them."""

import pytest
from django.core.paginator import EmptyPage, Paginator

from accounts.models import User
from core.pagination import FirstPageCountsPaginator


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
