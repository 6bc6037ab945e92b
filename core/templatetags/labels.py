"""``{{ text|cards_kept_whole }}``: the template-language copy of what the Python-drawn
rows (payment activity, the order page) do to text naming a card (``core.labels``)."""

from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe

from core.labels import cards_kept_whole as _cards_kept_whole

register = template.Library()


@register.filter
def cards_kept_whole(text) -> SafeString:
    """``text``, escaped, with each card named in it kept on one line."""
    return mark_safe(_cards_kept_whole(escape(str(text))))  # noqa: S308 (escaped first)
