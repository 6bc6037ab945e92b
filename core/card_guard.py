"""One guard for free text: a card number typed where it doesn't belong is refused.

Every form and service that stores text a person typed (address book and ship-to
addresses, names on orders, cards and accounts, card nicknames, refund reasons, support
notes) runs it through ``reject_card_number`` (or checks ``contains_card_number``), so a
number pasted into the wrong box never reaches the database, a log line or a letter. Forms
that use it also drop the refused value instead of echoing it back
(``CardNumberNotEchoedMixin``).
"""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy

CARD_NUMBER_MESSAGE = gettext_lazy("This looks like a card number; it doesn't belong here.")
CARD_NUMBER_CODE = "card_number"

# Digits, with single spaces or dashes between them (how people type card numbers).
_DIGIT_RUN = re.compile(r"\d(?:[ \-]?\d)+")


def luhn_checksum(digits: str) -> int:
    """The Luhn (mod 10) sum of a digit string; 0 means the string is valid."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char)
        if position % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10


def luhn_valid(digits: str) -> bool:
    return bool(digits) and digits.isdigit() and luhn_checksum(digits) == 0


def contains_card_number(text: str | None) -> bool:
    """True when ``text`` holds a run of 12 to 19 digits (spaces or dashes between them
    allowed) that passes the Luhn check: what every payment card number looks like."""
    for match in _DIGIT_RUN.finditer(text or ""):
        digits = re.sub(r"\D", "", match.group())
        if 12 <= len(digits) <= 19 and luhn_valid(digits):
            return True
    return False


def reject_card_number(value: str | None) -> None:
    """Validator: refuse free text that holds a card number (``code="card_number"``)."""
    if contains_card_number(value):
        raise ValidationError(CARD_NUMBER_MESSAGE, code=CARD_NUMBER_CODE)


class CardNumberNotEchoedMixin(forms.BaseForm):
    """A form that never shows a refused card number back: a field whose value was
    refused as a card number (an error coded in ``card_number_codes``) is re-rendered
    empty."""

    card_number_codes = frozenset({CARD_NUMBER_CODE})

    def full_clean(self) -> None:
        super().full_clean()
        refused = [
            name
            for name, errors in self.errors.as_data().items()
            if any(error.code in self.card_number_codes for error in errors)
        ]
        if refused:
            self.data = self.data.copy()
            for name in refused:
                self.data[self.add_prefix(name)] = ""
