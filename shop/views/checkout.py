"""The order page: what will be ordered, ship-to address, Way of payment, and Accept and
pay. Two doors lead to it: **Order from this seller** in the cart (/checkout/<seller-slug>/:
that seller's lines) and **Buy now** on a product page (/products/<slug>/buy/: just that
item and quantity, the cart left as it was). Placing and paying are services; these views
map outcomes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.views import View

from accounts.selectors import address_list_shown_for_user
from shop import selectors, services
from shop.exceptions import CheckoutError, OrderNotPayable
from shop.forms import QuantityForm
from shop.models import OrderStatus, Product, Seller
from shop.order_forms import NEW_ADDRESS, OTHER_PAYMENT, OTHER_WAY, CheckoutForm, new_token
from shop.selectors import SellerCartGroup
from shop.services import PlacedOrder
from shop.views.orders import paid_response, payment_error_response
from wallet.exceptions import CardError, PaymentError

if TYPE_CHECKING:
    from wallet.models import Card


class OrderPageView(LoginRequiredMixin, View):
    """What both order pages share: the form, the page, placing and paying. A subclass
    says what is ordered (``group``), how to place it (``place``) and where to go when
    there is nothing to order (``nothing_to_order``)."""

    template_name = "shop/checkout.html"
    # The new-address form (with its ~250 countries) is rendered only when it is wanted:
    # no saved address, "Ship to a new address" chosen (?address=new, which the page's
    # script asks for), or a posted new address shown again with its errors. A page that
    # answers a POST can't be asked for again by a link, so it always carries the form.
    always_render_new_address = False

    def group(self) -> SellerCartGroup | None:
        raise NotImplementedError

    def place(self, form: CheckoutForm, card: Card | None) -> PlacedOrder:
        raise NotImplementedError

    def nothing_to_order(self, message: str = "", *, posted: bool = False) -> HttpResponse:
        """Where to go when there is nothing to order (``message``: why, if known;
        ``posted``: the shopper pressed Accept and pay)."""
        raise NotImplementedError

    def page_context(self) -> dict:
        return {}

    def _form(self, data=None) -> CheckoutForm:
        user = self.request.user
        addresses = address_list_shown_for_user(user=user)
        cards = selectors.card_choices_for_user(user=user)
        usable = [c for c in cards if not c.is_expired]
        initial = {
            "token": new_token(),
            "address": str(addresses[0].pk) if addresses else NEW_ADDRESS,
            "payment": usable[0].value if usable else OTHER_PAYMENT,
        }
        if data is None and self.request.method == "GET":
            # "Ship to a new address" asks for the page again with the form, keeping the
            # way of payment the shopper had picked.
            if self.request.GET.get("address") == NEW_ADDRESS:
                initial["address"] = NEW_ADDRESS
            payment = self.request.GET.get("payment")
            if payment == OTHER_PAYMENT or payment in {c.value for c in usable}:
                initial["payment"] = payment
        return CheckoutForm(data=data, initial=initial, addresses=addresses, cards=cards)

    def _render(self, group, form, *, error="") -> HttpResponse:
        signature = services.checkout_lines_signature(
            (item.product.pk, item.quantity, item.product.price) for item in group.lines
        )
        render_new_address = (
            self.always_render_new_address or form["address"].value() == NEW_ADDRESS
        )
        context = {
            # A page shown again (errors) gets a fresh token and what it shows now: nothing
            # was placed with the old one, and a tampered value must not stick.
            "page_token": new_token() if form.is_bound else form.initial["token"],
            "lines_signature": signature,
            "seller": group.seller,
            "group": group,
            "form": form,
            # Made only when drawn: its country list is most of the form's cost.
            "address_form": form.address_form if render_new_address else None,
            "render_new_address": render_new_address,
            "checkout_error": error,
            **self.page_context(),
        }
        return render(self.request, self.template_name, context)

    def show(self) -> HttpResponse:
        group = self.group()
        if group is None:
            return self.nothing_to_order()
        return self._render(group, self._form())

    def accept_and_pay(self) -> HttpResponse:
        """**Accept and pay**: place the order (idempotent by the page's token), then charge
        the chosen saved card at once, or go on to the payment page."""
        request = self.request
        form = self._form(data=request.POST)
        # What is ordered is read only to show the page again: placing reads it itself.
        if not form.is_valid():
            group = self.group()
            if group is None:
                return self.nothing_to_order(posted=True)
            return self._render(group, form)
        card = form.chosen_card
        if form.cleaned_data["payment"] == OTHER_PAYMENT:
            card = None
        try:
            # A saved card's charge is recorded with the order, in its transaction.
            placed = self.place(form, card)
        except CheckoutError as error:
            group = self.group()
            if group is None:
                return self.nothing_to_order(str(error))
            return self._render(group, self._form(), error=str(error))
        except ValidationError as error:
            group = self.group()
            if group is None:
                return self.nothing_to_order(posted=True)
            form.address_form.add_error(None, error)
            return self._render(group, form)

        order = placed.order
        if not placed.created and order.status != OrderStatus.PENDING_PAYMENT:
            return redirect(order)  # a resubmitted form: the order is already there
        if card is None:
            if form.cards:  # saved cards were offered and the shopper chose another way
                pay_url = reverse("shop:order-pay", args=[order.number])
                return redirect(f"{pay_url}?way={OTHER_WAY}")
            return redirect("shop:order-pay", number=order.number)
        try:
            order = services.order_pay_placed(
                placed=placed,
                card=card,
                idempotency_key=services.checkout_idempotency_key(
                    order=order, token=form.cleaned_data["token"]
                ),
            )
        except (PaymentError, CardError, OrderNotPayable) as error:
            return payment_error_response(request, order, error)
        return paid_response(request, order)


class CheckoutView(OrderPageView):
    """**Order from this seller**: that seller's lines of the cart."""

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.seller_slug: str = kwargs["seller_slug"]

    def handle_no_permission(self) -> HttpResponse:
        """**Order from this seller** before logging in: the login page says why it is
        there, and the order page follows it."""
        if not self.request.user.is_authenticated:
            messages.info(
                self.request,
                gettext(
                    "Log in to place your order: your cart comes with you, and the order "
                    "page follows."
                ),
            )
        return super().handle_no_permission()

    @cached_property
    def seller(self) -> Seller:
        """The URL's seller (404 if there is none), read only when no cart line brought it."""
        return selectors.seller_get(slug=self.seller_slug)

    def group(self) -> SellerCartGroup | None:
        # The shopper's lines from this seller, found by the cart's owner and the seller's
        # slug: no read of the cart or seller row first (the lines bring their seller, as
        # shown; placing reads the seller row, and locks the lines, itself).
        groups = selectors.cart_lines_by_seller(
            user=self.request.user, seller_slug=self.seller_slug
        )
        return groups[0] if groups else None

    def place(self, form: CheckoutForm, card: Card | None) -> PlacedOrder:
        return services.order_place_to_pay(
            card=card,
            user=self.request.user,
            seller=self.seller,
            token=form.cleaned_data["token"],
            address=form.chosen_address,
            address_last_used=form.chosen_address_last_used,
            new_address=form.new_address,
            expected_lines=form.cleaned_data["lines"] or None,
        )

    def nothing_to_order(self, message: str = "", *, posted: bool = False) -> HttpResponse:
        if not (message or posted):
            # Come back to (the back button after paying, say): the order it placed.
            placed = selectors.order_latest_from_seller(
                user=self.request.user, seller_slug=self.seller_slug
            )
            if placed is not None:
                messages.info(
                    self.request,
                    gettext(
                        "You ordered from %(seller)s: here is order %(number)s. Nothing more "
                        "from them is in your cart."
                    )
                    % {"seller": placed.seller.name, "number": placed.number},
                )
                return redirect(placed)
        say = messages.error if message or posted else messages.info
        say(
            self.request,
            message
            or gettext("There is nothing from %(seller)s in your cart.")
            % {"seller": self.seller.name},
        )
        return redirect("shop:cart")

    def get(self, request: HttpRequest, seller_slug: str) -> HttpResponse:
        return self.show()

    def post(self, request: HttpRequest, seller_slug: str) -> HttpResponse:
        self.seller  # noqa: B018 (an unknown seller is a 404 before anything is read)
        return self.accept_and_pay()


class BuyNowView(OrderPageView):
    """**Buy now**: the order page for one product in the quantity chosen on its page; the
    cart is left as it was. The product page POSTs the quantity here; the order page it
    shows POSTs back with its one-time token to place the order (Accept and pay)."""

    always_render_new_address = True

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.product: Product = selectors.product_get_active(slug=kwargs["slug"])
        self.quantity = 1

    def group(self) -> SellerCartGroup | None:
        return selectors.buy_now_group(product=self.product, quantity=self.quantity)

    def place(self, form: CheckoutForm, card: Card | None) -> PlacedOrder:
        return services.order_place_now_to_pay(
            card=card,
            user=self.request.user,
            product=self.product,
            quantity=self.quantity,
            token=form.cleaned_data["token"],
            address=form.chosen_address,
            address_last_used=form.chosen_address_last_used,
            new_address=form.new_address,
            expected_lines=form.cleaned_data["lines"] or None,
        )

    def nothing_to_order(self, message: str = "", *, posted: bool = False) -> HttpResponse:
        messages.error(
            self.request,
            message
            or gettext("%(product)s can't be ordered now.") % {"product": self.product.title},
        )
        return redirect(self.product)

    def page_context(self) -> dict:
        return {"buy_now": {"product": self.product, "quantity": self.quantity}}

    def handle_no_permission(self) -> HttpResponse:
        """Buy now before logging in: the login page, and after it the order page for the
        quantity asked for (``?quantity=``, read by ``get``)."""
        if self.request.user.is_authenticated:
            return super().handle_no_permission()
        messages.info(
            self.request,
            gettext("Log in to order %(product)s; the order page follows.")
            % {"product": self.product.title},
        )
        path = self.request.path
        form = QuantityForm(self.request.POST)
        if self.request.method == "POST" and form.is_valid():
            path = f"{path}?{urlencode({'quantity': form.cleaned_data['quantity']})}"
        return redirect_to_login(path, self.get_login_url(), self.get_redirect_field_name())

    def get(self, request: HttpRequest, slug: str) -> HttpResponse:
        # Back from logging in (?quantity=): the order page for that quantity. Without one
        # (a refreshed or bookmarked page), the product page is where Buy now starts.
        if "quantity" not in request.GET:
            return redirect(self.product)
        return self._order_page(QuantityForm(request.GET))

    def post(self, request: HttpRequest, slug: str) -> HttpResponse:
        form = QuantityForm(request.POST)
        if form.is_valid() and "token" in request.POST:
            self.quantity = form.cleaned_data["quantity"]
            # Accept and pay: the service checks stock again, under its locks, and a
            # resubmitted page finds the order it already placed.
            return self.accept_and_pay()
        return self._order_page(form)

    def _order_page(self, form: QuantityForm) -> HttpResponse:
        """The order page for the quantity ``form`` holds, or back to the product page
        saying why not (a bad quantity; sold out, delisted or more than the stock)."""
        if not form.is_valid():
            messages.error(self.request, form.first_error())
            return redirect(self.product)
        self.quantity = form.cleaned_data["quantity"]
        problems = self.group().problems
        if problems:
            messages.error(self.request, problems[0])
            return redirect(self.product)
        return self.show()


__all__ = ["NEW_ADDRESS", "BuyNowView", "CheckoutView"]
