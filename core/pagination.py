"""Paging shared by the list pages.

Most shoppers' lists (orders, payment activity) fit on their first page, and the first
page is nearly every view of them. ``page_head_first`` reads that page by a query of
fixed shape (compiled once, see ``core.sql``) that asks for one row past the page: a
first page holding every row is its own count, so neither the queryset nor a ``COUNT``
is built for it. A longer list is counted and paged by its queryset, built only then.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

FIRST_PAGE = (None, "", "1", 1)


def page_head_first(
    number: str | int | None,
    *,
    per_page: int,
    head: Callable[[], Sequence],
    rows: Callable[[], QuerySet],
    count: Callable[[], int] | None = None,
    orphans: int = 0,
    paginator_class: type[Paginator] = Paginator,
) -> Page:
    """Page ``number`` of a list, forgiving as ``Paginator.get_page`` is (a bad or
    out-of-range number shows the nearest real page).

    ``head()`` gives the list's first ``per_page + orphans + 1`` rows (fewer if it has
    fewer), in the order of ``rows()``, the whole list as a queryset. The first page is
    read from the head alone when the head holds every row; a longer list's first page
    too when ``count()`` (the length of ``rows()``, by a cheaper query) is given.
    Otherwise, and for any other page, ``paginator_class`` pages ``rows()``."""
    if number in FIRST_PAGE:
        first = list(head())
        fits = per_page + orphans
        if len(first) <= fits:
            return Paginator(first, per_page, orphans=orphans).page(1)
        if count is None:
            paginator = paginator_class(rows(), per_page, orphans=orphans)
        else:
            paginator = Paginator(first, per_page, orphans=orphans)
            paginator.count = count()  # the cached property, from the cheaper query
        return paginator._get_page(first[:per_page], 1, paginator)
    return paginator_class(rows(), per_page, orphans=orphans).get_page(number)


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
