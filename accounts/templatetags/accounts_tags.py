"""Template helpers for addresses and account pages: `{% load accounts_tags %}`."""

from datetime import timedelta

from django import template

from accounts.countries import country_name as _country_name
from accounts.models import postal_address_lines as _postal_address_lines

register = template.Library()


@register.filter
def country_name(code: str) -> str:
    """`{{ address.country|country_name }}` -> "United States"."""
    return _country_name(code)


@register.filter
def minutes(value: timedelta | None) -> int:
    """Whole minutes in a timedelta (rounded up), e.g. the login lockout's cool-off."""
    if not value:
        return 0
    seconds = int(value.total_seconds())
    return -(-seconds // 60)


@register.filter
def address_lines(address) -> list[str]:
    """`{% for line in address|address_lines %}`: the one address format (see
    accounts.models.postal_address_lines)."""
    return _postal_address_lines(address)
