"""Forms for sign-up, login, passwords and the address book.

`AddressForm` is shared: checkout and the wallet's payment address reuse it, each with its
own `prefix`. Every field carries its HTML `autocomplete` token and a visible label.
"""

import html

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import password_validation
from django.forms.utils import flatatt
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, gettext_lazy, ngettext

from accounts.countries import DEFAULT_COUNTRY, country_choices
from accounts.models import Address, PostalAddress, User, email_normalize
from core.card_guard import CardNumberNotEchoedMixin
from core.letters import letter_enqueue
from core.text import one_line


def _fields_only_helper(layout: Layout | None = None, *, own_errors: bool = False) -> FormHelper:
    """A crispy helper that renders fields only: the template owns <form> and the button.

    With own_errors the page shows non-field errors itself (accounts/_form_errors.html).
    """
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    helper.form_show_errors = not own_errors
    # Labels read exactly as written (no asterisk); optional fields are marked instead.
    helper.field_template = "accounts/crispy_field.html"
    if layout is not None:
        helper.layout = layout
    return helper


def password_help_text() -> str:
    """One short line instead of Django's bullet list, built from the configured validators."""
    min_length = next(
        (
            validator.min_length
            for validator in password_validation.get_default_password_validators()
            if hasattr(validator, "min_length")
        ),
        None,
    )
    rest = gettext("Avoid common words, all-digit passwords and anything like your email.")
    if not min_length:
        return rest
    first = ngettext(
        "At least %(count)d character.", "At least %(count)d characters.", min_length
    ) % {"count": min_length}
    return f"{first} {rest}"


def _email_field(**kwargs) -> forms.EmailField:
    return forms.EmailField(
        label=gettext_lazy("Email"),
        max_length=254,
        widget=forms.EmailInput(
            attrs={"autocomplete": "email", "autocapitalize": "none", "spellcheck": "false"}
        ),
        **kwargs,
    )


