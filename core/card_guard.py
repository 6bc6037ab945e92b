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

# Digit groups with one separator between them: how people type card numbers ("4242 4242",
# "4242-4242", "4242.4242", "4242/4242", "4242_4242"), and what they type after one (an
# expiry, a CVC).
_DIGIT_RUN = re.compile(r"\d+(?:[\s\-./_]\d+)*")
_DIGIT_GROUP = re.compile(r"\d+")
_SHORTEST, _LONGEST = 12, 19


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


def _branded(digits: str) -> bool:
    """A 15-digit American Express or a 16-digit Visa, Mastercard, Discover, JCB or
    UnionPay number, by its first digits."""
    if len(digits) == 15:
        return digits[:2] in ("34", "37")
    head = int(digits[:4])
    return (
        digits[0] == "4"
        or 5100 <= head <= 5599
        or 2221 <= head <= 2720
        or digits.startswith(("6011", "65", "62"))
        or 6440 <= head <= 6499
        or 3528 <= head <= 3589
    )


def _branded_card(digits: str) -> bool:
    return len(digits) in (15, 16) and _branded(digits) and luhn_valid(digits)


def _holds_branded_card(digits: str) -> bool:
    """``digits`` is a branded card number, or starts or ends with one (a CVC or an expiry
    typed straight after it, a reference before it)."""
    return _branded_card(digits) or any(
        _branded_card(window)
        for size in (15, 16)
        if len(digits) > size
        for window in (digits[:size], digits[-size:])
    )


def contains_card_number(text: str | None) -> bool:
    """True when ``text`` holds a card number: a run of 12 to 19 digits that passes the
    Luhn check, typed whole or in groups with one space, dash, dot, slash or underscore
    between them; or, within a longer run (a CVC or an expiry typed after it: "4242 4242
    4242 4242 123", "4242424242424242 12/28"), consecutive groups that are, or start or
    end with, a Luhn-valid 15- or 16-digit number that begins as a card brand's do (the
    Luhn check alone would pass one stretch of digits in ten)."""
    for match in _DIGIT_RUN.finditer(text or ""):
        groups = _DIGIT_GROUP.findall(match.group())
        whole = "".join(groups)
        if _SHORTEST <= len(whole) <= _LONGEST and luhn_valid(whole):
            return True
        for first in range(len(groups)):
            digits = ""
            for group in groups[first:]:
                digits += group
                if len(digits) >= 15 and _holds_branded_card(digits):
                    return True
                if len(digits) > _LONGEST + 8:  # past a card with an expiry and a CVC
                    break
    return False


def reject_phone_card_number(value: str | None) -> None:
    """Validator for a phone number: refuse one that is a card number. A phone number has
    at most 15 digits (E.164), so 16 to 19 Luhn-valid digits are a card's, as are 15 that
    begin as an American Express number does; a shorter run is let through, since one
    real phone number in ten passes the Luhn check."""
    digits = "".join(_DIGIT_GROUP.findall(value or ""))
    if luhn_valid(digits) and (
        16 <= len(digits) <= _LONGEST or (len(digits) == 15 and _branded(digits))
    ):
        raise ValidationError(CARD_NUMBER_MESSAGE, code=CARD_NUMBER_CODE)


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
