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

The order page's payments and refunds (``{% order_payments %}``), totals
(``{% order_totals %}``, shop/_order_totals.html), ship-to address (``{% ship_address %}``,
shop/_ship_address.html), title, "Placed" line and payment deadlines are drawn the same
way (the template-language loop, includes and ``{% blocktranslate %}``s with date filters
were ~1,000 of the page's ~8,000 calls), and every word these tags write is translated once
per process and language (``_words``). tests/shop/test_order_detail_page.py holds the whole
page equal to the template-language page (tests/shop/order_detail_in_template_language.html)
for every state of an order and its payments, in both languages, and the totals and
address to their partials.
"""

from html import escape

from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, ngettext, pgettext

from accounts.models import postal_address_lines
from core.dates import date_text
from core.labels import escaped_labels, kept_whole
from core.money import format_money
from shop.models import Order, OrderStatus
from shop.templatetags.shop_tags import shown_reason

register = template.Library()

_words_by_language: dict[str | None, dict[str, str]] = {}


def _words(language: str | None) -> dict[str, str]:
    """The words these tags write, in ``language`` (the active one): escaped, but for the
    date formats and the texts a ``{% blocktranslate %}`` wrote (its values are escaped, the
    catalogue's text is markup). Translated once per process and language: a translation
    only changes with a deploy (forgotten when a setting changes, as in tests)."""
    try:
        return _words_by_language[language]
    except KeyError:
        pass
    words = {
        "not paid in time": escape(gettext("Not paid in time")),
        "waiting for your transfer": escape(gettext("Waiting for your bank transfer")),
        "partly refunded": escape(gettext("Partly refunded")),
        "day": gettext("j M Y"),
        "when": gettext("j M Y, H:i"),
        "times at": escape(gettext("× %(quantity)s at %(price)s")),  # noqa: RUF001
        "note": escape(gettext("Note")),
        "order": gettext("Order %(number)s"),
        "placed": gettext("Placed %(placed)s · sold by"),
        "reserved until": gettext(
            "This order is waiting for payment. Your items are reserved until %(deadline)s."
        ),
        "transfer until": gettext(
            "Quote the reference so we can match your payment. We keep your items until "
            "%(deadline)s; the order ships once our team confirms the money has arrived."
        ),
        "subtotal": escape(gettext("Subtotal")),
        "shipping": escape(gettext("Shipping")),
        "free": escape(pgettext("shipping", "Free")),
        "total": escape(gettext("Total")),
        "no payment": escape(gettext("No payment yet.")),
        "paid": escape(pgettext("payment", "Paid")),
        "not paid": escape(gettext("Not paid")),
        "cancelled": escape(gettext("Cancelled")),
        "waiting for the transfer": escape(gettext("Waiting for the transfer")),
        "refund": escape(pgettext("noun", "Refund")),
        "refund pending": escape(gettext("Refund pending")),
        "refund failed": escape(gettext("Refund failed: our team will send it again")),
    }
    return _words_by_language.setdefault(language, words)


def _forget_words(**kwargs) -> None:
    _words_by_language.clear()


setting_changed.connect(_forget_words, dispatch_uid="shop.order_tags.forget_words")


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
            f'data-testid="order-status">{_words(language)["not paid in time"]}</span>'
        )
    if order.status == OrderStatus.PENDING_PAYMENT and order.waiting_transfer:
        label = _words(language)["waiting for your transfer"]
    else:
        label = _statuses(language).get(order.status, status)
    return (
        f'<span class="badge rounded-pill bz-status bz-status-{status}" '
        f'data-testid="order-status">{label}</span>'
    )


@register.simple_tag
def order_status(order: Order, partly_refunded: bool = False) -> SafeString:
    """``{% include "shop/_order_status.html" with partly_refunded=... %}``"""
    language = get_language()
    badge = status_badge(order, language)
    if partly_refunded:
        badge += (
            ' <span class="badge rounded-pill text-bg-info">'
            f"{_words(language)['partly refunded']}</span>"
        )
    return mark_safe(badge)  # noqa: S308 (every value that goes in is escaped above)


@register.simple_tag
def order_rows(orders) -> SafeString:
    """Each order's ``<li>``: its number linking to its page, the day it was placed, the
    seller and how many items, its status badge and total."""
    language = get_language()
    day_format = _words(language)["day"]
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
            '<div class="d-flex align-items-center justify-content-between gap-2">'
            f'<div class="min-w-0"><a class="fw-semibold text-nowrap" href="{url}">'
            f"{escape(order.number)}</a> "
            '<span class="text-muted small ms-1 text-nowrap">'
            f"{escape(date_text(placed, day_format))}</span>"
            f'<div class="small text-muted">{escape(order.seller.name)} · '
            f'<span class="text-nowrap">{escape(items)}</span></div></div>'
            '<div class="bz-order-row-end d-flex flex-column flex-sm-row align-items-end '
            f'align-items-sm-center gap-1 gap-sm-3">{status_badge(order, language)} '
            f'<span class="fw-semibold text-nowrap">{escape(total)}</span></div></div></li>\n'
        )
    return mark_safe("".join(out))  # noqa: S308 (every value that goes in is escaped above)


@register.simple_tag
def order_lines(lines) -> SafeString:
    """The order page's lines: title, quantity and unit price, and the line's total."""
    language = get_language()
    times_at = _words(language)["times at"]
    out = []
    for line in lines:
        currency = line.currency or settings.CURRENCY
        price = escape(format_money(line.unit_price, currency, language))
        total = escape(format_money(line.line_total, currency, language))
        each = times_at % {"quantity": line.quantity, "price": price}
        out.append(
            '<li class="list-group-item px-0 d-flex justify-content-between gap-2" '
            f'data-testid="order-line"><span>{escape(line.title)} '
            f'<span class="text-muted small text-nowrap">{each}</span></span> '
            f'<span class="text-nowrap">{total}</span></li>\n'
        )
    return mark_safe("".join(out))  # noqa: S308 (every value that goes in is escaped above)


@register.simple_tag
def order_timeline(events, currency: str) -> SafeString:
    """The order page's timeline: each change's new status (or "Note"), when, and why (a
    system-written reason in the active language, see ``shop_tags.shown_reason``)."""
    language = get_language()
    statuses = _statuses(language)
    words = _words(language)
    note, when_format = words["note"], words["when"]
    zone = timezone.get_current_timezone() if settings.USE_TZ else None  # once a list
    out = []
    for event in events:
        if event.from_status == event.to_status:
            title = note
        else:
            title = statuses.get(event.to_status, escape(event.to_status))
        when = event.created_at.astimezone(zone) if zone else event.created_at
        reason = (
            f" · {kept_whole(escape(shown_reason(event.reason, currency)))}" if event.reason else ""
        )
        out.append(
            f'<li class="mb-2"><div class="fw-semibold">{title}</div>'
            f'<div class="text-muted">{escape(date_text(when, when_format))}{reason}'
            "</div></li>\n"
        )
    return mark_safe("".join(out))  # noqa: S308 (every value that goes in is escaped above)


def _money(amount, currency: str, language: str | None) -> str:
    """``{{ amount|money:currency }}``, escaped."""
    if amount is None:
        return ""
    return escape(format_money(amount, currency or settings.CURRENCY, language))


def _local(moment):
    """A stored time as the template's ``date`` filter shows it: in the current zone."""
    return timezone.localtime(moment) if settings.USE_TZ and timezone.is_aware(moment) else moment


@register.simple_tag
def order_title(order: Order) -> SafeString:
    """ "Order BZ-000123", as ``{% blocktranslate %}`` writes it (the number escaped)."""
    return mark_safe(_words(get_language())["order"] % {"number": escape(order.number)})  # noqa: S308


@register.simple_tag
def order_placed(order: Order) -> SafeString:
    """The order page's "Placed 1 December 2026, 05:14 · sold by <seller>" (as
    ``{% blocktranslate %}`` writes it: the catalogue's text as is, the date escaped)."""
    placed = escape(date_text(_local(order.created_at), "j E Y, H:i"))
    sold_by = _words(get_language())["placed"] % {"placed": placed}
    seller = order.seller
    return mark_safe(  # noqa: S308 (the values that go in are escaped)
        f'{sold_by} <a href="{escape(seller.get_absolute_url())}">{escape(seller.name)}</a>'
    )


@register.simple_tag
def reserved_until(deadline) -> SafeString:
    """A waiting order's "Your items are reserved until 14:05." (the deadline's time, as
    ``{% blocktranslate %}`` with ``|time:"H:i"`` writes it)."""
    until = escape(date_text(_local(deadline), "H:i"))
    return mark_safe(_words(get_language())["reserved until"] % {"deadline": until})  # noqa: S308


@register.simple_tag
def transfer_kept_until(deadline) -> SafeString:
    """A bank transfer's "Quote the reference ... We keep your items until 8 December
    2026; ..." (the deadline's day, as ``{% blocktranslate %}`` with ``|date:"j E Y"``
    writes it)."""
    until = escape(date_text(_local(deadline), "j E Y"))
    return mark_safe(_words(get_language())["transfer until"] % {"deadline": until})  # noqa: S308


@register.simple_tag
def order_totals(subtotal, shipping_fee, total, currency: str) -> SafeString:
    """shop/_order_totals.html: subtotal, shipping (or Free) and total."""
    language = get_language()
    words = _words(language)
    shipping = words["free"] if shipping_fee == 0 else _money(shipping_fee, currency, language)
    return mark_safe(  # noqa: S308 (every value that goes in is escaped)
        '<dl class="row mb-0 small align-items-baseline">\n'
        f'  <dt class="col-7 fw-normal text-muted">{words["subtotal"]}</dt>\n'
        '  <dd class="col-5 text-end mb-1" data-testid="order-subtotal">'
        f"{_money(subtotal, currency, language)}</dd>\n"
        f'  <dt class="col-7 fw-normal text-muted">{words["shipping"]}</dt>\n'
        f'  <dd class="col-5 text-end mb-1" data-testid="order-shipping">{shipping}</dd>\n'
        f'  <dt class="col-7 fs-6">{words["total"]}</dt>\n'
        '  <dd class="col-5 text-end mb-0 bz-price" data-testid="order-total">'
        f"{_money(total, currency, language)}</dd>\n"
        "</dl>\n"
    )


@register.simple_tag
def ship_address(address) -> SafeString:
    """shop/_ship_address.html: the name, the address as printed on a parcel (see
    ``accounts.models.postal_address_lines``) and the phone number, a line each."""
    lines = "".join(f"<br>{escape(line)}" for line in postal_address_lines(address))
    phone = f"<br>{escape(address.phone)}" if address.phone else ""
    return mark_safe(  # noqa: S308 (every value that goes in is escaped)
        f'<address class="small mb-0">{escape(address.full_name)}{lines}{phone}</address>\n'
    )


@register.simple_tag
def order_payments(payments, order) -> SafeString:
    """The order page's payments, oldest first, each with how it was made and when, its
    amount and state, why it was declined (with the advice to try again only while the
    order waits for payment), and its refunds (amounts in refund reasons in the order's
    currency, the language's way); or "No payment yet."."""
    currency = order.currency
    waiting = order.status == order.Status.PENDING_PAYMENT
    language = get_language()
    words = _words(language)
    if not payments:
        return mark_safe(f'<p class="text-muted small mb-0">{words["no payment"]}</p>')  # noqa: S308
    when_format, day_format = words["when"], words["day"]
    out = ['<ul class="list-unstyled mb-0 small">\n']
    for payment in payments:
        status = payment.status
        if status == payment.Status.SUCCEEDED:
            shown = f'<span class="text-success">{words["paid"]}</span>'
        elif status == payment.Status.FAILED:
            shown = f'<span class="text-danger">{words["not paid"]}</span>'
        elif status == payment.Status.CANCELED:
            shown = f'<span class="text-muted">{words["cancelled"]}</span>'
        elif payment.method == payment.Method.BANK_TRANSFER:
            shown = words["waiting for the transfer"]
        else:
            shown = escape(str(payment.get_status_display()))
        out.append(
            '<li class="py-2 border-bottom" data-testid="payment-row">'
            '<div class="d-flex flex-wrap justify-content-between gap-2">'
            f"<span>{kept_whole(escape(payment.method_display))} · "
            f"{escape(date_text(_local(payment.created_at), when_format))}</span> "
            f"<span><strong>{_money(payment.amount, payment.currency, language)}</strong> · "
            f"{shown}</span></div>"
        )
        if status == payment.Status.FAILED:
            declined = payment.decline_text if waiting else payment.decline_reason
            if declined:
                out.append(f'<div class="text-muted">{escape(declined)}</div>')
        for refund in payment.refunds.all():
            if refund.status == refund.Status.PENDING:
                state = f' · <span class="text-warning-emphasis">{words["refund pending"]}</span>'
            elif refund.status == refund.Status.FAILED:
                state = f' · <span class="text-danger">{words["refund failed"]}</span>'
            else:
                state = ""
            back = _money(refund.amount, refund.currency, language)
            out.append(
                '<div class="d-flex justify-content-between gap-2 ps-3 text-muted" '
                f'data-testid="refund-row"><span>{words["refund"]} · '
                f"{escape(date_text(_local(refund.created_at), day_format))} · "
                f"{kept_whole(escape(shown_reason(refund.reason, currency)))}</span> "
                '<span class="text-end"><span class="text-success text-nowrap">'
                f"{'+' if back else ''}{back}</span>{state}</span></div>"
            )
        out.append("</li>\n")
    out.append("</ul>")
    return mark_safe("".join(out))  # noqa: S308 (every value that goes in is escaped above)
