"""``{% order_rows page_obj %}``: the orders list's rows, and ``{% order_status order %}``:
an order's status badge (what shop/_order_status.html draws).

Written in the template language a row cost ~1,000 Python calls (the status label through
``get_status_display``, which hashes every choice's lazy label on each call; a ``date``
filter; a plural ``{% blocktranslate %}``; a ``reverse()``; ~25 variable lookups). Here a
row is one f-string whose values are escaped with ``html.escape`` (what Django's ``escape``
calls), status labels translated once per language, words once per render, order URLs
remembered per number (``Order.get_absolute_url``), dates written by
``core.dates.date_text``. The markup and words are the
template's (less the indentation inside a row); tests/shop/test_order_rows.py holds each
row equal to the template-language version and the badge to shop/_order_status.html.
"""

from html import escape

from django import template
from django.conf import settings
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, ngettext

from core.dates import date_text
from core.labels import escaped_labels
from core.money import format_money
from shop.models import Order, OrderStatus
from shop.templatetags.shop_tags import shown_reason

register = template.Library()


def _statuses(language: str | None) -> dict[str, str]:
    """``{status: its label, escaped}`` in ``language`` (the active one)."""
    return escaped_labels(OrderStatus, language)


def status_badge(order: Order, language: str | None, *, overdue: bool | None = None) -> str:
    """shop/_order_status.html without "Partly refunded": the badge of ``order`` (loaded by
    the shop's order selectors, which annotate ``waiting_transfer``)."""
    if overdue is None:
        overdue = order.overdue
    status = escape(order.status)
    if overdue:
        return (
            '<span class="badge rounded-pill bz-status bz-status-overdue" '
            f'data-testid="order-status">{escape(gettext("Not paid in time"))}</span>'
        )
    if order.status == OrderStatus.PENDING_PAYMENT and order.waiting_transfer:
        label = escape(gettext("Waiting for your bank transfer"))
    else:
        label = _statuses(language).get(order.status, status)
    return (
        f'<span class="badge rounded-pill bz-status bz-status-{status}" '
        f'data-testid="order-status">{label}</span>'
    )


@register.simple_tag
def order_status(order: Order, partly_refunded: bool = False) -> SafeString:
    """``{% include "shop/_order_status.html" with partly_refunded=... %}``"""
    badge = status_badge(order, get_language())
    if partly_refunded:
        badge += (
            ' <span class="badge rounded-pill text-bg-info">'
            f"{escape(gettext('Partly refunded'))}</span>"
        )
    return mark_safe(badge)  # noqa: S308 (every value that goes in is escaped above)


@register.simple_tag
def order_rows(orders) -> SafeString:
    """Each order's ``<li>``: its number linking to its page, the day it was placed, the
    seller and how many items, its status badge and total."""
    language = get_language()
    day_format = gettext("j M Y")
    zone = timezone.get_current_timezone() if settings.USE_TZ else None  # once a list
    out = []
    for order in orders:
        placed = order.created_at.astimezone(zone) if zone else order.created_at
        count = order.line_count
        items = ngettext("%(counter)s item", "%(counter)s items", count) % {"counter": count}
        total = format_money(order.total, order.currency or settings.CURRENCY, language)
        url = escape(order.get_absolute_url())
        out.append(
            '<li class="list-group-item py-3" data-testid="order-row">'
            '<div class="d-flex flex-wrap align-items-center justify-content-between gap-2">'
            f'<div class="min-w-0"><a class="fw-semibold" href="{url}">'
            f"{escape(order.number)}</a> "
            f'<span class="text-muted small ms-1">{escape(date_text(placed, day_format))}'
            f'</span><div class="small text-muted">{escape(order.seller.name)} · '
            f"{escape(items)}</div></div>"
            f'<div class="d-flex align-items-center gap-3">{status_badge(order, language)} '
            f'<span class="fw-semibold text-nowrap">{escape(total)}</span></div></div></li>\n'
        )
    return mark_safe("".join(out))  # noqa: S308 (every value that goes in is escaped above)


@register.simple_tag
def order_lines(lines) -> SafeString:
    """The order page's lines: title, quantity and unit price, and the line's total."""
    language = get_language()
    times_at = escape(gettext("× %(quantity)s at %(price)s"))  # noqa: RUF001
    out = []
    for line in lines:
        currency = line.currency or settings.CURRENCY
        price = escape(format_money(line.unit_price, currency, language))
        total = escape(format_money(line.line_total, currency, language))
        each = times_at % {"quantity": line.quantity, "price": price}
        out.append(
            '<li class="list-group-item px-0 d-flex justify-content-between gap-2" '
            f'data-testid="order-line"><span>{escape(line.title)} '
            f'<span class="text-muted small">{each}</span></span> '
            f'<span class="text-nowrap">{total}</span></li>\n'
        )
    return mark_safe("".join(out))  # noqa: S308 (every value that goes in is escaped above)


@register.simple_tag
def order_timeline(events, currency: str) -> SafeString:
    """The order page's timeline: each change's new status (or "Note"), when, and why (a
    system-written reason in the active language, see ``shop_tags.shown_reason``)."""
    language = get_language()
    statuses = _statuses(language)
    note = escape(gettext("Note"))
    when_format = gettext("j M Y, H:i")
    zone = timezone.get_current_timezone() if settings.USE_TZ else None  # once a list
    out = []
    for event in events:
        if event.from_status == event.to_status:
            title = note
        else:
            title = statuses.get(event.to_status, escape(event.to_status))
        when = event.created_at.astimezone(zone) if zone else event.created_at
        reason = f" · {escape(shown_reason(event.reason, currency))}" if event.reason else ""
        out.append(
            f'<li class="mb-2"><div class="fw-semibold">{title}</div>'
            f'<div class="text-muted">{escape(date_text(when, when_format))}{reason}'
            "</div></li>\n"
        )
    return mark_safe("".join(out))  # noqa: S308 (every value that goes in is escaped above)
