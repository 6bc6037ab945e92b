"""Password rules for staff accounts (PCI DSS 8.3.6): longer, with letters and digits.

Listed in ``AUTH_PASSWORD_VALIDATORS`` after Django's own; shoppers are not affected.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError


class StaffPasswordValidator:
    """A staff member's password: at least ``min_length`` characters (12 by default, the
    ``STAFF_PASSWORD_MIN_LENGTH`` setting) with at least one letter and one digit. Applies
    only when the user being validated is staff."""

    def __init__(self, min_length: int = 12):
        self.staff_min_length = min_length

    def validate(self, password: str, user=None) -> None:
        if user is None or not getattr(user, "is_staff", False):
            return
        errors = []
        if len(password) < self.staff_min_length:
            errors.append(
                ValidationError(
                    f"A staff password must be at least {self.staff_min_length} characters.",
                    code="staff_password_too_short",
                )
            )
        if not any(char.isalpha() for char in password) or not any(
            char.isdigit() for char in password
        ):
            errors.append(
                ValidationError(
                    "A staff password must contain both letters and digits.",
                    code="staff_password_letters_and_digits",
                )
            )
        if errors:
            raise ValidationError(errors)

    def get_help_text(self) -> str:
        return (
            f"Staff passwords: at least {self.staff_min_length} characters, "
            "with letters and digits."
        )
