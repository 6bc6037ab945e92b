"""Small view mixins shared by the shop's pages."""

from django.core.paginator import Page, Paginator


class ForgivingPaginationMixin:
    """``ListView.paginate_by`` paging where a bad or out-of-range ``?page=`` shows the
    nearest real page (``Paginator.get_page``) instead of a 404: a stale link still lands
    somewhere useful."""

    def paginate_queryset(self, queryset, page_size) -> tuple[Paginator, Page, list, bool]:
        paginator = self.get_paginator(queryset, page_size)
        page = paginator.get_page(self.request.GET.get(self.page_kwarg))
        return paginator, page, page.object_list, page.has_other_pages()
