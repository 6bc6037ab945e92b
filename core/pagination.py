"""Paging shared by the list pages."""

from django.core.paginator import Page, Paginator


class FirstPageCountsPaginator(Paginator):
    """A ``Paginator`` whose first page is read before the total is counted: one row past
    the page is asked for, and a first page that holds every row (most shoppers' histories)
    gives the count without a ``COUNT`` query. A longer list is counted as usual, when the
    page's links need it."""

    def page(self, number) -> Page:
        if number not in (1, "1"):
            return super().page(number)
        fits = self.per_page + self.orphans
        rows = list(self.object_list[: fits + 1])
        if len(rows) > fits:
            return self._get_page(rows[: self.per_page], 1, self)
        if not rows and not self.allow_empty_first_page:
            return super().page(number)
        self.count = len(rows)  # the cached property, known now
        return self._get_page(rows, 1, self)

    def get_page(self, number) -> Page:
        if number in (None, "", 1, "1"):
            return self.page(1)
        return super().get_page(number)
