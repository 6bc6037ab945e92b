"""Small presentation helpers for shop templates."""

import re
from decimal import Decimal
from html import escape
from urllib.parse import urlencode

from django import template
from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, gettext_noop

from core.money import format_money

register = template.Library()


@register.simple_tag
def page_numbers(page_obj) -> list:
    """The page links to show: the first, the last and two either side of the current one,
    with None where a run of pages is left out (a long catalog stays one row of links). A
    first page that did not count its whole list (``HeadPaginator.last_page_unknown``)
    ends in None: its last page number is unknown (Next leads on)."""
    # The range marks a gap with Paginator.ELLIPSIS, a lazy translation: telling numbers
    # from it by type spares translating it for each comparison.
    paginator = page_obj.paginator
    numbers = [
        number if isinstance(number, int) else None
        for number in paginator.get_elided_page_range(page_obj.number, on_each_side=2, on_ends=1)
    ]
    if getattr(paginator, "last_page_unknown", False):
        cut = numbers.index(None) if None in numbers else len(numbers) - 1
        numbers = [*numbers[:cut], None]
    return numbers


def _page_query(query_dict) -> tuple[str, str]:
    """``{% querystring page=N %}`` for every N at once: what goes before and after
    ``page=N`` (the other parameters, encoded as ``QueryDict.urlencode`` encodes them, with
    ``page`` where the request had it, else last)."""
    before, after = [], []
    side = before
    for key, values in query_dict.lists():
        if key == "page":
            side = after
            continue
        encoded_key = key.encode(query_dict.encoding)
        side.extend(urlencode({encoded_key: str(v).encode(query_dict.encoding)}) for v in values)
    return "".join(f"{part}&" for part in before), "".join(f"&{part}" for part in after)


@register.simple_tag(takes_context=True)
def page_links(context, page_obj) -> SafeString:
    """The list pages' page links (previous, the numbers of ``page_numbers``, next), each
    keeping the request's other parameters, or nothing for a single page. Drawn in Python:
    in the template language (tests/shop/pagination_in_template_language.html, which
    tests/shop/test_page_links.py holds it equal to) the links cost a list page ~900 Python
    calls, a ``{% querystring %}`` (a copy of the request's parameters) each."""
    paginator = page_obj.paginator
    if paginator.num_pages <= 1:
        return mark_safe("")
    before, after = _page_query(context.request.GET)

    def href(number: int) -> str:
        return escape(f"?{before}page={number}{after}")

    previous, following = escape(gettext("Previous")), escape(gettext("Next"))
    out = [
        f'<nav class="mt-4" aria-label="{escape(gettext("Pages"))}">\n'
        '<ul class="pagination justify-content-center flex-wrap">\n'
    ]
    if page_obj.has_previous():
        out.append(
            f'<li class="page-item"><a class="page-link" href="{href(page_obj.number - 1)}" '
            f'rel="prev">{previous}</a></li>\n'
        )
    else:
        out.append(
            f'<li class="page-item disabled"><span class="page-link">{previous}</span></li>\n'
        )
    for number in page_numbers(page_obj):
        if number is None:
            out.append(
                '<li class="page-item disabled"><span class="page-link">&hellip;</span></li>\n'
            )
            continue
        # {{ number }}: localized (only a number past 999 can change: "1,000").
        shown = str(number) if number < 1000 else escape(localize(number))
        if number == page_obj.number:
            out.append(
                '<li class="page-item active" aria-current="page">'
                f'<span class="page-link">{shown}</span></li>\n'
            )
        else:
            out.append(
                f'<li class="page-item"><a class="page-link" href="{href(number)}">'
                f"{shown}</a></li>\n"
            )
    if page_obj.has_next():
        out.append(
            f'<li class="page-item"><a class="page-link" href="{href(page_obj.number + 1)}" '
            f'rel="next">{following}</a></li>\n'
        )
    else:
        out.append(
            f'<li class="page-item disabled"><span class="page-link">{following}</span></li>\n'
        )
    out.append("</ul>\n</nav>\n")
    return mark_safe("".join(out))  # noqa: S308 (every value that goes in is escaped above)


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
