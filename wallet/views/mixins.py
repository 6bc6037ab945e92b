"""Access rules shared by the wallet pages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext

from wallet import selectors
from wallet.models import Card
from wallet.reauth import password_entered_recently
from wallet.session import wallet_is_confirmed


class WalletRequiredMixin(LoginRequiredMixin):
    """Signed-in shoppers with a confirmed wallet; everyone else signed in goes to /wallet/,
    which creates or confirms it."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not wallet_is_confirmed(request):
            return HttpResponseRedirect(reverse("wallet:home"))
        return super().dispatch(request, *args, **kwargs)


class WalletOrSavedCardsMixin(LoginRequiredMixin):
    """Pages that show what the shopper has (their cards, their activity): open with a
    confirmed wallet, and also before one exists when cards were saved at checkout — then
    read-only (``self.wallet_ready`` is false: no adding or changing cards until the wallet
    is created). Everyone else signed in goes to /wallet/, which creates it."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.wallet_ready = wallet_is_confirmed(request)
        if not self.wallet_ready and not selectors.card_count_for_user(user=request.user):
            return HttpResponseRedirect(reverse("wallet:home"))
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(wallet_ready=self.wallet_ready, **kwargs)


class RecentPasswordRequiredMixin:
    """Adding or removing a card needs the password typed in the last
    ``WALLET_REAUTH_MINUTES``; otherwise the "Confirm your password" page, then back here."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not password_entered_recently(request):
            if request.method == "POST":
                messages.warning(
                    request,
                    gettext("Nothing was changed yet: confirm your password, then try again."),
                )
            query = urlencode({"next": request.get_full_path()})
            return HttpResponseRedirect(f"{reverse('wallet:confirm-password')}?{query}")
        return super().dispatch(request, *args, **kwargs)


class OwnCardMixin:
    """``self.card``: the URL's card if it is the shopper's and usable, else 404 (another
    user's card looks exactly like one that does not exist)."""

    def get_card(self) -> Card:
        try:
            return selectors.card_get_for_user(user=self.request.user, card_id=self.kwargs["pk"])
        except Card.DoesNotExist as exc:
            raise Http404("No such card in your wallet.") from exc
