"""Markup that a Python template tag draws, held equal to a copy of the same markup written
in the template language (``*_in_template_language.html`` beside the tests).

The hot rows of a page (order rows, cards, payment activity lines, ...) are drawn by tags
in Python because the template language cost them hundreds of calls each; the copy is the
version they replaced, kept so a test can render both, in each language, and compare them
piece by piece. ``TemplateCopy`` reads the copy, renders it and cuts the pieces out of it
and out of a page; the normalisers say which whitespace a browser draws nothing for.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.template import Context, Template
from django.utils import translation


def squeezed(*blocks: str) -> Callable[[str], str]:
    """Whitespace as a browser reads it: runs squeezed to one space, none beside the tags
    of ``blocks`` (block elements, where it draws nothing)."""
    beside = re.compile(rf"\s*(</?(?:{'|'.join(blocks)})\b[^>]*>)\s*", re.ASCII)

    def normal(html: str) -> str:
        html = re.sub(r"\s+", " ", html, flags=re.ASCII)  # a no-break space is no run
        return beside.sub(r"\1", html).strip()

    return normal


def tight(html: str) -> str:
    """No whitespace between tags (for pieces where it falls only beside block elements
    and pictures, where a browser draws nothing for it)."""
    return re.sub(r">\s+<", "><", html).strip()


@dataclass(frozen=True)
class TemplateCopy:
    """``name`` beside the test module ``beside`` (its ``__file__``); ``piece`` finds each
    compared piece (a row, a card, ...) in normalised markup."""

    beside: str
    name: str
    piece: re.Pattern[str]
    normal: Callable[[str], str]

    @property
    def source(self) -> str:
        return (Path(self.beside).parent / self.name).read_text()

    def render(self, context: Mapping[str, Any] | Callable[[], Mapping[str, Any]], language: str):
        """The copy rendered in ``language``; ``context`` may be a function, called in that
        language (for values that are translated when they are made)."""
        with translation.override(language):
            values = context() if callable(context) else context
            return Template(self.source).render(Context(dict(values)))

    def pieces(self, html: str) -> list[str]:
        """Each piece of ``html``, normalised."""
        return [self.normal(found) for found in self.piece.findall(self.normal(html))]

    def drawn(self, context, language: str) -> list[str]:
        """Each piece of the copy, rendered in ``language``."""
        return self.pieces(self.render(context, language))


def page_in(client, url: str, language: str) -> str:
    """The page at ``url`` as ``client`` sees it in ``language`` (the language cookie)."""
    client.cookies["django_language"] = language
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()
