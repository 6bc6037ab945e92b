"""Cart pages: the cart grouped by seller, and the POST endpoints that change it.

Every change answers with a redirect and a message; bad input never reaches the database.
"""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext
from django.views import View
from django.views.generic import TemplateView

from shop import selectors, services
from shop.cart_session import request_cart, request_cart_or_create
from shop.exceptions import CartError
from shop.forms import QuantityForm
from shop.models import CartLine, Product


def _request_line(request: HttpRequest, line_id: int) -> CartLine:
    """A line of this request's cart; another cart's line is a 404."""
    cart = request_cart(request)
    if cart is None:
        raise Http404("No such cart line.")
    return get_object_or_404(CartLine.objects.select_related("product"), pk=line_id, cart=cart)


class CartView(TemplateView):
    template_name = "shop/cart_detail.html"

    def get_context_data(self, **kwargs):
        groups = selectors.cart_lines_by_seller(cart=request_cart(self.request))
        return super().get_context_data(groups=groups, **kwargs)


class CartAddView(View):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, product_id: int) -> HttpResponse:
        product = get_object_or_404(Product.objects.active(), pk=product_id)
        form = QuantityForm(request.POST)
        if not form.is_valid():
            messages.error(request, form.first_error())
            return redirect(product)
        try:
            services.cart_add_item(
                cart=request_cart_or_create(request),
                product=product,
                quantity=form.cleaned_data["quantity"],
            )
        except CartError as error:
            messages.error(request, str(error))
            return redirect(product)
        quantity = form.cleaned_data["quantity"]
        messages.success(
            request,
            gettext("Added %(quantity)s × %(product)s to your cart.")  # noqa: RUF001
            % {"quantity": quantity, "product": product.title},
        )
        return redirect("shop:cart")


class CartLineUpdateView(View):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, line_id: int) -> HttpResponse:
        line = _request_line(request, line_id)
        form = QuantityForm(request.POST)
        if not form.is_valid():
            messages.error(
                request,
                gettext("%(product)s: %(error)s")
                % {"product": line.product.title, "error": form.first_error()},
            )
            return redirect("shop:cart")
        try:
            line = services.cart_line_set_quantity(
                line=line, quantity=form.cleaned_data["quantity"]
            )
        except CartError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                gettext("Updated %(product)s: quantity %(quantity)s.")
                % {"product": line.product.title, "quantity": line.quantity},
            )
        return redirect("shop:cart")


class CartLineRemoveView(View):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, line_id: int) -> HttpResponse:
        line = _request_line(request, line_id)
        services.cart_line_remove(line=line)
        messages.success(
            request,
            gettext("Removed %(product)s from your cart.") % {"product": line.product.title},
        )
        return redirect("shop:cart")
