"""Payment activity: the shopper's wallet events, newest first, filterable by kind."""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from core.pagination import page_context, page_head_first
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


ACTIVITY_PER_PAGE = 20


class ActivityView(WalletOrSavedCardsMixin, TemplateView):
    """The wallet's events, ``ACTIVITY_PER_PAGE`` a page; the first page (nearly every
    view) is read with the list's count in one query, by SQL compiled once per filter
    (``page_head_first``), counting up to ``core.pagination.HEAD_COUNT_CAP`` + 1 events."""

    template_name = "wallet/activity_list.html"

    def get_kind(self) -> str:
        kind = self.request.GET.get("kind", "")
        return kind if kind in KIND_FILTERS else ""

    def get_context_data(self, **kwargs):
        user, kind = self.request.user, self.get_kind()
        kinds = KIND_FILTERS[kind][1] if kind else ()
        page = page_head_first(
            self.request.GET.get("page"),
            per_page=ACTIVITY_PER_PAGE,
            rows=selectors.activity_rows_for_user(user=user, kinds=kinds),
            queryset=lambda: selectors.activity_shown_for_user(user=user, kinds=kinds),
        )
        filters = [(value, label) for value, (label, _kinds) in KIND_FILTERS.items()]
        return super().get_context_data(
            kind=kind, filters=filters, **page_context(page, name="events"), **kwargs
        )
