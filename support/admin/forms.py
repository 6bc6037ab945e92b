"""Forms for the staff actions in the admin, rendered from their own fields on each action's
page. Reasons are stored (and a refund's is shown to the customer), so a card number pasted
into one is refused before it gets anywhere."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.card_guard import contains_card_number
from core.money import format_money
from core.text import one_line

REASON_MAX_LENGTH = 255
TOKEN_MAX_LENGTH = 64
# A refund form whose one-time key did not come back whole (an edited page, a stale copy).
_STALE_FORM = gettext_lazy(
    "The form's one-time key is missing or damaged: check the form and send it again."
)


class ReasonForm(forms.Form):
    """An action that must say why (cancel, disable a card): the reason is staff's internal
    note, kept in the audit log. ``with_message`` adds an optional message to the customer
    (shown on their order page) so the two are never confused."""

    reason_required = True
    reason_label = gettext_lazy("Reason")
    reason_help = ""
    with_message = False
    message_label = gettext_lazy("Message to the customer (optional)")
    message_help = gettext_lazy(
        "Shown word for word on the customer's order page. Left empty, they read a plain "
        'line such as "Cancelled.".'
    )

    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        error_messages={"required": gettext_lazy("Give a reason: it goes into the audit log.")},
    )
    message = forms.CharField(
        max_length=REASON_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = self.reason_required
        self.fields["reason"].label = self.reason_label
        self.fields["reason"].help_text = self.reason_help
        if self.with_message:
            self.fields["message"].label = self.message_label
            self.fields["message"].help_text = self.message_help
        else:
            del self.fields["message"]

    def _no_card_number(self, name: str, text: str) -> str:
        if contains_card_number(text):
            # Don't echo the number back into the re-rendered form.
            self.data = self.data.copy()
            self.data[self.add_prefix(name)] = ""
            what = _("reason") if name == "reason" else _("message")
            raise ValidationError(
                _("Don't put card numbers in the %(what)s.") % {"what": what},
                code="card_number",
            )
        return text

    def clean_reason(self) -> str:
        reason = one_line(self.cleaned_data["reason"])
        if self.reason_required and not reason:
            raise ValidationError(self.fields["reason"].error_messages["required"], code="required")
        return self._no_card_number("reason", reason)

    def clean_message(self) -> str:
        return self._no_card_number("message", one_line(self.cleaned_data["message"]))


class CancelForm(ReasonForm):
    """Cancel: a required internal note, and an optional message to the customer."""

    reason_label = gettext_lazy("Internal note")
    reason_help = gettext_lazy(
        "Staff only: why the order is cancelled. Kept in the audit log, never shown to the "
        "customer."
    )
    with_message = True


class OptionalReasonForm(ReasonForm):
    """For routine actions (transfer received, retry refund): a note is welcome, not
    needed."""

    reason_required = False
    reason_label = gettext_lazy("Internal note (optional)")
    reason_help = gettext_lazy("Staff only: kept in the audit log, never shown to the customer.")


class FulfilForm(OptionalReasonForm):
    """Shipped, delivered: an optional internal note and an optional message to the
    customer (a tracking number, say)."""

    with_message = True
    message_help = gettext_lazy(
        "Shown word for word on the customer's order page (a tracking number, say). Left "
        'empty, they read "Shipped." or "Delivered.".'
    )


class RetryRefundForm(OptionalReasonForm):
    """Retry refund: the note, when given, becomes the new refund's reason, which the
    customer reads (else the refused refund's reason is kept)."""

    reason_label = gettext_lazy("Message to the customer (optional)")
    reason_help = gettext_lazy(
        "Shown on the customer's order page as the refund's reason. Left empty, the refused "
        "refund's reason is used."
    )


class RefundForm(ReasonForm):
    """Refund all or part of what is left. ``token`` is a one-time key made when the form is
    shown: sending the same form twice refunds once (``shop.exceptions.ActionAlreadyDone``)."""

    amount = forms.DecimalField(
        label=gettext_lazy("Amount"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        error_messages={
            "required": gettext_lazy("Enter the amount to refund."),
            "invalid": gettext_lazy("Enter an amount like 12.50."),
        },
    )
    token = forms.CharField(
        widget=forms.HiddenInput,
        max_length=TOKEN_MAX_LENGTH,
        validators=[RegexValidator(r"^[A-Za-z0-9_-]+$")],
        error_messages={
            "required": _STALE_FORM,
            "invalid": _STALE_FORM,
            "max_length": _STALE_FORM,
        },
    )
    note = forms.CharField(
        label=gettext_lazy("Internal note (optional)"),
        help_text=gettext_lazy("Staff only: kept in the audit log, never shown to the customer."),
        max_length=REASON_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
    )
    field_order = ["amount", "reason", "note", "token"]
    reason_label = gettext_lazy("Message to the customer")
    reason_help = gettext_lazy(
        "Shown word for word on the customer's order page and in the refund letter, as the "
        "reason for the refund."
    )

    def __init__(self, *args, refundable: Decimal | None = None, currency: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].error_messages["required"] = _(
            "Write the message to the customer: it is the refund's reason on their order page."
        )
        self.refundable = refundable
        self.currency = currency
        amount = self.fields["amount"]
        if currency:
            amount.label = _("Amount (%(currency)s)") % {"currency": currency}
        if refundable is not None:
            left = format_money(refundable, currency)
            amount.help_text = _("Up to %(left)s: the full remainder or part of it.") % {
                "left": left
            }
            amount.widget.attrs["max"] = str(refundable)
        self.fields["token"].initial = uuid.uuid4().hex

    def clean_amount(self) -> Decimal:
        """A friendly early check; the wallet re-checks under the payment's row lock."""
        amount = self.cleaned_data["amount"]
        if self.refundable is not None and amount > self.refundable:
            raise ValidationError(
                _("%(amount)s is more than is left to refund (%(left)s); nothing was refunded."),
                code="exceeds_refundable",
                params={
                    "amount": format_money(amount, self.currency),
                    "left": format_money(self.refundable, self.currency),
                },
            )
        return amount

    def clean_note(self) -> str:
        return self._no_card_number("note", one_line(self.cleaned_data["note"]))

    def renew_token(self) -> None:
        """Give a bound form shown again a fresh token: its next submit is a new request."""
        if self.is_bound:
            self.data = self.data.copy()
            self.data[self.add_prefix("token")] = uuid.uuid4().hex


class ConfirmForm(forms.Form):
    """An action with nothing to type (Check with processor): the page says what it does,
    the button does it."""
