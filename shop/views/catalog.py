"""Catalog pages: home grid, search, product page, seller page."""

from django.views.generic import ListView, TemplateView

from shop import selectors
from shop.forms import quantity_max
from shop.views.mixins import ForgivingPaginationMixin

PRODUCTS_PER_PAGE = 12


class HomeView(ForgivingPaginationMixin, ListView):
    template_name = "shop/product_list.html"
    paginate_by = PRODUCTS_PER_PAGE

    def get_queryset(self):
        return selectors.product_list_active()


class SearchView(ForgivingPaginationMixin, ListView):
    template_name = "shop/product_search.html"
    paginate_by = PRODUCTS_PER_PAGE

    def get(self, request, *args, **kwargs):
        self.query = selectors.search_query_clean(request.GET.get("q"))
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.product_search(query=self.query) if self.query else []

    def get_context_data(self, **kwargs):
        context = super().get_context_data(query=self.query, **kwargs)
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

    def get_queryset(self):
        self.seller = selectors.seller_get(slug=self.kwargs["slug"])
        return selectors.product_list_for_seller(seller=self.seller)

    def get_context_data(self, **kwargs):
        return super().get_context_data(seller=self.seller, **kwargs)
