"""Your cards: add (with its payment address), view, edit, make default, remove."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext, gettext_lazy
from django.views import View
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import TemplateView

from accounts.forms import AddressForm
from accounts.selectors import address_default_for_user
from core.card_guard import CARD_NUMBER_MESSAGE, contains_card_number
from wallet import selectors
from wallet.exceptions import (
    CaptchaRequired,
    CardError,
    GatewayUnavailable,
    PaymentDeclined,
    PaymentError,
)
from wallet.forms import AddressMode, CardAddForm, CardCaptchaForm, CardEditForm
from wallet.services import card_link, card_remove, card_set_default, card_update
from wallet.views.mixins import (
    OwnCardMixin,
    RecentPasswordRequiredMixin,
    WalletOrSavedCardsMixin,
    WalletRequiredMixin,
)

logger = logging.getLogger("wallet.views")

ADDRESS_PREFIX = "address"
# One message for every refusal, not tied to a field: which detail was wrong would tell a
# card tester which guess to change. The exact reason goes to the security log.
CARD_DECLINED = gettext_lazy("The card was declined. Check the details or use another card.")
# Fields whose typed value is the card itself (never rendered back, never flagged).
CARD_SECRET_FIELDS = frozenset({"number", "cvc"})
CARD_NUMBER_MISPLACED = CARD_NUMBER_MESSAGE
SAVED_ADDRESS_INCOMPLETE = gettext_lazy(
    "Your saved address is incomplete, so it can't be the payment address. "
    "Enter the card's payment address below."
)


def _scrub_card_numbers(*forms) -> None:
    """Blank any typed value that holds a card number (a number pasted into the name or an
    address line) so a page shown again with errors never echoes it, and say so next to the
    field when nothing else is said there (otherwise the value would vanish unexplained).
    The number and CVC inputs never render their value anyway (``SensitiveTextInput``)."""
    for form in forms:
        if form is None or not form.is_bound:
            continue
        field_by_key = {form.add_prefix(name): name for name in form.fields}
        for key, value in list(form.data.items()):
            if not (isinstance(value, str) and contains_card_number(value)):
                continue
            form.data[key] = ""
            name = field_by_key.get(key)
            if name and name not in CARD_SECRET_FIELDS and name not in form.errors:
                form.add_error(name, ValidationError(CARD_NUMBER_MISPLACED, code="card_number"))


def _payment_address_form(data=None, *, initial=None) -> AddressForm:
    """The address book's form, prefixed, worded for a card's payment address."""
    form = AddressForm(data=data, prefix=ADDRESS_PREFIX, initial=initial)
    form.fields["phone"].help_text = ""  # the address book's "for the courier" note
    return form


def _add_service_errors(exc: ValidationError, *forms) -> list[ValidationError]:
    """Put a service's field errors (with their codes) next to the matching field; return
    the ones no form has a field for."""
    leftover = []
    for field, errors in exc.error_dict.items():
        form = next((f for f in forms if f is not None and field in f.fields), None)
        if form is None:
            leftover.extend(errors)
        else:
            form.add_error(field, errors)
    return leftover


class CardListView(WalletOrSavedCardsMixin, TemplateView):
    template_name = "wallet/card_list.html"

    def get_context_data(self, **kwargs):
        cards = selectors.card_list_shown_for_user(user=self.request.user)
        return super().get_context_data(cards=cards, max_cards=settings.WALLET_MAX_CARDS, **kwargs)


class CardDetailView(WalletOrSavedCardsMixin, OwnCardMixin, TemplateView):
    """One card: where "Save the card" lands."""

    template_name = "wallet/card_detail.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(card=self.get_card(), **kwargs)


@method_decorator(sensitive_post_parameters("number", "cvc"), name="dispatch")
class CardAddView(WalletRequiredMixin, RecentPasswordRequiredMixin, View):
    """Add a card with its payment address: the last order address (shown read-only), or
    another one. "Use another address" is a link (?address=new) that wallet.js turns into
    an in-page toggle; either way the hidden ``address_mode`` tells the server which."""

    template_name = "wallet/card_form.html"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.saved_address = None

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.saved_address = address_default_for_user(user=request.user)
        return super().dispatch(request, *args, **kwargs)

    def _mode(self, requested: str | None) -> str:
        if self.saved_address is None or requested == AddressMode.NEW:
            return AddressMode.NEW
        return AddressMode.SAVED

    def _captcha_form(self, data=None) -> CardCaptchaForm | None:
        if not selectors.card_attempt_needs_captcha(user=self.request.user):
            return None
        return CardCaptchaForm(data)

    def get(self, request):
        mode = self._mode(request.GET.get("address"))
        form = CardAddForm(initial={"address_mode": mode, "name": request.user.full_name})
        return self._render(form, self._address_form(None), mode, self._captcha_form())

    def post(self, request):
        mode = self._mode(request.POST.get("address_mode"))
        data = request.POST.copy()
        data["address_mode"] = mode
        form = CardAddForm(data)
        address_form = self._address_form(request.POST.copy() if mode == AddressMode.NEW else None)
        captcha_form = self._captcha_form(request.POST)
        forms_valid = form.is_valid()
        if address_form.is_bound:
            forms_valid = address_form.is_valid() and forms_valid
        if captcha_form is not None:
            forms_valid = captcha_form.is_valid() and forms_valid
        if not forms_valid:
            return self._render(form, address_form, mode, captcha_form, status=400)

        payment_address = (
            address_form.cleaned_data if mode == AddressMode.NEW else self.saved_address
        )
        try:
            card, created = card_link(
                user=request.user,
                card_data=form.card_data,
                payment_address=payment_address,
                make_default=form.cleaned_data["make_default"],
                human_verified=captcha_form is not None,
            )
        except ValidationError as exc:
            leftover = _add_service_errors(
                exc, form, address_form if mode == AddressMode.NEW else None
            )
            if mode == AddressMode.SAVED and leftover:
                # The saved address lacks something a payment address needs.
                mode = AddressMode.NEW
                form.data["address_mode"] = mode
                address_form = self._address_form(None, initial=self.saved_address.as_dict())
                leftover = [SAVED_ADDRESS_INCOMPLETE]
            for error in leftover:
                form.add_error(None, error)
            return self._render(form, address_form, mode, captcha_form, status=400)
        except PaymentDeclined:
            form.add_error(None, CARD_DECLINED)
            return self._render(form, address_form, mode, self._captcha_form(), status=400)
        except CaptchaRequired as exc:
            form.add_error(None, exc.message)
            return self._render(form, address_form, mode, CardCaptchaForm(), status=400)
        except GatewayUnavailable as exc:
            logger.warning("wallet: linking a card for user %s: %s", request.user.pk, exc.code)
            form.add_error(None, exc.message)
            return self._render(form, address_form, mode, captcha_form, status=503)
        except (CardError, PaymentError) as exc:
            form.add_error(None, exc.message)
            return self._render(form, address_form, mode, captcha_form, status=400)

        if created:
            messages.success(
                request, gettext("%(card)s is saved in your wallet.") % {"card": card.display}
            )
        else:
            messages.info(
                request,
                gettext(
                    "This card was already in your wallet (%(card)s); we updated its "
                    "expiry, name and payment address."
                )
                % {"card": card.display},
            )
        return HttpResponseRedirect(reverse("wallet:card-detail", args=[card.pk]))

    def _address_form(self, data, initial=None) -> AddressForm:
        if initial is None and self.request.user.full_name:
            initial = {"full_name": self.request.user.full_name}
        return _payment_address_form(data, initial=initial)

    def _render(self, form, address_form, mode, captcha_form=None, status=200):
        _scrub_card_numbers(form, address_form)
        user = self.request.user
        count = selectors.card_count_for_user(user=user)
        context = {
            "form": form,
            "address_form": address_form,
            "captcha_form": captcha_form,
            "address_mode": mode,
            "saved_address": self.saved_address,
            "at_limit": count >= settings.WALLET_MAX_CARDS,
            "max_cards": settings.WALLET_MAX_CARDS,
            # The first card is the default whatever the box says: no box, a sentence.
            "first_card": count == 0,
        }
        return render(self.request, self.template_name, context, status=status)


class CardEditView(WalletRequiredMixin, OwnCardMixin, View):
    """Edit expiry, name on card and payment address. The number can't change: a new
    number is a new card."""

    template_name = "wallet/card_edit.html"

    def get(self, request, pk):
        card = self.get_card()
        form = CardEditForm(card=card)
        address_form = _payment_address_form(initial=card.payment_address)
        return self._render(card, form, address_form)

    def post(self, request, pk):
        card = self.get_card()
        form = CardEditForm(request.POST.copy(), card=card)
        address_form = _payment_address_form(request.POST.copy(), initial=card.payment_address)
        if not (form.is_valid() & address_form.is_valid()):
            return self._render(card, form, address_form, status=400)
        month, year = form.cleaned_data["expiry"]
        try:
            card = card_update(
                card=card,
                exp_month=month,
                exp_year=year,
                name=form.cleaned_data["name"],
                payment_address=address_form.cleaned_data,
            )
        except ValidationError as exc:
            for error in _add_service_errors(exc, form, address_form):
                form.add_error(None, error)
            return self._render(card, form, address_form, status=400)
        except CardError as exc:
            messages.error(request, exc.message)
            return HttpResponseRedirect(reverse("wallet:card-list"))
        messages.success(request, gettext("%(card)s is updated.") % {"card": card.display})
        return HttpResponseRedirect(reverse("wallet:card-list"))

    def _render(self, card, form, address_form, status=200):
        _scrub_card_numbers(form, address_form)
        context = {"card": card, "form": form, "address_form": address_form}
        return render(self.request, self.template_name, context, status=status)


class CardRemoveView(WalletRequiredMixin, RecentPasswordRequiredMixin, OwnCardMixin, View):
    """A confirmation page (GET), then the removal (POST). The owner's card that is already
    removed (a double click, the back button) goes back to the list with a note; another
    user's card is still a 404."""

    def dispatch(self, request, *args, **kwargs):
        try:
            return super().dispatch(request, *args, **kwargs)
        except Http404:
            if not selectors.card_is_removed_for_user(user=request.user, card_id=kwargs["pk"]):
                raise
            messages.info(request, gettext("That card was already removed."))
            return HttpResponseRedirect(reverse("wallet:card-list"))

    def get(self, request, pk):
        card = self.get_card()
        context = {
            "card": card,
            "other_cards": selectors.card_count_for_user(user=request.user) > 1,
        }
        return render(request, "wallet/card_confirm_remove.html", context)

    def post(self, request, pk):
        card = self.get_card()
        was_default = card.is_default
        card = card_remove(card=card)
        messages.success(
            request, gettext("%(card)s was removed from your wallet.") % {"card": card.display}
        )
        if was_default:
            successor = selectors.card_default_for_user(user=request.user)
            if successor is not None:
                messages.info(
                    request,
                    gettext("%(card)s is now your default card.") % {"card": successor.display},
                )
        return HttpResponseRedirect(reverse("wallet:card-list"))


class CardMakeDefaultView(WalletRequiredMixin, OwnCardMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk):
        card = card_set_default(card=self.get_card())
        messages.success(
            request,
            gettext("%(card)s is now your default card: checkout picks it first.")
            % {"card": card.display},
        )
        return HttpResponseRedirect(reverse("wallet:card-list"))
