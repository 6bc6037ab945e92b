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
