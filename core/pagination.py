"""Paging shared by the list pages, two ways, each reading the page asked for by SQL
compiled once (``core.sql``):

- ``PageFirstPaginator`` (the product grids): any page and the list's count in one query
  (``core.sql.counted``), paged by ``LIMIT``/``OFFSET``.
- ``page_head_first`` (a shopper's orders and payment activity): the first page is nearly
  every view of such a list. It is read with one row past it and the list's count
  (``core.sql.counted``) in one query, and later pages go to a ``Paginator`` over the
  queryset, built only then. That keeps the orders list's per-row subqueries (item
  count, waiting transfer) off the rows a deep page skips (``IdsFirstPaginator``), which
  an ``OFFSET`` would work out for every one of them. Its count stops past
  ``HEAD_COUNT_CAP`` rows, so the first page of a history of 10,000 costs what one of
  1,001 does.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

from core.sql import Rows, counted

# How far the first page of a shopper's list counts the list (``page_head_first``): a
# longer one shows its first page with "..." where its last page number would be, and the
# number is known from page 2 on (a deep page counts every row, as Django's does).
HEAD_COUNT_CAP = 1000


class HeadPaginator(Paginator):
    """The paginator of a list's first page as ``page_head_first`` read it: ``count`` came
    with the page. ``last_page_unknown``: the list was counted only up to
    ``HEAD_COUNT_CAP`` + 1 rows and has more, so ``count`` and ``num_pages`` are lower
    bounds (the page links leave the last number out: ``page_numbers``)."""

    last_page_unknown = False


def head_counted(queryset: QuerySet) -> QuerySet:
    """``queryset``, each row carrying the list's count up to ``HEAD_COUNT_CAP`` + 1
    (``core.sql.counted``): what a list's compiled query is built from for
    ``page_head_first`` to read its first page with."""
    return counted(queryset, at_most=HEAD_COUNT_CAP + 1)


def page_number(asked: str | int | None) -> int:
    """``?page=`` as the page to show: 1 for anything that is no integer or is below 1
    (where ``Paginator.get_page`` would show the last page for 0 or -1); a number past the
    last page is left for ``get_page`` to land on the last."""
    try:
        number = int(asked)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 1
    return max(number, 1)


def page_head_first(
    number: str | int | None,
    *,
    per_page: int,
    rows: Rows,
    queryset: Callable[[], QuerySet],
    orphans: int = 0,
    paginator_class: type[Paginator] = Paginator,
) -> Page:
    """Page ``number`` of a list, forgiving: a bad or out-of-range number shows the
    nearest real page (``page_number``, then ``Paginator.get_page``).

    ``rows`` is the list as its compiled query reads it (``core.sql.Rows``, built with
    ``head_counted``), ``queryset()`` the same list as a queryset. The first page is
    read from ``rows`` with one row past it (orphans) and the list's count, in one query
    (``Rows.page``). Any other page is ``paginator_class``'s, over ``queryset()``. A count
    past ``HEAD_COUNT_CAP`` leaves the first page's last page unknown
    (``HeadPaginator.last_page_unknown``)."""
    number = page_number(number)
    if number == 1:
        fits = per_page + orphans
        first, found = rows.page(0, fits + 1)
        paginator = HeadPaginator(first, per_page, orphans=orphans)
        if len(first) <= fits:
            return paginator.page(1)
        paginator.count = found  # the cached property, counted with the page
        paginator.last_page_unknown = found > HEAD_COUNT_CAP
        return paginator._get_page(first[:per_page], 1, paginator)
    return paginator_class(queryset(), per_page, orphans=orphans).get_page(number)


def page_context(page: Page, *, name: str = "") -> dict:
    """What ``ListView`` puts in a paged list's context for ``page``."""
    context = {
        "paginator": page.paginator,
        "page_obj": page,
        "is_paginated": page.has_other_pages(),
        "object_list": page.object_list,
    }
    if name:
        context[name] = page.object_list
    return context


# An OFFSET the databases take (a 64-bit integer); a page number past it is surely past
# the end, and goes the counting way.
_LARGEST_OFFSET = 2**62


class PageFirstPaginator(Paginator):
    """A ``Paginator`` over ``core.sql.Rows`` whose query carries its count
    (``core.sql.counted``): ``get_page`` reads the page asked for and the count in one
    query, where Django's would count first and then read. Pages land where
    ``Paginator.get_page`` lands them: a number that is no integer is page 1; past the last
    page (or below 1) is the last page, found by counting as usual (a stale link's extra
    query)."""

    def get_page(self, number) -> Page:
        try:
            number = int(number)
        except (TypeError, ValueError):
            number = 1
        bottom = (number - 1) * self.per_page
        if number < 1 or bottom > _LARGEST_OFFSET or self.orphans:
            return super().get_page(number)
        rows, found = self.object_list.page(bottom, self.per_page)
        if found is None or (not rows and not self.allow_empty_first_page):
            return super().get_page(number)
        self._counted(found)
        if number > self.num_pages:  # past a cap on the count
            return super().get_page(number)
        return self._get_page(rows[: self.count - bottom], number, self)

    def _counted(self, found: int) -> None:
        self.count = found  # the cached property, known now
