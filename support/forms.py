"""Forms for the staff actions in the admin. Reasons are stored, so a card number pasted
into one is refused before it gets anywhere."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

from core.card_guard import contains_card_number
from core.money import format_money

REASON_MAX_LENGTH = 255


class ReasonForm(forms.Form):
    reason_required = True

    reason = forms.CharField(
        label="Reason",
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        error_messages={"required": "Give a reason: it goes into the audit log."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = self.reason_required

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
    """For routine actions (shipped, delivered, transfer received): a note is welcome."""

    reason_required = False


class RefundForm(ReasonForm):
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
    field_order = ["amount", "reason"]

    def __init__(self, *args, refundable: Decimal | None = None, currency: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.refundable = refundable
        self.currency = currency
        if refundable is not None:
            left = format_money(refundable, currency)
            self.fields["amount"].help_text = f"Up to {left}: the full remainder or part of it."
            self.fields["amount"].widget.attrs["max"] = str(refundable)

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
