"""The support dashboard's pictures and its card-testing alarm.

``dashboard_stats`` reads the last 30 days per day — payments (count and money), declines
by reason, refunds, cards linked — in a fixed number of grouped queries (the database
counts; nothing here loops over payments), and sets today against the median of the 30
days before. ``card_testing_alarm`` says whether card testing looks under way: the share
of declined card attempts in the last hour far above the 30-day share, or accounts and
client addresses refused for being over their card-attempt limits. ``charts`` draws the
series as SVG with pygal, server-side (no JavaScript, nothing fetched from outside), each
an ``<img>`` data URI so the page's Content-Security-Policy (no inline style) holds.
"""

from __future__ import annotations

import base64
import re
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

import pygal
from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from pygal.style import Style

from core.selectors import card_attempt_counts, card_attempts_refused_by_limit
from support.labels import NOT_DECLINES, decline_label
from wallet.selectors import card_link_daily_stats, payment_daily_stats, refund_daily_stats

DAYS = 30
# The alarm: at least this many declined card attempts in the last hour, and a decline
# share at least ALARM_FACTOR times the 30-day share and at least ALARM_MIN_SHARE.
ALARM_MIN_DECLINES = 10
ALARM_FACTOR = 3
ALARM_MIN_SHARE = 0.5
ALARM_ROWS = 10


@dataclass
class Metric:
    """Today's figure against the median day of the 30 before."""

    label: str
    today: Decimal | int
    median: Decimal | float
    money: bool = False

    @property
    def far_above(self) -> bool:
        return self.today > max(self.median * 2, 3)


@dataclass
class DashboardStats:
    days: list[date]
    currency: str
    payments: list[int]
    paid_money: list[Decimal]
    declines: dict[str, list[int]]
    refunds: list[int]
    refunded_money: list[Decimal]
    cards_linked: list[int]
    metrics: list[Metric] = field(default_factory=list)


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))


def dashboard_stats(*, today: date | None = None) -> DashboardStats:
    """The last ``DAYS`` days (today last) per day, and today against the median of the
    ``DAYS`` days before. Three queries whatever the number of payments."""
    today = today or timezone.localdate()
    first = today - timedelta(days=DAYS)  # the median's window starts here
    since = _local_midnight(first)
    every_day = [first + timedelta(days=n) for n in range(DAYS + 1)]
    index = {day: n for n, day in enumerate(every_day)}
    currency = settings.CURRENCY

    payments = [0] * len(every_day)
    paid_money = [Decimal("0")] * len(every_day)
    declines: dict[str, list[int]] = defaultdict(lambda: [0] * len(every_day))
    for row in payment_daily_stats(since=since):
        n = index.get(row["day"])
        if n is None:
            continue
        payments[n] += row["count"]
        if row["status"] == "succeeded" and row["currency"] == currency:
            paid_money[n] += row["total"] or Decimal("0")
        if row["status"] == "failed" and row["decline_code"] not in NOT_DECLINES:
            declines[decline_label(row["decline_code"]).capitalize()][n] += row["count"]

    refunds = [0] * len(every_day)
    refunded_money = [Decimal("0")] * len(every_day)
    for row in refund_daily_stats(since=since):
        n = index.get(row["day"])
        if n is None or row["status"] == "failed":
            continue
        refunds[n] += row["count"]
        if row["currency"] == currency:
            refunded_money[n] += row["total"] or Decimal("0")

    cards_linked = [0] * len(every_day)
    for row in card_link_daily_stats(since=since):
        n = index.get(row["day"])
        if n is not None:
            cards_linked[n] += row["count"]

    declined_per_day = [sum(series[n] for series in declines.values()) for n in index.values()]

    def metric(label: str, series: list, money: bool = False) -> Metric:
        return Metric(label, series[-1], statistics.median(series[:-1]), money)

    stats = DashboardStats(
        days=every_day[1:],
        currency=currency,
        payments=payments[1:],
        paid_money=paid_money[1:],
        declines={label: series[1:] for label, series in sorted(declines.items())},
        refunds=refunds[1:],
        refunded_money=refunded_money[1:],
        cards_linked=cards_linked[1:],
        metrics=[
            metric(_("Payment attempts"), payments),
            metric(_("Money paid"), paid_money, money=True),
            metric(_("Declines"), declined_per_day),
            metric(_("Refunds"), refunds),
            metric(_("Cards linked"), cards_linked),
        ],
    )
    return stats


