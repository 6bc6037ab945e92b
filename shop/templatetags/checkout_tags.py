"""The order page's radio choices: ``{% address_choices form %}`` (Ship to) and
``{% payment_choices form %}`` (Way of payment), each option's box around the radio input
the form made (``CheckoutForm.address_radios`` / ``payment_radios``).

Written in the template language an option cost ~600 Python calls (a ``{% with %}``, a
dozen conditions and lookups, a ``join`` of the address lines). Here an option is one
f-string whose values are escaped with ``html.escape`` (what Django's ``escape`` calls) and
whose words are translated once per render. The markup and words are the template's (less
the indentation inside an option); tests/shop/test_checkout_choices.py holds each option
equal to the template-language version.
"""

from html import escape

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from accounts.models import postal_address_lines
from core.labels import kept_whole
from shop.order_forms import CheckoutForm

register = template.Library()


@register.simple_tag
def address_choices(form: CheckoutForm) -> SafeString:
    """Each address as a radio box: the name in bold, "Last used" on the one used last,
    the address on one line; then "Ship to a new address". Without a saved address there
    is nothing to choose: the new address is asked for, with no lone radio button."""
    if not form.addresses:
        (radio,) = form.address_radios
        return mark_safe(  # noqa: S308 (the label and value are escaped)
            f'<input type="hidden" name="{escape(form["address"].html_name)}" '
            f'value="{escape(radio.value)}">'
            f'<p class="small text-muted mb-0">{escape(str(radio.choice_label.label))}</p>\n'
        )
    last_used = escape(gettext("Last used"))
    out = []
    for radio in form.address_radios:
        option = radio.choice_label
        label_for = escape(radio.id_for_label)
        address = option.address
        if address:
            badge = (
                f' <span class="badge text-bg-light border ms-1">{last_used}</span>'
                if option.last_used
                else ""
            )
            lines = ", ".join(escape(line) for line in postal_address_lines(address))
            text = f"<strong>{escape(address.full_name)}</strong>{badge}<br> {lines}"
            bold = ""
        else:
            text = escape(str(option.label))
            bold = " fw-semibold"
        out.append(
            '<div class="form-check border rounded p-2 ps-5 bg-white">'
            f'{radio.tag} <label class="form-check-label small{bold}" for="{label_for}"> '
            f"{text} </label></div>\n"
        )
    return mark_safe("".join(out))  # noqa: S308 (every value that goes in is escaped above)


def _wallet_cards_url() -> str:
    try:
        return reverse("wallet:card-list")
    except NoReverseMatch:
        return "/wallet/"


@register.simple_tag
def payment_choices(form: CheckoutForm) -> SafeString:
    """Each saved card as a radio box (badge, "Visa •••• 4242, expires 12/28" with the card
    kept on one line, Expired or Expires soon, Default; an expired one disabled, with how
    to update it), then "Other payment methods" with its hint."""
    expired = escape(gettext("Expired"))
    expires_soon = escape(gettext("Expires soon"))
    default = escape(gettext("Default"))
    update = gettext('<a href="%(url)s">Update it in your wallet</a> to use it again.')
    out = []
    for radio in form.payment_radios:
        option = radio.choice_label
        label_for = escape(radio.id_for_label)
        card = option.card
        if option.disabled:
            label_class = " text-muted"
        elif not card:
            label_class = " fw-semibold"
        else:
            label_class = ""
        if card:
            text = (
                f'<span class="bz-card-badge {escape(card.brand)} me-2" aria-hidden="true">'
                f"{escape(option.badge)}</span><span>{kept_whole(escape(str(option.label)))}</span>"
            )
            if option.disabled:
                text += f' <span class="badge text-bg-danger">{expired}</span>'
            elif card.expires_soon:
                text += f' <span class="badge text-bg-warning">{expires_soon}</span>'
            if card.is_default:
                text += f'<span class="badge text-bg-light border">{default}</span>'
        else:
            text = escape(str(option.label))
        if option.disabled:
            # The sentence carries its link's markup (as {% blocktranslate %} gives it).
            again = update % {"url": escape(_wallet_cards_url())}
            hint = (
                f'<div class="small text-danger" id="{label_for}-hint">'
                f"{escape(option.hint)} {again}</div>"
            )
        elif option.hint:
            hint = (
                f'<div class="small text-muted" id="{label_for}-hint">{escape(option.hint)}</div>'
            )
        else:
            hint = ""
        background = "bg-light" if option.disabled else "bg-white"
        out.append(
            f'<div class="form-check border rounded p-2 ps-5 {background}">{radio.tag} '
            '<label class="form-check-label d-flex flex-wrap align-items-center gap-1'
            f'{label_class}" for="{label_for}"> {text} </label>{hint}</div>\n'
        )
    return mark_safe("".join(out))  # noqa: S308 (every value that goes in is escaped above)
