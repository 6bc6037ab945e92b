"""Checkout and payment forms. The choices are built from the shopper's own addresses and
cards, so a tampered id (another user's card or address, a removed or expired card) is
simply not a valid choice.

Their radio choices carry an ``Option`` as the label, so the templates loop over the
form's own radios (``form.payment_radios``, ``form.method_radios``: see ``radios``) and
draw each option's card badge, address or hint from it, instead of repeating the choices
by hand.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING

from django import forms
from django.utils.functional import cached_property
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, gettext_lazy

from accounts.forms import AddressForm
from shop.selectors import CardChoice

if TYPE_CHECKING:
    from accounts.models import Address
    from wallet.models import Card

NEW_ADDRESS = "new"
OTHER_PAYMENT = "other"
NEW_CARD = "new"
BANK_TRANSFER = "bank_transfer"
# ?way=other on the payment page: reached through "Other payment methods".
OTHER_WAY = "other"


def new_token() -> str:
    """A one-time token for a form that charges: its resubmission reuses the same key."""
    return uuid.uuid4().hex


@dataclass(frozen=True)
class Option:
    """One radio choice as its template draws it: ``card`` (with its ``badge``) or
    ``address`` when it is one, a ``hint`` under it, ``disabled`` (shown, not choosable:
    an expired card)."""

    label: str
    card: Card | None = None
    badge: str = ""
    address: Address | None = None
    hint: str = ""
    disabled: bool = False
    last_used: bool = False

    def __str__(self) -> str:
        return self.label


@dataclass(frozen=True)
class Radio:
    """One radio button of a form's field, drawn like Django's ``BoundWidget`` (``tag``,
    ``id_for_label``, ``choice_label``) but with its ``<input>`` made in Python."""

    tag: SafeString
    id_for_label: str
    choice_label: Option | str
    value: str = ""


def radios(bound_field: forms.BoundField) -> list[Radio]:
    """``bound_field``'s radio buttons with the attributes its widget gives each option
    (required, checked, disabled, aria-describedby, aria-invalid): the inputs Django's
    radio templates draw, each option made by the widget's own ``create_option`` from the
    field's attributes (``build_widget_attrs``), and its ``<input>`` written as ``flatatt``
    writes it. Django's ``subwidgets`` spent ~150 calls an option getting there (a
    generator of option groups, ``format_html`` of every attribute);
    tests/shop/test_checkout_choices.py holds each input equal to Django's."""
    widget = bound_field.field.widget
    id_ = widget.attrs.get("id") or bound_field.auto_id
    attrs = bound_field.build_widget_attrs({"id": id_} if id_ else {})
    name = bound_field.html_name
    values = widget.format_value(bound_field.value())
    input_type = escape(widget.input_type)
    found = []
    has_selected = False
    for index, (value, label) in enumerate(widget.choices):
        if value is None:
            value = ""
        if isinstance(label, (list, tuple)):  # option groups: none in these forms
            raise ValueError(f"{name}: radios() draws no option groups")
        selected = not has_selected and str(value) in values
        has_selected |= selected
        option = widget.create_option(name, value, label, selected, index, attrs=attrs)
        found.append(
            Radio(
                tag=mark_safe(  # noqa: S308 (every value that goes in is escaped)
                    f'<input type="{input_type}" name="{escape(option["name"])}" '
                    f'value="{escape(str(option["value"]))}"{_attributes(option["attrs"])}>'
                ),
                id_for_label=option["attrs"].get("id"),
                choice_label=label,
                value=str(option["value"]),
            )
        )
    return found


def _attributes(attrs: dict) -> str:
    """``django.forms.utils.flatatt``: ``key="value"`` pairs sorted, then the true
    booleans sorted; false booleans and None left out; every key and value escaped."""
    pairs, flags = [], []
    for key, value in attrs.items():
        if isinstance(value, bool):
            if value:
                flags.append(key)
        elif value is not None:
            pairs.append((key, value))
    pairs.sort()
    flags.sort()
    return "".join(f' {escape(str(k))}="{escape(str(v))}"' for k, v in pairs) + "".join(
        f" {escape(str(k))}" for k in flags
    )