class SignUpForm(auth_forms.SetPasswordMixin, forms.Form):
    """Email + password + confirmation. A taken email is not an error here (see clean_email)."""

    error_messages = {
        "password_mismatch": gettext_lazy("The two passwords don't match."),
    }

    email = _email_field()
    password1, password2 = auth_forms.SetPasswordMixin.create_password_fields(
        label1=gettext_lazy("Password"), label2=gettext_lazy("Confirm password")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.attrs["autofocus"] = True
        self.fields["password1"].help_text = password_help_text()
        self.fields["password2"].help_text = gettext("Type the same password again.")
        self.helper = _fields_only_helper(own_errors=True)

    def clean_email(self) -> str:
        # Whether the email already has an account is not checked here: the page must not
        # say so (account enumeration). accounts.services.user_sign_up handles a taken one.
        return email_normalize(self.cleaned_data["email"])

    def clean(self):
        cleaned = super().clean()
        self.validate_passwords()
        # Validators such as "too similar to the email" need a user to compare against.
        # Strength problems belong next to the password itself, a mismatch next to the copy.
        self.validate_password_for_user(User(email=cleaned.get("email") or ""), "password1")
        return cleaned


class LoginForm(auth_forms.AuthenticationForm):
    """Django's login form (it passes `request` to authenticate, which django-axes needs),
    labelled for an email login."""

    error_messages = {
        **auth_forms.AuthenticationForm.error_messages,
        "invalid_login": gettext_lazy(
            "That email and password don't match an account. Please try again."
        ),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        username = self.fields["username"]
        username.label = gettext("Email")
        username.widget.input_type = "email"
        username.widget.attrs.update(
            {"autocomplete": "email", "autocapitalize": "none", "spellcheck": "false"}
        )
        self.fields["password"].label = gettext("Password")
        self.helper = _fields_only_helper(own_errors=True)


class _StrengthErrorsOnNewPasswordMixin:
    """Show "too short / too common" under the new password, not under its confirmation."""

    def validate_password_for_user(self, user, *args, **kwargs):
        super().validate_password_for_user(user, "new_password1")


class PasswordChangeForm(_StrengthErrorsOnNewPasswordMixin, auth_forms.PasswordChangeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = gettext("Current password")
        self.fields["new_password1"].label = gettext("New password")
        self.fields["new_password1"].help_text = password_help_text()
        self.fields["new_password2"].label = gettext("Confirm new password")
        self.fields["new_password2"].help_text = gettext("Type the same password again.")
        self.helper = _fields_only_helper(own_errors=True)


class PasswordResetForm(auth_forms.PasswordResetForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.attrs.update({"autofocus": True, "autocapitalize": "none"})
        self.helper = _fields_only_helper(own_errors=True)

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        """Rendered as Django renders it, then written to the outbox (``core.letters``)
        instead of sent here: a worker sends it, retrying a failing mail server."""
        # The letter goes out in the account's language, whatever the page was shown in.
        with translation.override(context["user"].language):
            subject = "".join(render_to_string(subject_template_name, context).splitlines())
            body = render_to_string(email_template_name, context)
            html = ""
            if html_email_template_name is not None:
                html = render_to_string(html_email_template_name, context)
        letter_enqueue(to=to_email, subject=subject, body=body, html_body=html)


class SetPasswordForm(_StrengthErrorsOnNewPasswordMixin, auth_forms.SetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = gettext("New password")
        self.fields["new_password1"].help_text = password_help_text()
        self.fields["new_password2"].label = gettext("Confirm new password")
        self.fields["new_password2"].help_text = gettext("Type the same password again.")
        self.helper = _fields_only_helper(own_errors=True)


# ---------------------------------------------------------------------------- addresses


class LongSelect(forms.Select):
    """A single-choice select that renders its options in Python.

    Django renders each option through its own template include; for the ~250 countries
    that was most of the time of every page carrying an address form (about 11 ms). The
    markup is the same as ``forms.Select``'s for flat choices.
    """

    def render(self, name, value, attrs=None, renderer=None):
        selected = "" if value is None else str(value)
        # One f-string an option, its values escaped as format_html escapes them (~75
        # calls an option through format_html_join; the country list is ~250 options).
        options = "".join(
            f'<option value="{_escaped(key)}"{" selected" if str(key) == selected else ""}>'
            f"{_escaped(label)}</option>"
            for key, label in self.choices
        )
        final_attrs = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        return format_html("<select{}>{}</select>", flatatt(final_attrs), mark_safe(options))  # noqa: S308 (escaped above)


def _escaped(value) -> str:
    """``conditional_escape``: markup already marked safe stays, anything else escaped."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


class AddressForm(CardNumberNotEchoedMixin, forms.ModelForm):
    """A postal address. Reusable anywhere an address is typed in.

    Use it with a `prefix` when it shares a page with other forms, e.g.
    `AddressForm(data=request.POST or None, prefix="shipping")`, render it with
    `{% crispy form %}` inside your own <form> (the helper renders fields only), and pass
    `form.cleaned_data` (exactly PostalAddress.FIELDS) to a service such as
    `accounts.services.address_create(user=..., **form.cleaned_data)`.
    """

    country = forms.ChoiceField(
        label=gettext_lazy("Country"),
        choices=country_choices,
        initial=DEFAULT_COUNTRY,
        widget=LongSelect(attrs={"autocomplete": "country"}),
    )

    class Meta:
        model = Address
        fields = PostalAddress.FIELDS
        labels = {
            "full_name": gettext_lazy("Full name"),
            "line1": gettext_lazy("Address line 1"),
            "line2": gettext_lazy("Address line 2"),
            "city": gettext_lazy("City"),
            "region": gettext_lazy("State / region"),
            "postal_code": gettext_lazy("ZIP / postal code"),
            "phone": gettext_lazy("Phone"),
        }
        help_texts = {
            "phone": gettext_lazy("Only used if the courier needs to reach you."),
        }
        # What to type, not Django's "This field is required.".
        error_messages = {
            "full_name": {"required": gettext_lazy("Enter the name of the person it goes to.")},
            "line1": {"required": gettext_lazy("Enter the street address.")},
            "city": {"required": gettext_lazy("Enter the city.")},
            "postal_code": {"required": gettext_lazy("Enter the ZIP or postal code.")},
        }
        widgets = {
            "full_name": forms.TextInput(attrs={"autocomplete": "name"}),
            "line1": forms.TextInput(
                attrs={
                    "autocomplete": "address-line1",
                    "placeholder": gettext_lazy("Street address, P.O. box"),
                }
            ),
            "line2": forms.TextInput(
                attrs={
                    "autocomplete": "address-line2",
                    "placeholder": gettext_lazy("Apartment, suite, floor"),
                }
            ),
            "city": forms.TextInput(attrs={"autocomplete": "address-level2"}),
            "region": forms.TextInput(attrs={"autocomplete": "address-level1"}),
            "postal_code": forms.TextInput(
                attrs={"autocomplete": "postal-code", "autocapitalize": "characters"}
            ),
            "phone": forms.TextInput(
                attrs={"autocomplete": "tel", "type": "tel", "inputmode": "tel"}
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _fields_only_helper(
            Layout(
                "full_name",
                "line1",
                "line2",
                Row(
                    Column("city", css_class="col-md-6"),
                    Column("region", css_class="col-md-6"),
                ),
                Row(
                    Column("postal_code", css_class="col-md-4"),
                    Column("country", css_class="col-md-8"),
                ),
                Row(Column("phone", css_class="col-md-6")),
            )
        )

    def clean_postal_code(self) -> str:
        return one_line(self.cleaned_data["postal_code"]).upper()

    def clean_phone(self) -> str:
        return one_line(self.cleaned_data["phone"])
