"""Checkout and payment forms. The choices are built from the shopper's own addresses and
cards, so a tampered id (another user's card or address, a removed or expired card) is
simply not a valid choice."""

from __future__ import annotations

import uuid

from django import forms

from accounts.forms import AddressForm
from shop.selectors import CardChoice

NEW_ADDRESS = "new"
OTHER_PAYMENT = "other"
NEW_CARD = "new"
BANK_TRANSFER = "bank_transfer"


def new_token() -> str:
    """A one-time token for a form that charges: its resubmission reuses the same key."""
    return uuid.uuid4().hex


class _TokenMixin(forms.Form):
    token = forms.RegexField(
        regex=r"^[0-9a-f]{32}$",
        widget=forms.HiddenInput,
        error_messages={
            "required": "This page is out of date. Please try again.",
            "invalid": "This page is out of date. Please try again.",
        },
    )


class CheckoutForm(_TokenMixin):
    """The order page: where to ship, how to pay, and what the page showed."""

    address = forms.ChoiceField(
        label="Ship to",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose where to ship the order.",
            "invalid_choice": "Choose where to ship the order.",
        },
    )
    payment = forms.ChoiceField(
        label="Way of payment",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose a way of payment.",
            "invalid_choice": "Choose a way of payment.",
        },
    )
    # What the page showed; a form without it (tampered or from an old page) is refused
    # rather than ordering whatever the cart holds now.
    lines = forms.CharField(
        widget=forms.HiddenInput,
        max_length=2000,
        error_messages={
            "required": "This page is out of date. Please try again.",
            "max_length": "This page is out of date. Please try again.",
        },
    )

    def __init__(self, *args, addresses=(), cards: list[CardChoice] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.addresses = {str(a.pk): a for a in addresses}
        self.cards = {c.value: c for c in cards if not c.is_expired}
        self.fields["address"].choices = [
            *((pk, str(a)) for pk, a in self.addresses.items()),
            (NEW_ADDRESS, "A new address"),
        ]
        self.fields["payment"].choices = [
            *((value, c.label) for value, c in self.cards.items()),
            (OTHER_PAYMENT, "Other payment methods"),
        ]
        self.address_form = AddressForm(
            data=self.data if self.is_bound and self.data.get("address") == NEW_ADDRESS else None,
            prefix="shipping",
        )

    def is_valid(self) -> bool:
        valid = super().is_valid()
        if self.cleaned_data.get("address") == NEW_ADDRESS:
            valid = self.address_form.is_valid() and valid
        return valid

    @property
    def chosen_address(self):
        return self.addresses.get(self.cleaned_data["address"])

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

    method = forms.ChoiceField(
        label="How would you like to pay?",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose how to pay.",
            "invalid_choice": "Choose how to pay.",
        },
    )
    save_card = forms.BooleanField(label="Save card", required=False, initial=False)

    def __init__(self, *args, cards: list[CardChoice] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.cards = {c.value: c for c in cards if not c.is_expired}
        self.fields["method"].choices = [
            *((value, c.label) for value, c in self.cards.items()),
            (NEW_CARD, "A new card"),
            (BANK_TRANSFER, "Bank transfer"),
        ]

    @property
    def chosen_card(self):
        choice = self.cards.get(self.cleaned_data.get("method"))
        return choice.card if choice else None
