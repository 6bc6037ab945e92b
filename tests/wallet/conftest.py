"""Wallet test fixtures: test cards, gateway faults, and the PostgreSQL-only gate for
concurrency tests."""

import threading
import time
from contextlib import contextmanager

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from tests.factories import AddressFactory, WalletAccountFactory, card_data, payment_address


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Wallet tests make many users; their passwords don't need a slow hash here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def run_concurrently(*calls):
    """Run each zero-argument callable in its own thread, all released at once.

    Returns a list of (result, exception) in call order. Each thread closes its own
    database connection when done.
    """
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def runner(index, call):
        try:
            barrier.wait(timeout=10)
            outcomes[index] = (call(), None)
        except Exception as exc:  # collected for the test to assert on
            outcomes[index] = (None, exc)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=runner, args=(index, call)) for index, call in enumerate(calls)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def wait_all_inside(monkeypatch, owner, name: str, parties: int, timeout: float = 20) -> None:
    """Make ``owner.name`` (e.g. a gateway method) wait until ``parties`` calls are inside it
    at once before any goes on, so a race test can't pass by its threads running one after
    another. If the code under test held a lock across that call, the others could never get
    there: the calls then fail with ``threading.BrokenBarrierError``."""
    barrier = threading.Barrier(parties, timeout=timeout)
    real = getattr(owner, name)

    def gated(*args, **kwargs):
        barrier.wait()
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, gated)


@contextmanager
def all_waiting_for_row_lock(queryset, waiters: int, timeout: float = 20):
    """Hold ``SELECT ... FOR UPDATE`` on ``queryset``'s rows; on leaving the block, wait until
    ``waiters`` other database sessions are blocked behind that lock, then release it. Start
    the racing calls inside the block: they then demonstrably run at the same time and all
    compete for the lock the moment it is released. PostgreSQL only."""
    with transaction.atomic():
        list(queryset.select_for_update().values_list("pk"))
        yield
        deadline = time.monotonic() + timeout
        with connection.cursor() as cursor:
            while True:
                cursor.execute("SELECT pg_stat_clear_snapshot()")
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
                )
                (blocked,) = cursor.fetchone()
                if blocked >= waiters:
                    break
                if time.monotonic() > deadline:
                    pytest.fail(f"only {blocked} of {waiters} calls ever waited for the lock")
                time.sleep(0.01)


def start_concurrently(*calls):
    """Like ``run_concurrently`` but returns at once; call the result to join the threads
    and get the outcomes."""
    box = {}
    thread = threading.Thread(target=lambda: box.setdefault("outcomes", run_concurrently(*calls)))
    thread.start()

    def join():
        thread.join(timeout=90)
        return box["outcomes"]

    return join


@pytest.fixture
def gateway_fault(settings):
    """Set the simulated gateway's fault injection: gateway_fault("timeout") / ("")."""

    def set_fault(fault: str) -> None:
        settings.SIMULATED_GATEWAY_FAULT = fault

    set_fault("")
    return set_fault


@pytest.fixture
def address():
    return payment_address()


@pytest.fixture
def visa():
    return card_data("4242 4242 4242 4242")


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run on_commit callbacks (emails, token deletion) as the block exits."""

    def capture():
        return django_capture_on_commit_callbacks(execute=True)

    return capture


# ------------------------------------------------------------------ wallet pages


@pytest.fixture
def wallet_client(client, user):
    """``user``, signed in (password just entered), with a confirmed wallet."""
    WalletAccountFactory(user=user, confirmed_at=timezone.now())
    client.force_login(user)
    return client


@pytest.fixture
def saved_address(user):
    """The address of the user's last order (the address book's default)."""
    return AddressFactory(
        user=user,
        full_name="Grace Hopper",
        line1="1 Navy Yard",
        city="Arlington",
        region="VA",
        postal_code="22202",
        country="US",
        last_used_at=timezone.now(),
    )


@pytest.fixture
def unlimited_card_attempts(settings):
    """Card-attempt limits out of the way, for tests about something else that link or
    pay with many cards for one shopper (the limits have tests of their own)."""
    for name in (
        "CARD_ATTEMPTS_PER_10_MINUTES",
        "CARD_ATTEMPTS_PER_DAY",
        "CARD_ATTEMPTS_PER_ADDRESS_HOUR",
        "CARD_NEW_LINKS_PER_DAY",
        "CARD_DECLINES_BEFORE_CAPTCHA",
    ):
        setattr(settings, name, 10**6)
