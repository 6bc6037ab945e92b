"""The order page (/checkout/<seller-slug>/): one seller's lines, ship-to address, Way of
payment, and Accept and pay. Placing and paying are services; this view maps outcomes."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views import View

from accounts.selectors import address_list_for_user
from shop import selectors, services
from shop.cart_session import request_cart
from shop.exceptions import CheckoutError, OrderNotPayable
from shop.models import OrderStatus
from shop.order_forms import NEW_ADDRESS, OTHER_PAYMENT, CheckoutForm, new_token
from shop.views.orders import payment_error_response
from wallet.exceptions import CardError, PaymentError


class CheckoutView(LoginRequiredMixin, View):
    template_name = "shop/checkout.html"

    def _group(self, request: HttpRequest, seller):
        groups = selectors.cart_lines_by_seller(cart=request_cart(request), seller=seller)
        return groups[0] if groups else None

    def _form(self, request: HttpRequest, data=None) -> CheckoutForm:
        addresses = list(address_list_for_user(user=request.user))
        cards = selectors.card_choices_for_user(user=request.user)
        usable = [c for c in cards if not c.is_expired]
        initial = {
            "token": new_token(),
            "address": str(addresses[0].pk) if addresses else NEW_ADDRESS,
            "payment": usable[0].value if usable else OTHER_PAYMENT,
        }
        return CheckoutForm(data=data, initial=initial, addresses=addresses, cards=cards)

    def _render(self, request, seller, group, form, *, status=200, error="") -> HttpResponse:
        signature = services.checkout_lines_signature(
            (item.product.pk, item.quantity, item.product.price) for item in group.lines
        )
        context = {
            # A page shown again (errors) gets a fresh token and what it shows now: nothing
            # was placed with the old one, and a tampered value must not stick.
            "page_token": new_token() if form.is_bound else form.initial["token"],
            "lines_signature": signature,
            "seller": seller,
            "group": group,
            "form": form,
            "address_form": form.address_form,
            "checkout_error": error,
        }
        return render(request, self.template_name, context, status=status)

    def get(self, request: HttpRequest, seller_slug: str) -> HttpResponse:
        seller = selectors.seller_get(slug=seller_slug)
        group = self._group(request, seller)
        if group is None:
            messages.info(request, f"There is nothing from {seller.name} in your cart.")
            return redirect("shop:cart")
        return self._render(request, seller, group, self._form(request))

    def post(self, request: HttpRequest, seller_slug: str) -> HttpResponse:
        seller = selectors.seller_get(slug=seller_slug)
        form = self._form(request, data=request.POST)
        group = self._group(request, seller)
        if not form.is_valid():
            if group is None:
                messages.error(request, f"There is nothing from {seller.name} in your cart.")
                return redirect("shop:cart")
            return self._render(request, seller, group, form)
        try:
            order, created = services.order_place(
                user=request.user,
                cart=request_cart(request)
                or services.cart_get_or_create_for_user(user=request.user),
                seller=seller,
                token=form.cleaned_data["token"],
                address=form.chosen_address,
                new_address=form.new_address,
                expected_lines=form.cleaned_data["lines"] or None,
            )
        except CheckoutError as error:
            if group is None:
                messages.error(request, str(error))
                return redirect("shop:cart")
            return self._render(request, seller, group, self._form(request), error=str(error))
        except ValidationError as error:
            form.address_form.add_error(None, error)
            return self._render(request, seller, group, form)

        if not created and order.status != OrderStatus.PENDING_PAYMENT:
            return redirect(order)  # a resubmitted form: the order is already there
        card = form.chosen_card
        if form.cleaned_data["payment"] == OTHER_PAYMENT or card is None:
            return redirect("shop:order-pay", number=order.number)
        try:
            order = services.order_pay_with_saved_card(
                order=order,
                card=card,
                idempotency_key=f"{order.number}:checkout:{form.cleaned_data['token']}",
            )
        except (PaymentError, CardError, OrderNotPayable) as error:
            return payment_error_response(request, order, error)
        messages.success(request, f"Thank you! Order {order.number} is paid.")
        return redirect(order)


__all__ = ["NEW_ADDRESS", "CheckoutView"]
