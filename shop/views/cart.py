"""Cart pages: the cart grouped by seller, and the POST endpoints that change it.

Every change answers with a redirect and a message; bad input never reaches the database.
"""

import re

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext
from django.views import View
from django.views.generic import TemplateView

from shop import selectors, services
from shop.cart_session import SESSION_CART_KEY, request_cart, request_cart_or_create
from shop.exceptions import CartError
from shop.forms import QuantityForm
from shop.models import CartLine


def _request_line(request: HttpRequest, line_id: int) -> CartLine:
    """A line of this request's cart; another cart's line is a 404."""
    cart = request_cart(request)
    if cart is None:
        raise Http404("No such cart line.")
    return get_object_or_404(CartLine.objects.select_related("product"), pk=line_id, cart=cart)


class CartView(TemplateView):
    template_name = "shop/cart_detail.html"

    def get_context_data(self, **kwargs):
        # The lines by the cart's owner: one query, with no lookup of the cart row first.
        if self.request.user.is_authenticated:
            groups = selectors.cart_lines_by_seller(user=self.request.user)
        else:
            cart_id = self.request.session.get(SESSION_CART_KEY)
            groups = selectors.cart_lines_by_seller(cart_id=cart_id)
        return super().get_context_data(groups=groups, **kwargs)


class CartAddView(View):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, product_id: int) -> HttpResponse:
        product = selectors.product_get_active_by_id(product_id=product_id)
        form = QuantityForm(request.POST)
        if not form.is_valid():
            messages.error(request, form.first_error())
            return redirect(product)
        # A signed-in shopper's cart is found (or made) and locked by the service itself.
        if request.user.is_authenticated:
            whose = {"user": request.user}
        else:
            whose = {"cart": request_cart_or_create(request)}
        try:
            services.cart_add_item(product=product, quantity=form.cleaned_data["quantity"], **whose)
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


def _set_quantity(request: HttpRequest, line: CartLine, quantity: str | None) -> None:
    """Set ``line`` to the typed ``quantity``; the outcome is told as a message."""
    form = QuantityForm({"quantity": quantity})
    if not form.is_valid():
        messages.error(
            request,
            gettext("%(product)s: %(error)s")
            % {"product": line.product.title, "error": form.first_error()},
        )
        return
    try:
        line = services.cart_line_set_quantity(line=line, quantity=form.cleaned_data["quantity"])
    except CartError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            gettext("Updated %(product)s: quantity %(quantity)s.")
            % {"product": line.product.title, "quantity": line.quantity},
        )


def _remove(request: HttpRequest, line: CartLine) -> None:
    services.cart_line_remove(line=line)
    messages.success(
        request,
        gettext("Removed %(product)s from your cart.") % {"product": line.product.title},
    )


class CartLineUpdateView(View):
    """One line's quantity (``quantity``). The cart page posts to CartLinesUpdateView; this
    stays for anyone who posts to a line's own address."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, line_id: int) -> HttpResponse:
        _set_quantity(request, _request_line(request, line_id), request.POST.get("quantity"))
        return redirect("shop:cart")


class CartLineRemoveView(View):
    """Remove one line. The cart page posts to CartLinesUpdateView; this stays for anyone
    who posts to a line's own address."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, line_id: int) -> HttpResponse:
        _remove(request, _request_line(request, line_id))
        return redirect("shop:cart")


_LINE_ID = re.compile(r"[0-9]{1,18}")
_QUANTITY_FIELD = re.compile(r"quantity-([0-9]{1,18})")


def _line_id(value: str) -> int:
    if not _LINE_ID.fullmatch(value):
        raise Http404("No such cart line.")
    return int(value)


class CartLinesUpdateView(View):
    """A seller group's form on the cart page: one form around its lines, each line with a
    quantity box ``quantity-<line id>`` and two buttons, ``update=<line id>`` and
    ``remove=<line id>``, so the page needs no form (nor CSRF token) per line.

    **Remove** removes that line and nothing else. **Update** sets every line of the group
    whose box no longer shows its quantity, or the pressed line when no box changed: Enter
    in any box presses the group's first button, whichever line that is. Each line set
    or refused (bad number, too few in stock) says so in a message; a refused line keeps
    its quantity.
    """

    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        if "remove" in request.POST:
            _remove(request, _request_line(request, _line_id(request.POST["remove"])))
        elif "update" in request.POST:
            pressed = _request_line(request, _line_id(request.POST["update"]))
            typed = {
                int(match[1]): value
                for key, value in request.POST.items()
                if (match := _QUANTITY_FIELD.fullmatch(key))
            }
            typed.setdefault(pressed.pk, None)
            lines = (
                CartLine.objects.filter(cart_id=pressed.cart_id, pk__in=typed)
                .select_related("product")
                .order_by("created_at", "id")
            )
            changed = [line for line in lines if typed[line.pk] != str(line.quantity)]
            for line in changed or [line for line in lines if line.pk == pressed.pk]:
                _set_quantity(request, line, typed[line.pk])
        return redirect("shop:cart")