@dataclass
class CardTestingAlarm:
    """What the banner says: the last hour's decline share against the 30-day share, and
    the accounts and addresses refused for being over their card-attempt limits."""

    attempts_hour: int
    declined_hour: int
    share_hour: float
    share_normal: float
    over_limit: list[dict]

    @property
    def declines_far_above_normal(self) -> bool:
        return self.declined_hour >= ALARM_MIN_DECLINES and self.share_hour >= max(
            ALARM_FACTOR * self.share_normal, ALARM_MIN_SHARE
        )

    @property
    def raised(self) -> bool:
        return self.declines_far_above_normal or bool(self.over_limit)

    @property
    def accounts(self) -> list[dict]:
        seen: dict[int, dict] = {}
        for row in self.over_limit:
            if row["user_id"] is not None and row["user_id"] not in seen:
                seen[row["user_id"]] = row
        return list(seen.values())

    @property
    def addresses(self) -> list[str]:
        return sorted({row["client_ip"] for row in self.over_limit if row["client_ip"]})


def _share(counts: dict[str, int]) -> float:
    tried = max(counts["attempts"] or 0, counts["declined"] or 0)
    return (counts["declined"] or 0) / tried if tried else 0.0


def card_testing_alarm(*, now: datetime | None = None) -> CardTestingAlarm:
    """Card testing under way? The last hour's decline share against that of the 30 days
    before it, and the refusals for being over a limit. Three queries."""
    now = now or timezone.now()
    hour = card_attempt_counts(since=now - timedelta(hours=1))
    month = card_attempt_counts(since=now - timedelta(days=DAYS))
    # Normal: the 30 days before the last hour.
    normal = {key: (month[key] or 0) - (hour[key] or 0) for key in month}
    return CardTestingAlarm(
        attempts_hour=hour["attempts"] or 0,
        declined_hour=hour["declined"] or 0,
        share_hour=_share(hour),
        share_normal=_share(normal),
        over_limit=card_attempts_refused_by_limit(since=now - timedelta(hours=1), limit=ALARM_ROWS),
    )


# ----------------------------------------------------------------------- the charts


def _style() -> Style:
    return Style(
        background="#ffffff",
        plot_background="#ffffff",
        foreground="#333333",
        foreground_strong="#212529",
        foreground_subtle="#6c757d",
        font_family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
        colors=("#264b5d", "#b02a37", "#d97706", "#0a5c36", "#6f1d78", "#084298", "#8a6d00"),
        title_font_size=16,
        label_font_size=11,
        major_label_font_size=11,
        legend_font_size=12,
    )


def _chart(kind: str, *, title: str, days: list[date], **config):
    chart = getattr(pygal, kind)(
        width=640,
        height=280,
        style=_style(),
        js=[],  # no script: nothing fetched, nothing run
        legend_at_bottom=True,
        show_minor_x_labels=False,
        x_labels_major_every=7,
        truncate_legend=-1,
        truncate_label=-1,
        show_minor_y_labels=False,
        print_values=False,
        margin=8,
        **config,
    )
    chart.title = title
    chart.x_labels = [date_format(day, "j M") for day in days]
    return chart


_SCRIPT = re.compile(r"<script\b.*?</script>", re.DOTALL)


def _data_uri(chart) -> str:
    """The chart as an SVG data URI for an ``<img>``, without pygal's config script (an
    image runs no script anyway: this keeps the markup free of it)."""
    svg = _SCRIPT.sub("", chart.render(is_unicode=True))
    return "data:image/svg+xml;charset=utf-8;base64," + base64.b64encode(svg.encode()).decode()


def charts(stats: DashboardStats) -> list[tuple[str, str, str]]:
    """(id, title, SVG data URI) of each dashboard chart."""
    money = f" ({stats.currency})"
    payments = _chart(
        "Bar", title=_("Payment attempts per day"), days=stats.days, show_legend=False
    )
    payments.add(_("Payment attempts"), stats.payments)

    paid = _chart("Line", title=_("Money paid per day") + money, days=stats.days, show_legend=False)
    paid.add(_("Money paid"), [float(v) for v in stats.paid_money])

    declines = _chart("StackedBar", title=_("Declines per day, by reason"), days=stats.days)
    for label, series in stats.declines.items():
        declines.add(label, series)
    if not stats.declines:
        declines.add(_("Declines"), [0] * len(stats.days))

    refunds = _chart("Bar", title=_("Refunds per day"), days=stats.days, show_legend=False)
    refunds.add(_("Refunds"), stats.refunds)

    cards = _chart("Bar", title=_("Cards linked per day"), days=stats.days, show_legend=False)
    cards.add(_("Cards linked"), stats.cards_linked)

    return [
        ("bz-chart-payments", payments.title, _data_uri(payments)),
        ("bz-chart-money", paid.title, _data_uri(paid)),
        ("bz-chart-declines", declines.title, _data_uri(declines)),
        ("bz-chart-refunds", refunds.title, _data_uri(refunds)),
        ("bz-chart-cards", cards.title, _data_uri(cards)),
    ]
