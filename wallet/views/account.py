"""Creating and confirming the wallet, the wallet home page, and the password re-check."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views import View
from django.views.generic import FormView

from wallet import selectors
from wallet.exceptions import ConfirmationLinkInvalid, ConfirmationRateLimited
from wallet.forms import ConfirmPasswordForm, WalletCreateForm
from wallet.models import WalletAccount
from wallet.reauth import password_entered_now
from wallet.services import (
    LETTERS_PER_DAY,
    wallet_confirm,
    wallet_confirmation_resend,
    wallet_create,
)
from wallet.session import wallet_confirmed_remember

RECENT_ACTIVITY = 5


class WalletHomeView(LoginRequiredMixin, View):
    """/wallet/: creates the wallet on the first visit (CAPTCHA), waits for the letter to be
    confirmed, then shows the wallet: Add a card, View your cards, Payment activity."""

    def get(self, request):
        account = selectors.wallet_account_for_user(user=request.user)
        if account is None:
            return self._render_create(WalletCreateForm())
        if not account.is_confirmed:
            return self._render_pending(account)
        user = request.user
        context = {
            "card_count": selectors.card_count_for_user(user=user),
            "default_card": selectors.card_default_for_user(user=user),
            "recent_events": selectors.activity_shown_for_user(user=user)[:RECENT_ACTIVITY],
        }
        return render(request, "wallet/wallet_home.html", context)

    def post(self, request):
        account = selectors.wallet_account_for_user(user=request.user)
        if account is not None:
            return HttpResponseRedirect(reverse("wallet:home"))
        form = WalletCreateForm(request.POST)
        if not form.is_valid():
            return self._render_create(form, status=400)
        try:
            wallet_create(user=request.user)
        except ConfirmationRateLimited as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                gettext("We sent a confirmation letter to %(email)s.")
                % {"email": request.user.email},
            )
        return HttpResponseRedirect(reverse("wallet:home"))

    def _render_create(self, form, status=200):
        # Cards saved at checkout before the wallet existed are already there: say so.
        saved = list(selectors.card_list_for_user(user=self.request.user))
        return render(
            request=self.request,
            template_name="wallet/wallet_create.html",
            context={"form": form, "saved_cards": saved},
            status=status,
        )

    def _render_pending(self, account: WalletAccount):
        context = {"account": account, "letters_per_day": LETTERS_PER_DAY}
        return render(self.request, "wallet/wallet_pending.html", context)


class WalletResendView(LoginRequiredMixin, View):
    """POST: another confirmation letter (rate-limited); earlier links stop working."""

    http_method_names = ["post"]

    def post(self, request):
        try:
            account = wallet_confirmation_resend(user=request.user)
        except WalletAccount.DoesNotExist:
            return HttpResponseRedirect(reverse("wallet:home"))
        except ConfirmationRateLimited as exc:
            messages.error(request, exc.message)
        else:
            if not account.is_confirmed:
                messages.success(
                    request,
                    gettext(
                        "We sent a new letter to %(email)s. Links in earlier letters "
                        "no longer work."
                    )
                    % {"email": request.user.email},
                )
        return HttpResponseRedirect(reverse("wallet:home"))


class WalletConfirmView(LoginRequiredMixin, View):
    """The link from the letter. Works once, for the account it was sent to."""

    def get(self, request, token: str):
        try:
            wallet_confirm(user=request.user, token=token)
        except ConfirmationLinkInvalid as exc:
            if exc.code == "used":
                messages.info(request, exc.message)
                return HttpResponseRedirect(reverse("wallet:home"))
            account = selectors.wallet_account_for_user(user=request.user)
            context = {"error": exc, "account": account}
            return render(request, "wallet/wallet_confirm_failed.html", context, status=400)
        wallet_confirmed_remember(request)
        messages.success(
            request, gettext("Your wallet is confirmed. Add a card to pay in two steps.")
        )
        return HttpResponseRedirect(reverse("wallet:home"))


class ConfirmPasswordView(LoginRequiredMixin, FormView):
    """ "Confirm your password" before adding or removing a card, then back to ``next``."""

    form_class = ConfirmPasswordForm
    template_name = "wallet/confirm_password.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

    def get_next_url(self) -> str:
        candidate = self.request.POST.get("next") or self.request.GET.get("next") or ""
        if candidate and url_has_allowed_host_and_scheme(
            candidate,
            allowed_hosts={self.request.get_host()},
            require_https=self.request.is_secure(),
        ):
            return candidate
        return reverse("wallet:home")

    def get_context_data(self, **kwargs):
        return super().get_context_data(next=self.get_next_url(), **kwargs)

    def form_valid(self, form):
        password_entered_now(self.request)
        return HttpResponseRedirect(self.get_next_url())
