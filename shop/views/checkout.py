"""Checkout and orders. PLACEHOLDERS until the checkout lands: the URL names
`shop:checkout` and `shop:order-list` are already linked from the cart and the header."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import TemplateView

from shop import selectors


class CheckoutView(LoginRequiredMixin, TemplateView):
    template_name = "shop/checkout_placeholder.html"

    def get_context_data(self, **kwargs):
        seller = selectors.seller_get(slug=self.kwargs["seller_slug"])
        return super().get_context_data(seller=seller, title="Checkout", **kwargs)


class OrderListView(LoginRequiredMixin, TemplateView):
    template_name = "placeholder.html"
    extra_context = {"title": "Your orders"}
