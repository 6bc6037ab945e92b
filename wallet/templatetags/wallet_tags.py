"""Template helpers for wallet pages, and ``{% activity_lines events %}``: the Payment
activity page's lines.

Written in the template language a line cost ~1,300 Python calls (the kind's label looked
up through ``get_kind_display``, which hashes every choice's lazy label on each call; two
``date`` filters; a ``{% blocktranslate %}``; a ``reverse()`` for the order link), so the
page's 20 lines cost more than the rest of it. Here a line is one f-string whose values are
escaped with ``html.escape`` (what Django's ``escape`` calls), the kinds' labels and the
page's words translated once per render, order URLs remembered per number, dates written
by ``core.dates.date_text``. The markup and
words are the template's (less the indentation inside a line);
tests/wallet/test_activity_lines.py holds each line equal to the template-language version.
"""

from html import escape
from urllib.parse import quote

from django import template
from django.conf import settings
from django.http import QueryDict
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext

from accounts.models import postal_address_lines
from core.dates import date_text
from core.labels import escaped_labels, kept_whole
from core.links import remembered_url
from core.money import format_money
from wallet.models import CardBrand, WalletEvent, event_message_shown

register = template.Library()


@register.filter
def order_url(reference: str) -> str:
    """The order page for a payment reference (the order number). The wallet never imports
    the shop: the URL is found by name, with the documented path as a fallback. Remembered
    per number: an order's URL only changes with the URL configuration (a deploy, or a
    test's settings: forgotten then)."""
    if not reference:
        return ""
    try:
        return remembered_url("shop:order-detail", number=reference)
    except NoReverseMatch:
        return f"/orders/{quote(reference, safe='')}/"


@register.simple_tag(takes_context=True)
def page_query(context, page_number) -> str:
    """The current query string with ``page`` replaced (keeps the ``kind`` filter). The
    parameters are copied list by list: ``QueryDict.copy()`` deep-copies every value."""
    query = QueryDict(mutable=True)
    for key, values in context["request"].GET.lists():
        query.setlist(key, values)
    query["page"] = page_number
    return query.urlencode()


@register.simple_tag
def wallet_reauth_minutes() -> int:
    """How long a typed password lets the shopper add or remove cards (for help texts)."""
    return settings.WALLET_REAUTH_MINUTES


def _money(amount, currency: str, language: str | None) -> str:
    """The ``money`` filter's text (core.templatetags.money) for a Decimal amount."""
    return format_money(amount, currency or settings.CURRENCY, language)


@register.simple_tag
def activity_lines(events) -> SafeString:
    """Each event's ``<li>``: its kind's badge, its message in the active language, the
    order and way of payment it was for, "By Bazaar support" when staff did it, and its
    amount (a refund as "+$5.00", a payment called off or failed struck through: no money
    moved) and time."""
    language = get_language()
    kinds = escaped_labels(WalletEvent.Kind, language)
    order_of = escape(gettext("Order %(number)s"))
    by_support = escape(gettext("By Bazaar support"))
    when_format = gettext("j M Y, H:i")
    refund = WalletEvent.Kind.REFUND
    no_money_moved = (WalletEvent.Kind.PAYMENT_CANCELED, WalletEvent.Kind.PAYMENT_FAILED)
    zone = timezone.get_current_timezone() if settings.USE_TZ else None  # once a list
    sentences: dict[str, str] = {}  # each message id translated once a list
    out = []
    for event in events:
        message = event_message_shown(event, language, sentences)
        kind = escape(event.kind)
        payment = event.payment
        if payment is not None:
            reference = escape(payment.reference)
            link = escape(order_url(payment.reference))
            paid_with = (
                f'<div class="small mt-1"><a href="{link}">'
                f"{kept_whole(order_of % {'number': reference})}</a> "
                f'<span class="text-muted">· {kept_whole(escape(payment.method_display))}'
                "</span></div>"
            )
        else:
            paid_with = ""
        support = (
            f'<div class="small text-muted">{by_support}</div>'
            if event.actor_id and event.actor_id != event.user_id
            else ""
        )
        if event.amount is None:
            amount = ""
        elif event.kind == refund:
            amount = (
                '<div class="fw-semibold text-success">'
                f"+{escape(_money(event.amount, event.currency, language))}</div>"
            )
        else:
            struck = (
                " text-muted text-decoration-line-through" if event.kind in no_money_moved else ""
            )
            amount = (
                f'<div class="fw-semibold{struck}">'
                f"{escape(_money(event.amount, event.currency, language))}</div>"
            )
        when = event.created_at.astimezone(zone) if zone else event.created_at
        out.append(
            '<li class="list-group-item d-flex justify-content-between align-items-start gap-3 '
            f'py-3" data-kind="{kind}"><div class="flex-grow-1 min-w-0">'
            f'<span class="badge bz-kind bz-kind-{kind} me-1">{kinds.get(event.kind, kind)}</span> '
            f"<span>{kept_whole(escape(message))}</span>{paid_with}{support}</div>"
            f'<div class="text-end flex-shrink-0" data-testid="activity-amount">{amount}'
            f'<time class="small text-muted" datetime="{escape(when.isoformat())}">'
            f"{escape(date_text(when, when_format, language))}</time></div></li>\n"
        )
    return mark_safe("".join(out))  # noqa: S308 (every value that goes in is escaped above)


