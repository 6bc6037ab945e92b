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


@register.filter
def money_back(amount, currency=None):
    """Money going back to the shopper (a refund): one sign everywhere a shopper sees it,
    "+$29.99", the way a bank statement shows it."""
    formatted = money(amount, currency)
    return f"+{formatted}" if formatted else ""
