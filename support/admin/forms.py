"""Forms for the staff actions in the admin, rendered from their own fields on each action's
page. Reasons are stored (and a refund's is shown to the customer), so a card number pasted
into one is refused before it gets anywhere."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

from core.card_guard import contains_card_number
from core.money import format_money

REASON_MAX_LENGTH = 255
TOKEN_MAX_LENGTH = 64


class ReasonForm(forms.Form):
    """An action that must say why (cancel, disable a card): the reason goes into the audit
    log."""

    reason_required = True
    reason_label = "Reason"

    reason = forms.CharField(
        label="Reason",
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        error_messages={"required": "Give a reason: it goes into the audit log."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = self.reason_required
        self.fields["reason"].label = self.reason_label

    def clean_reason(self) -> str:
        reason = " ".join(self.cleaned_data["reason"].split())
        if self.reason_required and not reason:
            raise ValidationError(self.fields["reason"].error_messages["required"], code="required")
        if contains_card_number(reason):
            # Don't echo the number back into the re-rendered form.
            self.data = self.data.copy()
            self.data[self.add_prefix("reason")] = ""
            raise ValidationError("Don't put card numbers in the reason.", code="card_number")
        return reason


class OptionalReasonForm(ReasonForm):
    """For routine actions (shipped, delivered, transfer received, retry refund): a note is
    welcome, not needed."""

    reason_required = False
    reason_label = "Note (optional)"


class RefundForm(ReasonForm):
    """Refund all or part of what is left. ``token`` is a one-time key made when the form is
    shown: sending the same form twice refunds once (``shop.exceptions.ActionAlreadyDone``)."""

    amount = forms.DecimalField(
        label="Amount",
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        error_messages={
            "required": "Enter the amount to refund.",
            "invalid": "Enter an amount like 12.50.",
        },
    )
    token = forms.CharField(widget=forms.HiddenInput, required=False, strip=True)
    field_order = ["amount", "reason", "token"]

    def __init__(self, *args, refundable: Decimal | None = None, currency: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.refundable = refundable
        self.currency = currency
        amount = self.fields["amount"]
        if currency:
            amount.label = f"Amount ({currency})"
        if refundable is not None:
            left = format_money(refundable, currency)
            amount.help_text = f"Up to {left}: the full remainder or part of it."
            amount.widget.attrs["max"] = str(refundable)
        self.fields["token"].initial = uuid.uuid4().hex

    def clean_amount(self) -> Decimal:
        """A friendly early check; the wallet re-checks under the payment's row lock."""
        amount = self.cleaned_data["amount"]
        if self.refundable is not None and amount > self.refundable:
            raise ValidationError(
                "%(amount)s is more than is left to refund (%(left)s); nothing was refunded.",
                code="exceeds_refundable",
                params={
                    "amount": format_money(amount, self.currency),
                    "left": format_money(self.refundable, self.currency),
                },
            )
        return amount

    def clean_token(self) -> str:
        return self.cleaned_data["token"][:TOKEN_MAX_LENGTH]

    def renew_token(self) -> None:
        """Give a bound form shown again a fresh token: its next submit is a new request."""
        if self.is_bound:
            self.data = self.data.copy()
            self.data[self.add_prefix("token")] = uuid.uuid4().hex


class ConfirmForm(forms.Form):
    """An action with nothing to type (Check with processor): the page says what it does,
    the button does it."""
