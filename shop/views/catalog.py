"""Catalog pages: home grid, search, product page, seller page."""

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest
from django.views.generic import TemplateView

from shop import selectors
from shop.forms import QuantityForm

PRODUCTS_PER_PAGE = 12


def _page(request: HttpRequest, queryset: QuerySet) -> Page:
    # get_page() turns a bad or out-of-range ?page= into the nearest real page, never a 404.
    return Paginator(queryset, PRODUCTS_PER_PAGE).get_page(request.GET.get("page"))


class HomeView(TemplateView):
    template_name = "shop/product_list.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            page_obj=_page(self.request, selectors.product_list_active()), **kwargs
        )


class SearchView(TemplateView):
    template_name = "shop/product_search.html"

    def get_context_data(self, **kwargs):
        query = selectors.search_query_clean(self.request.GET.get("q"))
        page_obj = _page(self.request, selectors.product_search(query=query)) if query else None
        return super().get_context_data(query=query, page_obj=page_obj, **kwargs)


class ProductDetailView(TemplateView):
    template_name = "shop/product_detail.html"

    def get_context_data(self, **kwargs):
        product = selectors.product_get_active(slug=self.kwargs["slug"])
        return super().get_context_data(
            product=product,
            seller=product.seller,
            form=QuantityForm(max_quantity=product.stock),
            **kwargs,
        )


class SellerDetailView(TemplateView):
    template_name = "shop/seller_detail.html"

    def get_context_data(self, **kwargs):
        seller = selectors.seller_get(slug=self.kwargs["slug"])
        return super().get_context_data(
            seller=seller,
            page_obj=_page(self.request, selectors.product_list_for_seller(seller=seller)),
            **kwargs,
        )
