"""``{% chrome "name" var ... %}...{% endchrome %}``: a stretch of the page chrome
(templates/base.html), or of a page's own fixed words (the home page's welcome), rendered
once per server process for each combination of the values it varies on, then reused.

For markup made from code, translations and URLs alone, which only a deploy changes (and a
deploy restarts the process): never a price, a stock level, a card, an order or anything
of one shopper's. Vary only on values with few possible values (the language, whether the
visitor is signed in, staff or not), so the memo stays a handful of strings.

Like ``{% cache %}`` with a per-process memory, but cheaper where it counts on every page:
no key hashing or pickling, and its contents are not walked again on each render by
``{% extends %}`` looking for blocks (a stretch of chrome holds none).
"""

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver

register = template.Library()

_rendered: dict[tuple, str] = {}


@receiver(setting_changed)
def chrome_forget(**kwargs) -> None:
    """Forget every rendered stretch when a setting changes (tests' ``override_settings``:
    URLs, languages, static files), so no page is drawn with stale chrome."""
    _rendered.clear()


class ChromeNode(template.Node):
    child_nodelists = ()  # not searched for blocks: a stretch of chrome holds none

    def __init__(self, nodelist: template.NodeList, name: str, vary_on: list) -> None:
        self.nodelist = nodelist
        self.name = name
        self.vary_on = vary_on

    def render(self, context: template.Context) -> str:
        key = (self.name, *(value.resolve(context) for value in self.vary_on))
        try:
            return _rendered[key]
        except KeyError:
            html = _rendered[key] = self.nodelist.render(context)
            return html


@register.tag
def chrome(parser: template.base.Parser, token: template.base.Token) -> ChromeNode:
    bits = token.split_contents()
    if len(bits) < 2 or bits[1][0] not in "\"'" or bits[1][0] != bits[1][-1]:
        raise template.TemplateSyntaxError(
            "{% chrome %} takes a quoted name, then the values it varies on."
        )
    nodelist = parser.parse(("endchrome",))
    parser.delete_first_token()
    return ChromeNode(nodelist, bits[1][1:-1], [parser.compile_filter(bit) for bit in bits[2:]])
