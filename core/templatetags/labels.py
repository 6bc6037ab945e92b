"""``{{ text|kept_whole }}``: the template-language copy of what the Python-drawn rows
(payment activity, the order page) do to text naming a card or an order (``core.labels``)."""

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from core.labels import kept_whole as _kept_whole

register = template.Library()


@register.filter
def kept_whole(text) -> SafeString:
    """``text``, escaped (unless already safe: a ``blocktranslate``'s result), with each
    card and order number named in it kept on one line."""
    return mark_safe(_kept_whole(str(conditional_escape(text))))  # noqa: S308 (escaped first)
