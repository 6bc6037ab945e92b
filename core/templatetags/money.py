"""The one template filter that formats money: {{ product.price|money:product.currency }}."""

from decimal import Decimal, InvalidOperation

from django import template
from django.conf import settings

from core.money import format_money

register = template.Library()


@register.filter
def money(amount, currency=None):
    if amount in (None, ""):
        return ""
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        return ""
    return format_money(value, currency or settings.CURRENCY)
