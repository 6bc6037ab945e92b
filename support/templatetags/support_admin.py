"""The support dashboard on the admin index page, and its "Recent actions" read from the
audit log."""

from django import template

from support import labels, permissions, selectors
from support.dashboard import card_testing_alarm, charts, dashboard_stats

register = template.Library()


@register.simple_tag(takes_context=True)
def support_dashboard(context) -> dict:
    """Today's orders, payments awaiting action and failed payments (last 24 h), the
    30-day charts with today against the median, and the card-testing alarm, each only for
    staff allowed to view them. Lists are cut to ``DASHBOARD_ROWS``; counts are full. A
    fixed number of queries, whatever the number of payments."""
    user = context["request"].user
    rows = selectors.DASHBOARD_ROWS
    dashboard: dict = {}
    if user.has_perm("shop.view_order"):
        orders = selectors.orders_today()
        dashboard["orders_today"] = list(orders[:rows])
        dashboard["orders_today_count"] = orders.count()
    if user.has_perm("wallet.view_payment"):
        awaiting = selectors.payments_awaiting_action()
        failed = selectors.payments_failed_recently(hours=24)
        dashboard["awaiting"] = list(awaiting[:rows])
        dashboard["awaiting_count"] = awaiting.count()
        dashboard["failed"] = list(failed[:rows])
        dashboard["failed_count"] = failed.count()
        stats = dashboard_stats()
        dashboard["stats"] = stats
        dashboard["charts"] = charts(stats)
        dashboard["alarm"] = card_testing_alarm()
        dashboard["can_lock"] = user.has_perm(permissions.LOCK_ACCOUNT)
    return dashboard


@register.simple_tag(takes_context=True)
def my_recent_actions(context, limit: int = 10) -> list:
    """The signed-in staff member's latest audit entries, each with the admin page of its
    object (None when there is none): every action they took, refunds and cancels
    included, which Django's own "Recent actions" (admin LogEntry) doesn't list."""
    from support.admin.audit import audit_target_url

    user = context["request"].user
    entries = selectors.audit_entries_by_actor(user_id=user.pk, limit=limit)
    return [(entry, audit_target_url(entry)) for entry in entries]


# ------------------------------------------------------------- labels (support.labels)


@register.filter
def bz_when(value) -> str:
    """The one date format of the support pages: "30 Nov 2026 14:05"."""
    return labels.when(value)


@register.filter
def payment_state(payment) -> str:
    """ "Processing — the processor's answer was lost", "Declined: insufficient funds"."""
    return labels.payment_state(payment)


@register.filter
def payment_status(payment) -> str:
    """ "Declined", "Paid", "Waiting for the bank check" (never a raw code)."""
    return labels.payment_status_label(payment)


@register.filter
def decline_label(code: str) -> str:
    return labels.decline_label(code)


@register.filter
def decline_explanation(code: str) -> str:
    return labels.decline_explanation(code)


@register.filter
def percent(share: float) -> str:
    """0.734 -> "73%"."""
    return f"{round((share or 0) * 100)}%"
