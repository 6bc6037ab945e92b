"""Card forms. Every form that takes a card uses ``CardForm`` (or inherits from it).

The card number and CVC inputs never write a value back into the page, so a form shown
again with errors asks for them afresh instead of echoing them into the HTML. Views that
receive these forms should be decorated with
``@method_decorator(sensitive_post_parameters("number", "cvc"), name="dispatch")`` so
Django's error reports hide them too (prefix the names if the form has a prefix).
"""

from __future__ import annotations

from captcha.fields import CaptchaField, CaptchaTextInput
from django import forms
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext, gettext_lazy

from core.card_guard import CARD_NUMBER_CODE, CardNumberNotEchoedMixin
from wallet import card_numbers
from wallet.card_numbers import CardData


class SensitiveTextInput(forms.TextInput):
    """A text input that never renders its value (like ``PasswordInput(render_value=False)``
    but shown as text, so the shopper can check the digits while typing)."""

    def format_value(self, value):
        return None


class ExpiryField(forms.CharField):
    """One "MM/YY" box (``autocomplete="cc-exp"``); cleans to ``(month, four_digit_year)``."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", gettext_lazy("Expiry (MM/YY)"))
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={
                    "autocomplete": "cc-exp",
                    "inputmode": "numeric",
                    "placeholder": gettext_lazy("MM/YY"),
                    "maxlength": "7",
                }
            ),
        )
        kwargs.setdefault("error_messages", {"required": card_numbers.MESSAGES["expiry_required"]})
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, tuple | list) and len(value) == 2:
            return card_numbers.format_expiry(int(value[0]), int(value[1]))
        return value

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        return card_numbers.parse_expiry(value)


class CardForm(CardNumberNotEchoedMixin, forms.Form):
    """Number, name on card, expiry (MM/YY) and CVC, checked by the rules in wallet.card_numbers.

    Usage::

        form = CardForm(request.POST)
        if form.is_valid():
            card_data = form.card_data  # a CardData; pass it to a service, never store it

    Errors carry the codes from ``wallet.card_numbers.MESSAGES`` (e.g.
    ``form.has_error("number", "invalid_number")``). Subclass or combine it with other
    forms (``class AddCardForm(CardForm, AddressForm)``) to add fields.
    """

    number = forms.CharField(
        label=gettext_lazy("Card number"),
        widget=SensitiveTextInput(
            attrs={
                "autocomplete": "cc-number",
                "inputmode": "numeric",
                "autocorrect": "off",
                "spellcheck": "false",
                "maxlength": "23",
            }
        ),
        error_messages={"required": card_numbers.MESSAGES["number_required"]},
    )
    name = forms.CharField(
        label=gettext_lazy("Name on card"),
        widget=forms.TextInput(
            attrs={"autocomplete": "cc-name", "maxlength": str(card_numbers.NAME_MAX_LENGTH)}
        ),
        error_messages={"required": card_numbers.MESSAGES["name_required"]},
    )
    expiry = ExpiryField()
    card_number_codes = frozenset({CARD_NUMBER_CODE, "name_has_number"})
    cvc = forms.CharField(
        label=gettext_lazy("CVC"),
        widget=SensitiveTextInput(
            attrs={
                "autocomplete": "cc-csc",
                "inputmode": "numeric",
                "maxlength": "4",
                "autocorrect": "off",
                "spellcheck": "false",
            }
        ),
        error_messages={"required": card_numbers.MESSAGES["cvc_required"]},
        help_text=gettext_lazy("3 digits on the back (American Express: 4, on the front)."),
    )

    def clean_number(self) -> str:
        digits, brand = card_numbers.validate_number(self.cleaned_data["number"])
        self.brand = brand
        return digits

    def clean_name(self) -> str:
        return card_numbers.validate_name(self.cleaned_data["name"])

    def clean_cvc(self) -> str:
        return card_numbers.validate_cvc(self.cleaned_data["cvc"])

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("number") and cleaned.get("cvc"):
            try:
                card_numbers.validate_cvc(cleaned["cvc"], getattr(self, "brand", None))
            except ValidationError as exc:
                self.add_error("cvc", exc)
        return cleaned

    @property
    def secrets_typed(self) -> bool:
        """Whether a card number or CVC was sent: the form shown again says it never shows
        them back (they must be typed again); an empty form sent has nothing to say so of."""
        return self.is_bound and any(
            str(self.data.get(self.add_prefix(name), "")).strip() for name in ("number", "cvc")
        )

    @property
    def card_data(self) -> CardData:
        """The cleaned card as ``CardData``; only after ``is_valid()`` returned True."""
        if not self.is_bound or self.errors:
            raise ValueError("card_data needs a valid form.")
        month, year = self.cleaned_data["expiry"]
        return CardData(
            number=self.cleaned_data["number"],
            exp_month=month,
            exp_year=year,
            cvc=self.cleaned_data["cvc"],
            name=self.cleaned_data["name"],
        )


class CardEditForm(CardNumberNotEchoedMixin, forms.Form):
    """What a saved card lets you change: name on card and expiry (a reissued card).
    Pair it with ``accounts.forms.AddressForm`` for the payment address."""

    name = CardForm.base_fields["name"]
    expiry = ExpiryField()
    card_number_codes = CardForm.card_number_codes

    def __init__(self, *args, card=None, **kwargs):
        if card is not None:
            kwargs.setdefault(
                "initial",
                {"name": card.name_on_card, "expiry": (card.exp_month, card.exp_year)},
            )
        super().__init__(*args, **kwargs)

    def clean_name(self) -> str:
        return card_numbers.validate_name(self.cleaned_data["name"])


# ------------------------------------------------------------------ wallet pages


class WalletCaptchaInput(CaptchaTextInput):
    """The CAPTCHA image with a described alt text, then the answer box."""

    template_name = "wallet/_captcha_widget.html"


class WalletCaptchaField(CaptchaField):
    """django-simple-captcha's field, with its refusal coded ``invalid`` like Django's."""

    def clean(self, value):
        try:
            return super().clean(value)
        except ValidationError as exc:
            if getattr(exc, "code", None):
                raise
            raise ValidationError(exc.messages[0], code="invalid") from exc


class CaptchaForm(forms.Form):
    """A CAPTCHA made and checked locally (django-simple-captcha): creating the wallet, and
    the next card attempt after several declines (``CardCaptchaForm``)."""

    captcha = WalletCaptchaField(
        label=gettext_lazy("Type the characters in the picture"),
        widget=WalletCaptchaInput(attrs={"class": "form-control", "maxlength": "20"}),
        error_messages={
            "invalid": gettext_lazy(
                "Those characters don't match the picture. Try the new picture."
            ),
            "required": gettext_lazy("Type the characters you see in the picture."),
        },
    )

    def full_clean(self):
        super().full_clean()
        if "captcha" in self.errors:
            # Red box, and the error read out with the field (the template's #captcha_error).
            self.fields["captcha"].widget.attrs.update(
                {"class": "form-control is-invalid", "aria-describedby": "captcha_error"}
            )


class WalletCreateForm(CaptchaForm):
    """Creating the wallet: the CAPTCHA, then a confirmation letter."""


class CardCaptchaForm(CaptchaForm):
    """The CAPTCHA asked before the next card after several declines in an hour (see
    ``wallet.services.card_attempts``). Rendered next to a card form, so it is prefixed."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "human")
        super().__init__(*args, **kwargs)


class ConfirmPasswordForm(forms.Form):
    """The signed-in shopper's password again, checked through ``authenticate`` so failed
    tries count towards the login lockout (django-axes) like on the login page."""

    password = forms.CharField(
        label=gettext_lazy("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
        error_messages={"required": gettext_lazy("Enter your password.")},
    )

    def __init__(self, *args, request, **kwargs):
        self.request = request
        super().__init__(*args, **kwargs)

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        user = self.request.user
        checked = authenticate(self.request, username=user.email, password=password)
        if checked is None or checked.pk != user.pk:
            raise ValidationError(
                gettext("That password isn't right. Try again."), code="wrong_password"
            )
        return password


class AddressMode(models.TextChoices):
    SAVED = "saved", gettext_lazy("Use the saved address")
    NEW = "new", gettext_lazy("Use another address")


class CardAddForm(CardForm):
    """A new card for the wallet: the card fields, "Make this my default card", and which
    payment address to use (the saved one, or another typed into an ``AddressForm``)."""

    make_default = forms.BooleanField(
        label=gettext_lazy("Make this my default card"), required=False
    )
    address_mode = forms.ChoiceField(
        choices=AddressMode.choices, initial=AddressMode.SAVED, widget=forms.HiddenInput
    )
