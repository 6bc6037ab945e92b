"""The periodic jobs on Celery beat: every job of README "Operations" is on the schedule in
settings, is a registered task, and runs the same service as its management command (here
eagerly, as ``make test`` runs tasks)."""

import io
from datetime import timedelta
from types import SimpleNamespace

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.utils import timezone

from config.celery import app
from core.letters import SweepReport
from core.models import Letter, LetterStatus, SecurityEvent
from shop.models import OrderStatus
from tests.factories import CardFactory, ProductFactory, order_placed

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True, scope="module")
def _tasks_discovered():
    """Every task module imported, as a worker does at start (autodiscovery), whichever
    tests this process happened to run before these."""
    app.loader.import_default_modules()


NOW = timezone.now()
EMPTY_REPORT = SimpleNamespace(
    settled=[], orders=0, still_waiting=[], mismatches=[], in_flight=[], skipped="", applied=[]
)

# task name -> (management command, [(module, service name) the task and command call], result)
JOBS = {
    "shop.tasks.reconcile_payments": (
        "reconcile_payments",
        ["shop.tasks", "shop.management.commands.reconcile_payments"],
        "orders_reconcile",
        SimpleNamespace(settled=[], orders=[], still_waiting=[]),
    ),
    "shop.tasks.expire_unpaid_orders": (
        "expire_unpaid_orders",
        ["shop.tasks", "shop.management.commands.expire_unpaid_orders"],
        "order_expire_unpaid",
        0,
    ),
    "shop.tasks.clear_stale_carts": (
        "clear_stale_carts",
        ["shop.tasks", "shop.management.commands.clear_stale_carts"],
        "cart_delete_abandoned",
        0,
    ),
    "shop.tasks.audit_money": (
        "audit_money",
        ["shop.tasks", "shop.management.commands.audit_money"],
        "money_audit",
        EMPTY_REPORT,
    ),
    "core.tasks.prune_security_events": (
        "prune_security_events",
        ["core.tasks", "core.management.commands.prune_security_events"],
        "security_events_prune",
        (0, NOW),
    ),
    "core.tasks.send_pending_letters": (
        "send_pending_letters",
        ["core.tasks", "core.management.commands.send_pending_letters"],
        "letters_send_pending",
        SweepReport(sent=0, failed=0, busy=0),
    ),
    "wallet.tasks.send_card_expiry_reminders": (
        "send_card_expiry_reminders",
        ["wallet.tasks", "wallet.management.commands.send_card_expiry_reminders"],
        "card_expiry_reminders_send",
        0,
    ),
    "wallet.tasks.update_cards_from_issuers": (
        "update_cards_from_issuers",
        ["wallet.tasks", "wallet.management.commands.update_cards_from_issuers"],
        "card_updates_apply",
        EMPTY_REPORT,
    ),
}


def test_every_periodic_job_is_on_the_beat_schedule_as_a_registered_task():
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    app.loader.import_default_modules()  # what a worker does at start: autodiscovery

    assert scheduled == set(JOBS) | {"core.tasks.clearsessions"}
    for name in scheduled:
        assert name in app.tasks, name
    every = {e["task"]: e["schedule"] for e in settings.CELERY_BEAT_SCHEDULE.values()}
    # The money jobs run every few minutes, the sweep every minute (README "Operations").
    assert every["shop.tasks.reconcile_payments"] <= 5 * 60
    assert every["shop.tasks.expire_unpaid_orders"] <= 5 * 60
    assert every["core.tasks.send_pending_letters"] <= 60


@pytest.mark.parametrize("task_name", sorted(JOBS))
def test_each_scheduled_task_calls_the_service_its_command_calls(task_name, monkeypatch):
    import importlib

    command, modules, service, result = JOBS[task_name]
    calls = []

    def spy(*args, **kwargs):
        calls.append(kwargs)
        return result

    for module in modules:
        monkeypatch.setattr(importlib.import_module(module), service, spy)

    call_command(command, stdout=io.StringIO())
    assert len(calls) == 1
    app.tasks[task_name].delay()
    assert len(calls) == 2


def test_the_expiry_task_cancels_an_overdue_unpaid_order_and_returns_its_stock():
    product = ProductFactory(stock=3)
    order = order_placed(product=product, quantity=2)
    product.refresh_from_db()
    assert product.stock == 1

    later = timezone.now() + timedelta(minutes=settings.ORDER_PAYMENT_TIMEOUT_MINUTES + 1)
    with time_machine.travel(later):
        app.tasks["shop.tasks.expire_unpaid_orders"].delay()

    order.refresh_from_db()
    product.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert product.stock == 3


def test_the_issuer_update_task_applies_a_reissued_expiry_and_writes_to_the_owner(
    outbox, django_capture_on_commit_callbacks
):
    card = CardFactory(number="4000000000005506")
    old_expiry = card.expires_on
    outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        app.tasks["wallet.tasks.update_cards_from_issuers"].delay()

    card.refresh_from_db()
    assert card.expires_on.year == old_expiry.year + 3
    assert [m.subject for m in outbox] == ["Your bank updated a card in your Bazaar wallet"]
    notice = Letter.objects.get(subject="Your bank updated a card in your Bazaar wallet")
    assert (notice.to, notice.status) == (card.owner.email, LetterStatus.SENT)


def test_the_audit_task_holds_orders_against_the_ledger():
    order_placed()
    result = app.tasks["shop.tasks.audit_money"].apply().get()
    assert result == {"orders": 1, "mismatches": 0, "in_flight": 0}


def test_the_housekeeping_tasks_drop_old_security_events_and_expired_sessions():
    old = SecurityEvent.objects.create(
        created_at=timezone.now() - timedelta(days=settings.SECURITY_EVENT_RETENTION_DAYS + 1),
        event="auth.login",
        outcome="success",
    )
    recent = SecurityEvent.objects.create(
        created_at=timezone.now(), event="auth.login", outcome="success"
    )
    expired = SessionStore()
    expired.set_expiry(-60)
    expired.create()
    live = SessionStore()
    live.create()

    app.tasks["core.tasks.prune_security_events"].delay()
    app.tasks["core.tasks.clearsessions"].delay()

    assert list(SecurityEvent.objects.values_list("pk", flat=True)) == [recent.pk]
    assert old.pk != recent.pk
    assert set(Session.objects.values_list("session_key", flat=True)) == {live.session_key}
