"""Small presentation helpers for shop templates."""

import re
from decimal import Decimal

from django import template
from django.utils.translation import gettext, gettext_noop

from core.money import format_money

register = template.Library()


@register.simple_tag
def page_numbers(page_obj) -> list:
    """The page links to show: the first, the last and two either side of the current one,
    with None where a run of pages is left out (a long catalog stays one row of links)."""
    paginator = page_obj.paginator
    return [
        None if number == paginator.ELLIPSIS else number
        for number in paginator.get_elided_page_range(page_obj.number, on_each_side=2, on_ends=1)
    ]


# The timeline's and refunds' system-written reasons are stored in English (support reads
# them). Each pattern is the English sentence as written by the services; a shopper reads
# it in their language. Reasons staff type stay as typed.
_REASONS = [
    (re.compile(r"^Order placed\.$"), gettext_noop("Order placed.")),
    (re.compile(r"^Cancelled by the shopper\.$"), gettext_noop("Cancelled by the shopper.")),
    (
        re.compile(r"^Not paid in time; the items went back on sale\.$"),
        gettext_noop("Not paid in time; the items went back on sale."),
    ),
    (re.compile(r"^Shipped\.$"), gettext_noop("Shipped.")),
    (re.compile(r"^Delivered\.$"), gettext_noop("Delivered.")),
    (
        re.compile(r"^Paid (?P<money>.+?) with (?P<method>.+)\.$"),
        gettext_noop("Paid %(money)s with %(method)s."),
    ),
    (
        re.compile(r"^Extra payment with (?P<method>.+) refunded in full\.$"),
        gettext_noop("Extra payment with %(method)s refunded in full."),
    ),
    (
        re.compile(r"^Partly refunded (?P<money>[^:]+): (?P<reason>.*)$", re.S),
        gettext_noop("Partly refunded %(money)s: %(reason)s"),
    ),
    (
        re.compile(r"^Refunded (?P<money>.+) in full\.$"),
        gettext_noop("Refunded %(money)s in full."),
    ),
    (re.compile(r"^Refunded (?P<money>[^ ]+)\.$"), gettext_noop("Refunded %(money)s.")),
    (
        re.compile(r"^Order (?P<number>BZ-\d+) cancelled\.$"),
        gettext_noop("Order %(number)s cancelled."),
    ),
]
_ENGLISH_MONEY = re.compile(r"^(?P<sign>-?)(?P<symbol>[^\d\s-]?)(?P<digits>[\d,]+\.\d+)$")


def _money_again(text: str, currency: str) -> str:
    """ "$1,234.50" (as the services wrote it, in English) in the active language."""
    match = _ENGLISH_MONEY.match(text.strip())
    if not match or not currency:
        return text
    amount = Decimal(match["digits"].replace(",", ""))
    return format_money(-amount if match["sign"] else amount, currency)


@register.filter
def shown_reason(reason: str, currency: str = "") -> str:
    """A stored order or refund reason in the active language (``currency``: the order's,
    to write its amounts the language's way)."""
    for pattern, message_id in _REASONS:
        match = pattern.match(reason or "")
        if match:
            values = match.groupdict()
            if "money" in values:
                values["money"] = _money_again(values["money"], currency)
            return gettext(message_id) % values
    return reason
