"""Choice labels, translated and HTML-escaped once per language.

Template tags that draw many rows in Python (orders, payment activity) show a choice's
label on each row. ``get_FOO_display`` looks the label up and translates it every time;
labels are translated literals, which only a deploy changes, so each language's escaped
labels are made once per process (forgotten when a setting changes, as in tests).
"""

from __future__ import annotations

import re
from html import escape

from django.core.signals import setting_changed
from django.db.models import Choices

_labels: dict[tuple[type[Choices], str | None], dict[str, str]] = {}


def escaped_labels(choices: type[Choices], language: str | None) -> dict[str, str]:
    """``{value: its label, escaped}`` of ``choices`` in ``language`` (the active one)."""
    key = (choices, language)
    try:
        return _labels[key]
    except KeyError:
        labels = {value: escape(str(label)) for value, label in choices.choices}
        return _labels.setdefault(key, labels)


# What must not break over two lines, in escaped text:
# - a card as the shop names it ("Visa •••• 4242", "American Express •••• 0005"): the word
#   before the dots, with the word before that if it is a capitalised Latin word, as a
#   brand's first word is ("with", "картой" and "BZ-000123:" stay out), the dots and the
#   last 4 digits;
# - a code of capitals, a hyphen and digits, as an order number is ("BZ-000123"), which a
#   browser would otherwise break after its hyphen.
# Either starts a word (after a space, a tag's ">" or an entity's ";"): the search tries no
# other place, which halves its time on Payment activity's sixty strings.
_KEPT_WHOLE = re.compile(r"(?<![^\s>;])(?:(?:[A-Z][a-z]+ )?[^\s<>&;]+ •••• \d{4}|[A-Z]{2,}-\d+\b)")


def kept_whole(escaped: str) -> str:
    """``escaped`` text (HTML) with each card and order number named in it kept on one
    line: a phone's narrow column otherwise breaks "Visa ••••" from "4242", or "BZ-" from
    "000123". The words are unchanged."""
    return _KEPT_WHOLE.sub(lambda name: f'<span class="text-nowrap">{name[0]}</span>', escaped)


def _forget(**kwargs) -> None:
    _labels.clear()


setting_changed.connect(_forget, dispatch_uid="core.labels.forget")
