"""Dates written as Django's ``date`` filter writes them, for the rows template tags draw.

``django.utils.dateformat.format`` splits its format with a regular expression and looks
each month name up through a lazy translation on every call: about 95 Python calls a
date, the dearest part of a payment activity line or an order row. ``date_text`` reads
the format once per language into pieces, and the month names once per language, so a
date costs a handful of calls. What it writes is ``dateformat.format``'s, character for
character (tests/core/test_dates.py holds it so); format characters it has no fast way
for (time zones, weekdays, ...) are handed to Django's ``DateFormat``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from django.core.signals import setting_changed
from django.utils.dateformat import DateFormat, re_escaped, re_formatchars
from django.utils.translation import get_language

# The format characters read straight off the value, as DateFormat's methods read them.
_FIELDS: dict[str, Callable[[date], str]] = {
    "d": lambda value: f"{value.day:02d}",
    "j": lambda value: str(value.day),
    "m": lambda value: f"{value.month:02d}",
    "n": lambda value: str(value.month),
    "y": lambda value: f"{value.year % 100:02d}",
    "Y": lambda value: f"{value.year:04d}",
    "G": lambda value: str(value.hour),
    "H": lambda value: f"{value.hour:02d}",
    "i": lambda value: f"{value.minute:02d}",
    "s": lambda value: f"{value.second:02d}",
}
# Month names, translated: the same for every date of a month, so read once per language.
_MONTH_NAMES = "bEFMN"

_pieces: dict[tuple[str, str | None], list] = {}


def date_text(value: date | datetime, format: str, language: str | None = None) -> str:
    """``dateformat.format(value, format)`` in the active language (``language``: the
    active one, given by a caller writing many dates)."""
    language = language or get_language()
    pieces = _pieces.get((format, language))
    if pieces is None:
        pieces = _pieces[(format, language)] = _read(format)
    out = []
    for kind, piece in pieces:
        if kind == "text":
            out.append(piece)
        elif kind == "field":
            out.append(piece(value))
        elif kind == "month":
            out.append(piece[value.month])
        else:  # anything else, as Django writes it
            out.append(str(getattr(DateFormat(value), piece)()))
    return "".join(out)


def _read(format: str) -> list:
    pieces = []
    for index, piece in enumerate(re_formatchars.split(str(format))):
        if not index % 2:
            if piece:
                pieces.append(("text", re_escaped.sub(r"\1", piece)))
        elif piece in _FIELDS:
            pieces.append(("field", _FIELDS[piece]))
        elif piece in _MONTH_NAMES:
            names = {
                month: str(getattr(DateFormat(date(2000, month, 1)), piece)())
                for month in range(1, 13)
            }
            pieces.append(("month", names))
        else:
            pieces.append(("django", piece))
    return pieces


def _forget(**kwargs) -> None:
    _pieces.clear()


setting_changed.connect(_forget, dispatch_uid="core.dates.forget")
