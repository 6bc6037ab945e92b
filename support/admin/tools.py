"""Building blocks shared by the admin pages in ``support.admin``: audited edits, read-only
ledgers, badges and narrow list columns."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from django.contrib import admin
from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from core.audit import AuditAction, audit_record
from support import labels
from wallet.models import CardBrand, Payment, PaymentMethod

if TYPE_CHECKING:
    from shop.models import Order


class AuditedAdminMixin:
    """Every add, change and delete made through this ModelAdmin also lands in the audit
    log, in the transaction of the change (Django's LogEntry keeps recording them for the
    History pages as usual)."""

    def _audit(self, request, obj, action: str, log_entry) -> None:
        # Stored text stays English whatever the staff member's language.
        with translation.override("en"):
            summary = log_entry.get_change_message() if log_entry is not None else ""
            summary = summary or str(AuditAction(action).label)
        audit_record(actor=request.user, action=action, target=obj, summary=summary)

    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)
        self._audit(request, obj, AuditAction.ADMIN_ADD, entry)
        return entry

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        self._audit(request, obj, AuditAction.ADMIN_CHANGE, entry)
        return entry

    def log_deletions(self, request, queryset):
        entries = super().log_deletions(request, queryset)
        for obj in queryset:
            self._audit(request, obj, AuditAction.ADMIN_DELETE, None)
        return entries


class LedgerAdminMixin:
    """Read-only for everyone, superusers included: rows are written by services only."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyInline(LedgerAdminMixin, admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False


def status_badge(value: str, label: str):
    """A coloured pill for a status value. Its colours (chosen to pass WCAG AA contrast) are
    in static/css/admin/base.css, one ``bz-status-<value>`` rule each: CSP allows no inline
    styles."""
    return format_html('<span class="bz-status bz-status-{}">{}</span>', value, label)


# ------------------------------------------------------------- narrow list columns
# Support works at 1280 px with the navigation sidebar and the filters beside the list:
# these keep date and email columns narrow so a list fits without sideways scrolling.


def datetime_column(field: str, *, description):
    """A list column (a ModelAdmin attribute) showing ``field`` as ``compact_datetime``,
    sortable by it: ``paid_column = datetime_column("paid_at", description="paid")``."""

    @admin.display(description=description, ordering=field)
    def column(model_admin, obj):
        return compact_datetime(getattr(obj, field))

    return column


def when_field(field: str, *, description: str):
    """A read-only detail-page field (a ModelAdmin attribute) showing ``field`` in the one
    date format of the support pages ("30 Nov 2026 14:05", ``support.labels.when``)."""

    @admin.display(description=description)
    def shown(model_admin, obj):
        return labels.when(getattr(obj, field))

    return shown


def compact_datetime(value):
    """A date over its time ("26 Nov 2026" / "14:05", local time), or "-"."""
    if value is None:
        return "-"
    local = timezone.localtime(value)
    return format_html(
        '<time datetime="{}">{}<br><span class="bz-time">{}</span></time>',
        local.isoformat(),
        date_format(local, "j M Y"),
        date_format(local, "H:i"),
    )


EMAIL_PIECE = 12  # longest run of an address without a line-break opportunity


def user_admin_link(user):
    """The user's email, linked to their page in the admin (the customer view); "-" for none."""
    if user is None:
        return "-"
    url = reverse("admin:accounts_user_change", args=[user.pk])
    return format_html('<a href="{}">{}</a>', url, user.email)


def breakable_email(email: str):
    """An email address that a narrow column wraps before "@" and dots ("ann.smith" /
    "@example" / ".com"), and within very long names, rather than anywhere; it still
    copies as typed (``<wbr>`` adds no characters)."""
    pieces = re.split(r"(?=[@.])", email or "")
    chunks = [
        piece[i : i + EMAIL_PIECE] for piece in pieces for i in range(0, len(piece), EMAIL_PIECE)
    ]
    return format_html_join(mark_safe("<wbr>"), "{}", ((chunk,) for chunk in chunks))


# ------------------------------------------------ an order's latest payment attempt


def _latest_payment(field: str) -> Subquery:
    latest = Payment.objects.filter(reference=OuterRef("number")).order_by("-created_at", "-id")
    return Subquery(latest.values(field)[:1])


def orders_with_latest_payment(orders):
    """``orders`` annotated with their latest payment attempt (for ``LatestPayment``)."""
    return orders.annotate(
        latest_payment_method=_latest_payment("method"),
        latest_payment_status=_latest_payment("status"),
        latest_payment_decline_code=_latest_payment("decline_code"),
        latest_payment_updated_at=_latest_payment("updated_at"),
        latest_payment_card_brand=_latest_payment("card_brand"),
        latest_payment_card_last4=_latest_payment("card_last4"),
    )


def latest_payment_words(order: Order) -> str:
    """ "Visa •••• 4242 · Declined: insufficient funds", or "No payment yet"."""
    if not getattr(order, "latest_payment_status", None):
        return _("No payment yet")
    latest = LatestPayment(order)
    return f"{latest.method_display} · {labels.payment_state(latest)}"


class LatestPayment:
    """The latest payment attempt of a listed order, from the list query's annotations
    (no query per row), worded by ``support.labels``."""

    def __init__(self, order: Order) -> None:
        self.method = order.latest_payment_method
        self.status = order.latest_payment_status
        self.decline_code = order.latest_payment_decline_code or ""
        self.updated_at = order.latest_payment_updated_at
        self.card_brand = order.latest_payment_card_brand
        self.card_last4 = order.latest_payment_card_last4

    @property
    def method_display(self) -> str:
        if self.method == PaymentMethod.CARD:
            return f"{CardBrand(self.card_brand).label} •••• {self.card_last4}"
        return str(PaymentMethod(self.method).label)
