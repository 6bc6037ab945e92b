"""``{% remembered_url "app:name" key=value %}``: ``{% url %}`` for a page's own links, the URL
remembered per arguments by ``core.links.remembered_url`` (``reverse()`` costs ~20 µs a link,
on every view of the page)."""

from django import template

from core import links

register = template.Library()


@register.simple_tag
def remembered_url(viewname: str, **kwargs) -> str:
    """``{% url viewname key=value ... %}``, keyword arguments only (as ``remembered_url``
    takes them)."""
    return links.remembered_url(viewname, **kwargs)
