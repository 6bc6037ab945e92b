"""Small presentation helpers for shop templates."""

from django import template

from accounts.countries import country_name as _country_name

register = template.Library()


@register.filter
def country_name(code: str) -> str:
    """ "DE" -> "Germany"; an unknown code shows as itself."""
    return _country_name(code)
