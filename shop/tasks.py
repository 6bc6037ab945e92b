"""The shop's periodic jobs on Celery beat (schedule: ``CELERY_BEAT_SCHEDULE`` in settings).
Each runs the same service as its management command; the command stays for cron and for
running one by hand."""

import logging

from celery import shared_task

from shop.services import (
    cart_delete_abandoned,
    money_audit,
    order_expire_unpaid,
    orders_reconcile,
)

logger = logging.getLogger("shop.tasks")


@shared_task(name="shop.tasks.reconcile_payments")
def reconcile_payments() -> dict:
    """``manage.py reconcile_payments``, every 5 minutes."""
    report = orders_reconcile()
    return {
        "settled": len(report.settled),
        "orders": len(report.orders),
        "still_waiting": len(report.still_waiting),
    }


@shared_task(name="shop.tasks.expire_unpaid_orders")
def expire_unpaid_orders() -> int:
    """``manage.py expire_unpaid_orders``, every 5 minutes."""
    return order_expire_unpaid()


@shared_task(name="shop.tasks.clear_stale_carts")
def clear_stale_carts() -> int:
    """``manage.py clear_stale_carts``, nightly."""
    return cart_delete_abandoned()


@shared_task(name="shop.tasks.audit_money")
def audit_money() -> dict:
    """``manage.py audit_money``, nightly. A mismatch is logged as an error, one line per
    order, for the alerting that watches the logs (the command exits 1 instead)."""
    report = money_audit()
    for line in report.mismatches:
        logger.error("money audit MISMATCH %s", line)
    return {
        "orders": report.orders,
        "mismatches": len(report.mismatches),
        "in_flight": len(report.in_flight),
    }
