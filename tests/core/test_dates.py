"""core.dates.date_text writes what Django's dateformat.format writes, character for
character, in every language the shop speaks."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import dateformat, translation

from core.dates import date_text

# The formats the shop's pages and letters use (translated ones as written in English and
# as each catalogue translates them), and a few that need Django's own methods.
FORMATS = [
    "j M Y, H:i",
    "j M Y",
    "j E Y",
    "j E Y, H:i",
    "j M",
    "H:i",
    "E Y",
    r"j E Y \a\t H:i T",
    "d.m.y G:i:s",
    "D, N jS F Y, P",
    "b n Y-m-d",
    r"\Y\e\a\r: Y",
]
MOMENTS = [
    datetime(2026, month, day, hour, minute, 5, tzinfo=ZoneInfo("Europe/Berlin"))
    for month, day, hour, minute in [
        (1, 1, 0, 0),
        (2, 9, 9, 7),
        (3, 31, 12, 30),
        (5, 15, 13, 59),
        (6, 30, 23, 1),
        (9, 2, 7, 45),
        (11, 30, 18, 0),
        (12, 31, 23, 59),
    ]
] + [datetime(999, 7, 4, 4, 4), datetime(2031, 8, 1, 10, 10)]


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.parametrize("format", FORMATS)
def test_it_writes_what_django_writes(language, format):
    with translation.override(language):
        for moment in MOMENTS:
            assert date_text(moment, format) == dateformat.format(moment, format), moment
        day = date(2026, 11, 30)
        if not any(char in format for char in "GHisPT"):
            assert date_text(day, format) == dateformat.format(day, format)


def test_each_language_reads_its_own_month_names():
    moment = datetime(2026, 5, 1, 8, 0) + timedelta(days=3)
    with translation.override("en"):
        english = date_text(moment, "j E Y")
    with translation.override("ru"):
        russian = date_text(moment, "j E Y")
        assert russian == dateformat.format(moment, "j E Y")
    assert english == "4 May 2026"
    assert russian != english
