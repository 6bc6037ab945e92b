"""The support dashboard: 30-day charts drawn server-side as SVG, today against the
30-day median, the card-testing alarm, all in a fixed number of queries."""

import base64
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.models import AuditAction, AuditEntry
from support.dashboard import card_testing_alarm, dashboard_stats
from tests.factories import (
    UserFactory,
    declined_card_burst,
)
from wallet.models import Payment

pytestmark = pytest.mark.django_db

# Queries of the dashboard for a support agent, pinned: session, user (with their cart's
# units: shop.auth.ShopperBackend), permissions, the three lists and their counts, three
# for the charts, three for the alarm, the recent actions. The same for 10 payments as for
# 10,000.
DASHBOARD_QUERIES = 17


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SIMULATED_GATEWAY_FAULT = ""


def _bulk_payments(n: int, *, start: int = 0) -> None:
    """n payments over the last 30 days: most paid, every fifth declined (insufficient
    funds), made with bulk_create and spread over the days with one update per day."""
    user = UserFactory()
    rows = [
        Payment(
            reference=f"BZ-9{start + i:06d}",
            user=user,
            method="card",
            card_brand="visa",
            card_last4="4242",
            amount=Decimal("12.50"),
            currency="USD",
            status="failed" if i % 5 == 0 else "succeeded",
            decline_code="insufficient_funds" if i % 5 == 0 else "",
            idempotency_key=f"bulk-{start + i}",
        )
        for i in range(n)
    ]
    created = Payment.objects.bulk_create(rows, batch_size=2000)
    ids = [p.pk for p in created] if created[0].pk else None
    if ids is None:
        ids = list(
            Payment.objects.filter(idempotency_key__startswith="bulk-").values_list("pk", flat=True)
        )
    now = timezone.now()
    for day in range(30):
        Payment.objects.filter(pk__in=ids[day::30]).update(created_at=now - timedelta(days=day))


def _dashboard_queries(client) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_the_dashboard_costs_the_same_queries_for_10_and_10000_payments(support_client):
    _bulk_payments(10)
    few, html = _dashboard_queries(support_client)
    assert 'id="bz-chart-payments"' in html

    _bulk_payments(9_990, start=10)
    assert Payment.objects.count() == 10_000
    many, html = _dashboard_queries(support_client)

    assert few == many == DASHBOARD_QUERIES
    stats = dashboard_stats()
    assert sum(stats.payments) == 10_000
    assert sum(stats.declines["Insufficient funds"]) == 2_000
    assert sum(stats.paid_money) == Decimal("12.50") * 8_000


def test_the_charts_are_server_side_svg_with_no_script(support_client):
    _bulk_payments(60)
    _count, html = _dashboard_queries(support_client)

    for chart in ("payments", "money", "declines", "refunds", "cards"):
        start = html.index(f'id="bz-chart-{chart}"')
        img = html[start : html.index(">", html.index("<img", start))]
        uri = img.split('src="')[1].split('"')[0]
        assert uri.startswith("data:image/svg+xml;charset=utf-8;base64,")
        svg = base64.b64decode(uri.split(",", 1)[1]).decode()
        assert "<svg" in svg
        assert "<script" not in svg and "http://kozea" not in svg
    assert (
        "<script"
        not in html[
            html.index('id="bz-charts"') : html.index("</section>", html.index('id="bz-charts"'))
        ]
    )


def test_today_is_set_against_the_30_day_median(support_client):
    _bulk_payments(60)  # 2 a day for 30 days (today included)
    stats = dashboard_stats()
    attempts = next(m for m in stats.metrics if str(m.label) == "Payment attempts")
    assert attempts.today == 2
    assert attempts.median == 2
    assert not attempts.far_above


def test_a_burst_of_declines_raises_the_alarm_naming_the_accounts(support_client):
    _quiet, html = _dashboard_queries(support_client)
    assert 'id="bz-alarm"' not in html
    assert not card_testing_alarm().raised

    shoppers = declined_card_burst()
    alarm = card_testing_alarm()
    assert alarm.declined_hour == 15
    assert alarm.declines_far_above_normal
    assert {row["user_id"] for row in alarm.accounts} == {s.pk for s in shoppers}

    count, html = _dashboard_queries(support_client)
    banner = html[
        html.index('id="bz-alarm"') : html.index("</section>", html.index('id="bz-alarm"'))
    ]
    assert "15 card attempts were declined in the last hour" in banner
    for shopper in shoppers:
        assert shopper.email in banner
        assert reverse("admin:accounts_user_lock", args=[shopper.pk]) in banner
    assert "outcome__exact=declined" in banner
    stats = dashboard_stats()
    assert stats.declines["No reason given by the bank"][-1] == 15
    assert count == DASHBOARD_QUERIES


def test_lock_account_from_the_alarm_locks_it_on_record(support_client, support_user, client):
    shopper = declined_card_burst(shoppers=1)[0]
    url = reverse("admin:accounts_user_lock", args=[shopper.pk])
    assert "can&#x27;t" in support_client.get(url).content.decode() or "will not be able" in (
        support_client.get(url).content.decode()
    )

    refused = support_client.post(url, {"reason": ""})
    shopper.refresh_from_db()
    assert shopper.is_active and refused.status_code == 200

    done = support_client.post(
        url, {"reason": "Card testing: 5 declines in 2 minutes"}, follow=True
    )
    shopper.refresh_from_db()
    assert not shopper.is_active
    assert f"{shopper.email} is locked" in str(next(iter(done.context["messages"])))
    entry = AuditEntry.objects.get(action=AuditAction.ACCOUNT_LOCK)
    assert entry.actor == support_user and entry.reason.startswith("Card testing")
    _count, html = _dashboard_queries(support_client)
    banner = html[html.index('id="bz-alarm"') :]
    assert url not in banner.split("</section>")[0]


def test_the_customer_page_offers_lock_account_for_active_shoppers_only(support_client):
    shopper = UserFactory()
    url = reverse("admin:accounts_user_lock", args=[shopper.pk])
    page = support_client.get(reverse("admin:accounts_user_change", args=[shopper.pk]))
    assert url in page.content.decode()

    support_client.post(url, {"reason": "Fraud report 77"})
    page = support_client.get(reverse("admin:accounts_user_change", args=[shopper.pk]))
    assert url not in page.content.decode()
    staff = UserFactory(is_staff=True)
    staff_page = support_client.get(reverse("admin:accounts_user_change", args=[staff.pk]))
    assert reverse("admin:accounts_user_lock", args=[staff.pk]) not in staff_page.content.decode()
    refused = support_client.post(
        reverse("admin:accounts_user_lock", args=[staff.pk]), {"reason": "x"}, follow=True
    )
    staff.refresh_from_db()
    assert staff.is_active
    assert "Staff accounts aren't locked" in str(next(iter(refused.context["messages"])))