class OptionRadioSelect(forms.RadioSelect):
    """Radio buttons over ``Option`` labels: a disabled option's input is disabled, and an
    option with a hint is described by it (``<id>-hint``)."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if isinstance(label, Option):
            if label.disabled:
                option["attrs"]["disabled"] = True
                option["selected"] = False
                option["attrs"].pop("checked", None)
            if label.disabled or label.hint:
                option["attrs"]["aria-describedby"] = f"{option['attrs']['id']}-hint"
        return option


def _radio(label: str, messages: dict[str, str]) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        widget=OptionRadioSelect(attrs={"class": "form-check-input"}),
        error_messages=messages,
    )


def _card_option(choice: CardChoice) -> Option:
    return Option(
        label=choice.label,
        card=choice.card,
        badge=choice.badge,
        disabled=choice.is_expired,
        hint=gettext("This card has expired.") if choice.is_expired else "",
    )


class _TokenMixin(forms.Form):
    token = forms.RegexField(
        regex=r"^[0-9a-f]{32}$",
        widget=forms.HiddenInput,
        error_messages={
            "required": gettext_lazy("This page is out of date. Please try again."),
            "invalid": gettext_lazy("This page is out of date. Please try again."),
        },
    )


class CheckoutForm(_TokenMixin):
    """The order page: where to ship, how to pay, and what the page showed. Without saved
    cards the way of payment is a hidden "other" (the card comes on the next page)."""

    address = _radio(
        gettext_lazy("Ship to"),
        {
            "required": gettext_lazy("Choose where to ship the order."),
            "invalid_choice": gettext_lazy("Choose where to ship the order."),
        },
    )
    payment = _radio(
        gettext_lazy("Way of payment"),
        {
            "required": gettext_lazy("Choose a way of payment."),
            "invalid_choice": gettext_lazy("Choose a way of payment."),
        },
    )
    # What the page showed; a form without it (tampered or from an old page) is refused
    # rather than ordering whatever the cart holds now.
    lines = forms.CharField(
        widget=forms.HiddenInput,
        max_length=2000,
        error_messages={
            "required": gettext_lazy("This page is out of date. Please try again."),
            "max_length": gettext_lazy("This page is out of date. Please try again."),
        },
    )

    def __init__(self, *args, addresses=(), cards: list[CardChoice] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.addresses = {str(a.pk): a for a in addresses}
        # The address book comes most recently used first: its head, if it was ever used,
        # is where the shopper's last order went.
        first = next(iter(self.addresses.values()), None)
        self.last_used_address = first if first is not None and first.last_used_at else None
        self.card_choices = list(cards)
        self.cards = {c.value: c for c in cards if not c.is_expired}
        self.fields["address"].choices = [
            *(
                (pk, Option(label=str(a), address=a, last_used=a is self.last_used_address))
                for pk, a in self.addresses.items()
            ),
            (
                NEW_ADDRESS,
                Option(
                    label=gettext("Ship to a new address")
                    if addresses
                    else gettext("Enter the shipping address")
                ),
            ),
        ]
        self.fields["payment"].choices = [
            *((c.value, _card_option(c)) for c in cards),
            (
                OTHER_PAYMENT,
                Option(
                    label=gettext("Other payment methods"),
                    hint=gettext("Another card or a bank transfer, on the next page."),
                ),
            ),
        ]
        if not self.card_choices:
            self.fields["payment"].widget = forms.HiddenInput()

    @cached_property
    def address_form(self) -> AddressForm:
        """The new shipping address, made when it is asked for (the page draws it only
        for "Ship to a new address")."""
        return AddressForm(
            data=self.data if self.is_bound and self.data.get("address") == NEW_ADDRESS else None,
            prefix="shipping",
        )

    @property
    def address_radios(self) -> list[Radio]:
        return radios(self["address"])

    @property
    def payment_radios(self) -> list[Radio]:
        return radios(self["payment"])

    def clean_payment(self) -> str:
        value = self.cleaned_data["payment"]
        if value != OTHER_PAYMENT and value not in self.cards:  # an expired card
            raise forms.ValidationError(
                self.fields["payment"].error_messages["invalid_choice"], code="invalid_choice"
            )
        return value

    def is_valid(self) -> bool:
        valid = super().is_valid()
        if self.cleaned_data.get("address") == NEW_ADDRESS:
            valid = self.address_form.is_valid() and valid
        return valid

    @property
    def chosen_address(self):
        return self.addresses.get(self.cleaned_data["address"])

    @property
    def chosen_address_last_used(self) -> bool:
        """The chosen address is the one the shopper's last order went to, as this page
        read the address book."""
        chosen = self.chosen_address
        return chosen is not None and chosen is self.last_used_address

    @property
    def new_address(self) -> dict | None:
        if self.cleaned_data["address"] != NEW_ADDRESS:
            return None
        return self.address_form.cleaned_data

    @property
    def chosen_card(self):
        choice = self.cards.get(self.cleaned_data["payment"])
        return choice.card if choice else None


class PaymentMethodForm(_TokenMixin):
    """The payment page's choice: a saved card, a new card (``CardForm`` alongside) or a
    bank transfer; and whether to save the new card."""

    method = _radio(
        gettext_lazy("How would you like to pay?"),
        {
            "required": gettext_lazy("Choose how to pay."),
            "invalid_choice": gettext_lazy("Choose how to pay."),
        },
    )
    save_card = forms.BooleanField(
        label=gettext_lazy("Save card"),
        required=False,
        initial=False,
        help_text=gettext_lazy(
            "Keep it in your wallet for faster checkout next time. Its payment address "
            "will be this order's shipping address."
        ),
        widget=forms.CheckboxInput(
            attrs={"class": "form-check-input", "aria-describedby": "id_save_card_helptext"}
        ),
    )

    def __init__(self, *args, cards: list[CardChoice] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.cards = {c.value: c for c in cards if not c.is_expired}
        self.fields["method"].choices = [
            *((c.value, _card_option(c)) for c in cards),
            (NEW_CARD, Option(label=gettext("A new card") if self.cards else gettext("Card"))),
            (
                BANK_TRANSFER,
                Option(
                    label=gettext("Bank transfer"),
                    hint=gettext(
                        "We'll show you our bank details and a reference. The order ships "
                        "once the money arrives (we keep it for you for up to a week)."
                    ),
                ),
            ),
        ]

    @property
    def method_radios(self) -> list[Radio]:
        return radios(self["method"])

    def clean_method(self) -> str:
        value = self.cleaned_data["method"]
        if value not in (NEW_CARD, BANK_TRANSFER) and value not in self.cards:  # expired
            raise forms.ValidationError(
                self.fields["method"].error_messages["invalid_choice"], code="invalid_choice"
            )
        return value

    @property
    def chosen_card(self):
        choice = self.cards.get(self.cleaned_data.get("method"))
        return choice.card if choice else None
