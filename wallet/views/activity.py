"""Payment activity: the shopper's wallet events, newest first, filterable by kind."""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from django.views.generic import ListView

from core.pagination import FirstPageCountsPaginator
from wallet import selectors
from wallet.models import WalletEvent
from wallet.views.mixins import WalletOrSavedCardsMixin

Kind = WalletEvent.Kind

# The filters offered on the page (?kind=...): each groups the event kinds it shows.
KIND_FILTERS = {
    "payment": (
        gettext_lazy("Payments"),
        (Kind.PAYMENT, Kind.PAYMENT_PENDING, Kind.PAYMENT_CANCELED, Kind.PAYMENT_FAILED),
    ),
    "refund": (gettext_lazy("Refunds"), (Kind.REFUND,)),
    "card_linked": (gettext_lazy("Cards linked"), (Kind.CARD_LINKED,)),
    "card_removed": (gettext_lazy("Cards removed"), (Kind.CARD_REMOVED, Kind.CARD_DISABLED)),
}


class ActivityView(WalletOrSavedCardsMixin, ListView):
    template_name = "wallet/activity_list.html"
    context_object_name = "events"
    paginate_by = 20
    paginator_class = FirstPageCountsPaginator

    def get_kind(self) -> str:
        kind = self.request.GET.get("kind", "")
        return kind if kind in KIND_FILTERS else ""

    def get_queryset(self):
        kind = self.get_kind()
        return selectors.activity_shown_for_user(
            user=self.request.user, kinds=KIND_FILTERS[kind][1] if kind else ()
        )

    def get_context_data(self, **kwargs):
        filters = [(value, label) for value, (label, _kinds) in KIND_FILTERS.items()]
        return super().get_context_data(kind=self.get_kind(), filters=filters, **kwargs)
