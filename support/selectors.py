"""Read-side queries for the support dashboard and the order admin page. They ask the apps
below through their selectors only, which join related rows so the pages' query counts
don't grow with their rows."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from core.selectors import audit_entries_by_actor, audit_entries_for_order
from shop.selectors import orders_placed_since
from wallet.selectors import payments_awaiting_staff, payments_failed_since

if TYPE_CHECKING:
    from shop.models import Order
    from wallet.models import Payment

__all__ = [
    "DASHBOARD_ROWS",
    "audit_entries_by_actor",
    "audit_entries_for_order",
    "orders_today",
    "payments_awaiting_action",
    "payments_failed_recently",
]

DASHBOARD_ROWS = 15


def payments_awaiting_action() -> QuerySet[Payment]:
    """Bank transfers waiting for staff to confirm receipt, card payments waiting for the
    shopper's step-up authentication, and card payments whose processor answer was lost
    (still Processing past the processor client's timeout: Check with processor); oldest
    first."""
    timeout = timedelta(seconds=settings.PAYMENT_GATEWAY_TIMEOUT_SECONDS)
    return payments_awaiting_staff(answer_lost_before=timezone.now() - timeout)


def payments_failed_recently(*, hours: int = 24) -> QuerySet[Payment]:
    """Payments that failed in the last ``hours`` hours, newest first."""
    return payments_failed_since(since=timezone.now() - timedelta(hours=hours))


def orders_today() -> QuerySet[Order]:
    """Orders placed since local midnight, newest first, with customer and seller."""
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return orders_placed_since(since=midnight)
