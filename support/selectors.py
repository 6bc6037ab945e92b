"""Read-side queries for the support dashboard and the order admin page, with related rows
joined so the pages' query counts don't grow with their rows."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from support.models import AuditEntry
from wallet.models import Payment, PaymentMethod, PaymentStatus

DASHBOARD_ROWS = 15


def audit_entries_for_order(*, number: str) -> QuerySet[AuditEntry]:
    """Staff actions on one order, oldest first (a timeline)."""
    return AuditEntry.objects.filter(order_number=number).order_by("created_at", "id")


def payments_awaiting_action() -> QuerySet[Payment]:
    """Bank transfers waiting for staff to confirm receipt, and card payments waiting for
    the shopper's step-up authentication; oldest first."""
    return (
        Payment.objects.filter(
            Q(method=PaymentMethod.BANK_TRANSFER, status=PaymentStatus.PROCESSING)
            | Q(status=PaymentStatus.REQUIRES_ACTION)
        )
        .select_related("user")
        .order_by("created_at", "id")
    )


def payments_failed_recently(*, hours: int = 24) -> QuerySet[Payment]:
    """Payments that failed in the last ``hours`` hours, newest first."""
    since = timezone.now() - timedelta(hours=hours)
    return (
        Payment.objects.filter(status=PaymentStatus.FAILED, updated_at__gte=since)
        .select_related("user")
        .order_by("-updated_at", "-id")
    )


def orders_today():
    """Orders placed since local midnight, newest first, with customer and seller."""
    from shop.models import Order

    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return (
        Order.objects.filter(created_at__gte=midnight)
        .select_related("user", "seller")
        .order_by("-created_at", "-id")
    )
