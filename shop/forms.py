"""Shop forms. Quantities are validated here (a whole number in range) and against stock
by the cart services."""

from django import forms
from django.utils.translation import gettext, gettext_lazy

from shop.services import MAX_LINE_QUANTITY


def quantity_max(stock: int) -> int:
    """The quantity box's ``max``: a browser-side hint only (the service checks stock
    again), at least 1 and never over one line's limit."""
    return max(1, min(stock, MAX_LINE_QUANTITY))


class QuantityForm(forms.Form):
    """The quantity box on the product page and on each cart line."""

    quantity = forms.IntegerField(
        label=gettext_lazy("Quantity"),
        min_value=1,
        max_value=MAX_LINE_QUANTITY,
        initial=1,
        error_messages={
            "required": gettext_lazy("Enter a quantity."),
            "invalid": gettext_lazy("Enter a whole number as the quantity."),
            "min_value": gettext_lazy("The quantity must be at least 1."),
            "max_value": gettext_lazy("You can order at most %(limit_value)s of one product."),
        },
        widget=forms.NumberInput(
            attrs={"autocomplete": "off", "inputmode": "numeric", "class": "bz-qty-input"}
        ),
    )

    def __init__(self, *args, max_quantity: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if max_quantity is not None:
            self.fields["quantity"].widget.attrs["max"] = quantity_max(max_quantity)

    def first_error(self) -> str:
        for errors in self.errors.values():
            return str(errors[0])
        return gettext("Enter a valid quantity.")
