"""Small view mixins shared by the shop's pages."""

from django.core.paginator import Page, Paginator

from core.pagination import page_number


class ForgivingPaginationMixin:
    """``ListView.paginate_by`` paging where a bad or out-of-range ``?page=`` shows the
    nearest real page (``core.pagination.page_number``, then ``Paginator.get_page``)
    instead of a 404: a stale link still lands somewhere useful."""

    def paginate_queryset(self, queryset, page_size) -> tuple[Paginator, Page, list, bool]:
        paginator = self.get_paginator(queryset, page_size)
        page = paginator.get_page(page_number(self.request.GET.get(self.page_kwarg)))
        return paginator, page, page.object_list, page.has_other_pages()


class IdsFirstPaginator(Paginator):
    """Pages a queryset whose rows carry per-row subqueries (the orders list's item count,
    its waiting transfer). A plain ``OFFSET`` makes the database work those out for every
    row it skips; here the page's ids are picked first, off the ordering's index, and only
    those rows are annotated, in the same query. The first page skips no rows, so it is
    read directly."""

    def page(self, number) -> Page:
        number = self.validate_number(number)
        if number == 1:
            return super().page(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        ids = self.object_list.values("pk")[bottom:top]
        return self._get_page(self.object_list.filter(pk__in=ids), number, self)