@register.simple_tag(takes_context=True)
def card_items(context, cards) -> SafeString:
    """Your cards' ``<li>`` each: the card as wallet/_card_summary.html draws it, its
    payment address as _address_summary.html does, and (``wallet_ready``) Make default,
    Edit and Remove. Held equal to the template-language card by
    tests/wallet/test_card_items.py, and its summary to _card_summary.html by
    tests/wallet/test_card_list_markup.py."""
    brands = {value: escape(str(label)) for value, label in CardBrand.choices}
    default = escape(gettext("Default"))
    expires = escape(gettext("Expires"))
    expired = escape(gettext("Expired"))
    expires_soon = escape(gettext("Expires soon"))
    address_title = escape(gettext("Payment address"))
    make_default = escape(gettext("Make default"))
    make_default_of = escape(gettext("Make default: %(card)s"))
    edit, edit_of = escape(gettext("Edit")), escape(gettext("Edit %(card)s"))
    remove, remove_of = escape(gettext("Remove")), escape(gettext("Remove %(card)s"))
    ready = context.get("wallet_ready")
    # What {% csrf_token %} draws (one token a request, the same in every form).
    token = context.get("csrf_token")
    csrf = (
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(str(token))}">'
        if token and token != "NOTPROVIDED"  # noqa: S105 (Django's no-token marker)
        else ""
    )
    out = []
    for card in cards:
        brand = escape(card.brand)
        display = escape(card.display)
        named = {"card": display}
        badge = f'<span class="badge text-bg-warning">{default}</span>' if card.is_default else ""
        if card.is_expired:
            state = f'<span class="badge text-bg-danger ms-1">{expired}</span>'
        elif card.expires_soon:
            state = f'<span class="badge text-bg-warning ms-1">{expires_soon}</span>'
        else:
            state = ""
        name = (
            f'<span class="text-muted">·</span> {escape(card.name_on_card)}'
            if card.name_on_card
            else ""
        )
        address = card.payment_address
        lines = "".join(f"<br>{escape(line)}" for line in postal_address_lines(address))
        footer = ""
        if ready:
            pk = card.pk
            choose = (
                ""
                if card.is_default
                else '<form method="post" '
                f'action="{reverse("wallet:card-make-default", args=[pk])}">'
                f'{csrf} <button class="btn btn-sm btn-outline-primary" type="submit" '
                f'aria-label="{make_default_of % named}">{make_default}</button></form>'
            )
            footer = (
                '<div class="card-footer bg-transparent border-top-0 pb-3 d-flex flex-wrap gap-2">'
                f'{choose}<a class="btn btn-sm btn-outline-secondary" '
                f'href="{reverse("wallet:card-edit", args=[pk])}" '
                f'aria-label="{edit_of % named}">{edit}</a> '
                '<a class="btn btn-sm btn-outline-danger" '
                f'href="{reverse("wallet:card-remove", args=[pk])}" '
                f'aria-label="{remove_of % named}">{remove}</a></div>'
            )
        out.append(
            '<li class="col"><article class="card bz-card h-100'
            f'{" bz-card-default" if card.is_default else ""}" aria-label="{display}" '
            'data-testid="saved-card"><div class="card-body">'
            # Spaces where the partial has line breaks (test_card_list_markup squeezes both).
            '<div class="d-flex flex-wrap align-items-center gap-2"> '
            f'<span class="bz-card-badge {brand}">{brands.get(card.brand, brand)}</span> '
            f'<span class="fw-semibold font-monospace bz-card-number">•••• {escape(card.last4)}'
            f"</span> {badge} </div> "
            f'<div class="small mt-1"> <span class="text-muted">{expires}</span> '
            f"{escape(card.expiry_display)} {state} {name} </div> "
            f'<h2 class="visually-hidden">{display}</h2><div class="mt-3">'
            f'<div class="small text-muted mb-1">{address_title}</div>'
            '<address class="mb-0 small bz-address">'
            f"{escape(str((address or {}).get('full_name') or ''))}{lines}</address></div></div>"
            f"{footer}</article></li>\n"
        )
    return mark_safe("".join(out))  # noqa: S308 (every value that goes in is escaped above)
