"""Narrow list columns: emails wrap at sensible places, dates stack over times."""

from datetime import UTC, datetime

from support.admin.tools import breakable_email, compact_datetime


def test_an_email_wraps_before_at_and_dots_and_reads_the_same_without_the_breaks():
    html = str(breakable_email("ann.smith@example.com"))

    assert html == "ann<wbr>.smith<wbr>@example<wbr>.com"
    assert html.replace("<wbr>", "") == "ann.smith@example.com"


def test_a_very_long_email_name_gets_breaks_inside_it_too():
    html = str(breakable_email("maximilianfeatherstonehaugh@example.com"))

    assert max(len(piece) for piece in html.split("<wbr>")) <= 12
    assert html.replace("<wbr>", "") == "maximilianfeatherstonehaugh@example.com"


def test_an_email_is_escaped():
    assert str(breakable_email("<b>@x.io")) == "&lt;b&gt;<wbr>@x<wbr>.io"


def test_a_date_stacks_over_its_time_and_a_missing_one_is_a_dash(settings):
    settings.TIME_ZONE = "UTC"

    html = str(compact_datetime(datetime(2026, 3, 4, 9, 5, tzinfo=UTC)))

    assert "4 Mar 2026<br>" in html and ">09:05</span>" in html
    assert compact_datetime(None) == "-"
