"""Catalog pages: home grid, search, product page, seller page."""

from functools import cached_property

from django.views.generic import ListView, TemplateView

from core.pagination import PageFirstPaginator
from shop import selectors
from shop.forms import quantity_max
from shop.views.mixins import ForgivingPaginationMixin

PRODUCTS_PER_PAGE = 12


class HomeView(ForgivingPaginationMixin, ListView):
    template_name = "shop/product_list.html"
    paginate_by = PRODUCTS_PER_PAGE
    paginator_class = PageFirstPaginator

    def get_queryset(self):
        return selectors.product_rows_active()


class CappedCountPaginator(PageFirstPaginator):
    """Counts at most ``cap`` results (``has_more`` says there were more), so a common word
    over a large catalog costs a bounded count; pages stop at the cap, as a shop's search
    does ("1,000+ results": nobody pages past that, they add a word). The page's rows
    carry the count of up to SEARCH_COUNT_CAP + 1 matches (``product_search_rows``), so
    ``cap`` is at most SEARCH_COUNT_CAP."""

    cap = selectors.SEARCH_COUNT_CAP

    def _counted(self, found: int) -> None:
        self._capped_count = found  # the cached property, known now

    @cached_property
    def _capped_count(self) -> int:
        # Unordered: the count needs no sort, only the first cap + 1 matches.
        return self.object_list.count_at_most(self.cap + 1)

    @cached_property
    def count(self) -> int:
        return min(self._capped_count, self.cap)

    @property
    def has_more(self) -> bool:
        return self._capped_count > self.cap


class SearchView(ForgivingPaginationMixin, ListView):
    template_name = "shop/product_search.html"
    paginate_by = PRODUCTS_PER_PAGE
    paginator_class = CappedCountPaginator

    def get(self, request, *args, **kwargs):
        self.query = selectors.search_query_clean(request.GET.get("q"))
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.product_search_rows(query=self.query)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(
            query=self.query, has_words=bool(selectors.search_words(self.query)), **kwargs
        )
        if not self.query:
            context["page_obj"] = None
        return context


class ProductDetailView(TemplateView):
    template_name = "shop/product_detail.html"

    def get_context_data(self, **kwargs):
        product = selectors.product_get_active(slug=self.kwargs["slug"])
        return super().get_context_data(
            product=product,
            seller=product.seller,
            quantity_max=quantity_max(product.stock),
            **kwargs,
        )


class SellerDetailView(ForgivingPaginationMixin, ListView):
    template_name = "shop/seller_detail.html"
    paginate_by = PRODUCTS_PER_PAGE
    paginator_class = PageFirstPaginator

    def get_queryset(self):
        self.seller = selectors.seller_get(slug=self.kwargs["slug"])
        return selectors.product_rows_for_seller(seller=self.seller)

    def get_context_data(self, **kwargs):
        return super().get_context_data(seller=self.seller, **kwargs)
