"""The outbox: letters are written with the change they report and sent by a task after
the commit, so a failing or hanging mail server never delays or breaks a payment; failed
sends are retried with backoff, and no letter is ever sent twice."""

import re
import threading
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from core.letters import LETTER_CLAIM_TIMEOUT_SECONDS, letter_deliver, letter_enqueue
from core.models import Letter, LetterStatus
from shop.models import Order, OrderStatus
from shop.services import cart_add_item, cart_get_or_create_for_user
from tests.core.mail_backends import Outage
from tests.factories import AddressFactory, CardFactory, ProductFactory, SellerFactory

FLAKY = "tests.core.mail_backends.FlakyBackend"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def mail_server(settings):
    settings.EMAIL_BACKEND = FLAKY
    Outage.reset()
    yield Outage
    Outage.reset()


@pytest.fixture
def seller(db):
    return SellerFactory(name="Nordic Home", slug="nordic-home", shipping_fee=Decimal("5.00"))


@pytest.fixture
def shopper(user, seller):
    mug = ProductFactory(seller=seller, title="Stoneware Mug", price=Decimal("18.50"), stock=5)
    AddressFactory(user=user)
    cart_add_item(cart=cart_get_or_create_for_user(user=user), product=mug, quantity=1)
    CardFactory(owner=user)
    return user


def _accept_and_pay(client, seller):
    """Order from this seller, then Accept and pay with the preselected saved card."""
    url = reverse("shop:checkout", args=[seller.slug])
    page = client.get(url).content.decode()
    fields = {}
    for name in ("token", "lines"):
        fields[name] = re.search(rf'name="{name}" value="([^"]*)"', page).group(1)
    for name in ("address", "payment"):
        fields[name] = re.search(rf'name="{name}"[^>]*value="([^"]+)"[^>]*checked', page).group(1)
    return client.post(url, fields)


def _confirmation(order: Order) -> Letter:
    return Letter.objects.get(dedupe_key=f"order:{order.pk}:confirmation")


def test_a_failing_mail_server_never_breaks_a_payment_and_the_letter_goes_later(
    client, shopper, seller, mail_server, outbox, django_capture_on_commit_callbacks
):
    mail_server.reset(failures=1)
    client.force_login(shopper)

    with django_capture_on_commit_callbacks(execute=True):
        response = _accept_and_pay(client, seller)

    order = Order.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("shop:order-detail", args=[order.number])
    assert order.status == OrderStatus.PAID
    letter = _confirmation(order)
    assert (letter.status, letter.attempts) == (LetterStatus.PENDING, 1)
    assert letter.last_error.startswith("SMTPServerDisconnected")
    assert letter.next_attempt_at > timezone.now()
    assert outbox == []

    call_command("send_pending_letters")  # not due yet: the backoff holds it
    assert outbox == []
    with time_machine.travel(letter.next_attempt_at + timedelta(seconds=1)):
        call_command("send_pending_letters")
        call_command("send_pending_letters")

    assert [m.subject for m in outbox] == [f"Your Bazaar order {order.number} is confirmed"]
    assert outbox[0].extra_headers["Message-ID"].startswith(f"<letter-{letter.pk}@")
    letter.refresh_from_db()
    assert (letter.status, letter.attempts) == (LetterStatus.SENT, 2)
    assert letter.sent_at is not None
    assert (letter.body, letter.html_body) == ("", "")  # the outbox keeps no text once sent


def test_failed_sends_back_off_exponentially_and_then_give_up(db, mail_server, outbox, settings):
    settings.LETTER_MAX_ATTEMPTS = 3
    settings.LETTER_RETRY_BASE_SECONDS = 30
    mail_server.reset(failures=10)
    letter = letter_enqueue(to="ada@example.com", subject="Hello", body="Text")

    delays = [letter_deliver(letter_id=letter.pk).retry_in for _ in range(2)]
    assert delays == [30.0, 60.0]
    assert letter_deliver(letter_id=letter.pk).outcome == "gave_up"
    letter.refresh_from_db()
    assert (letter.status, letter.attempts) == (LetterStatus.FAILED, 3)
    assert letter_deliver(letter_id=letter.pk).outcome == "busy"
    assert mail_server.tried == 3
    assert outbox == []


def test_a_letter_queued_in_a_rolled_back_change_is_never_written_or_sent(db, outbox):
    with pytest.raises(RuntimeError), transaction.atomic():
        letter_enqueue(to="ada@example.com", subject="Paid", body="Your order is paid.")
        raise RuntimeError("the change failed")

    assert not Letter.objects.exists()
    assert outbox == []


def test_one_reason_gives_one_letter_however_often_it_is_queued(
    db, outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = letter_enqueue(to="ada@example.com", subject="Paid", body="1", dedupe_key="k:1")
        again = letter_enqueue(to="ada@example.com", subject="Paid", body="2", dedupe_key="k:1")

    assert again.pk == first.pk
    assert Letter.objects.count() == 1
    assert [m.body for m in outbox] == ["1"]
    assert letter_deliver(letter_id=first.pk).outcome == "busy"
    assert len(outbox) == 1


def test_a_letter_under_a_taken_key_costs_one_statement_and_leaves_the_transaction_usable(
    db, outbox, django_assert_num_queries
):
    with transaction.atomic():
        with django_assert_num_queries(1):  # INSERT ... ON CONFLICT DO NOTHING: no savepoint
            first = letter_enqueue(to="ada@example.com", subject="Paid", body="1", dedupe_key="k:2")
        again = letter_enqueue(to="ada@example.com", subject="Paid", body="2", dedupe_key="k:2")
        # Nothing failed, so the transaction goes on (PostgreSQL would refuse it otherwise).
        other = letter_enqueue(to="bob@example.com", subject="Hi", body="3", dedupe_key="k:3")

    assert again.pk == first.pk
    assert again.body == "1"
    assert sorted(Letter.objects.values_list("dedupe_key", "body")) == [("k:2", "1"), ("k:3", "3")]
    assert Letter.objects.get(pk=other.pk).to == "bob@example.com"


def test_a_letter_another_worker_holds_is_left_to_it_until_its_claim_expires(db, outbox):
    letter = letter_enqueue(to="ada@example.com", subject="Paid", body="Text")
    now = timezone.now()
    Letter.objects.filter(pk=letter.pk).update(
        status=LetterStatus.SENDING, claimed_at=now, attempts=1
    )

    assert letter_deliver(letter_id=letter.pk).outcome == "busy"
    call_command("send_pending_letters")
    assert outbox == []

    # The worker died mid-send: once its claim is stale the sweep sends the letter.
    with time_machine.travel(now + timedelta(seconds=LETTER_CLAIM_TIMEOUT_SECONDS + 1)):
        call_command("send_pending_letters")
    assert len(outbox) == 1
    letter.refresh_from_db()
    assert (letter.status, letter.attempts) == (LetterStatus.SENT, 2)


# ------------------------------------------------------------- with a real worker


@pytest.fixture
def worker(settings):
    """A Celery worker in a thread on an in-memory broker: tasks are queued, not run inline,
    exactly as with Redis in production."""
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    settings.LETTER_RETRY_BASE_SECONDS = 0.2

    def forget_connections():  # eager calls made a producer pool for the default broker
        app._pool = None
        app.amqp._producer_pool = None

    saved = app.conf.task_always_eager, app.conf.broker_url
    app.conf.task_always_eager = False
    app.conf.broker_url = "memory://"
    forget_connections()
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            yield app
    finally:
        app.conf.task_always_eager, app.conf.broker_url = saved
        forget_connections()


@pytest.fixture
def finished_tasks():
    """The states the worker's task runs ended in, in order ("RETRY", "SUCCESS", ...).
    The test waits on these rather than polling the letter's row: on SQLite's shared
    in-memory database a read in the test thread can make the worker's write fail with
    "table is locked" (PostgreSQL has no such lock), which is the test, not the code."""
    from celery.signals import task_postrun

    from core.tasks import letter_send

    states: list[str] = []
    changed = threading.Condition()

    def ended(sender=None, state=None, **kwargs):
        if sender is not None and sender.name == letter_send.name:
            with changed:
                states.append(state)
                changed.notify_all()

    def wait_for(state: str, *, seconds: float = 60.0) -> bool:
        with changed:
            return changed.wait_for(lambda: state in states, timeout=seconds)

    task_postrun.connect(ended, weak=False)
    try:
        yield wait_for, states
    finally:
        task_postrun.disconnect(ended)


@pytest.mark.django_db(transaction=True)
def test_with_a_worker_a_hanging_mail_server_never_holds_the_payment_and_retries_send_once(
    client, shopper, seller, mail_server, worker, finished_tasks
):
    wait_for, task_states = finished_tasks
    mail.outbox = []
    # The server hangs until the timeout twice, then takes the letter.
    mail_server.reset(failures=2, hang_seconds=0.5)

    client.force_login(shopper)
    request_thread = threading.current_thread()
    response = _accept_and_pay(client, seller)

    order = Order.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("shop:order-detail", args=[order.number])
    assert order.status == OrderStatus.PAID
    assert wait_for("SUCCESS"), (task_states, mail_server.tried)
    assert task_states == ["RETRY", "RETRY", "SUCCESS"]
    letter = _confirmation(order)
    assert letter.status == LetterStatus.SENT
    assert letter.attempts == 3  # two timeouts, retried by the task with backoff, then sent
    assert mail_server.tried == 3
    assert [m.subject for m in mail.outbox] == [f"Your Bazaar order {order.number} is confirmed"]
    assert request_thread not in mail_server.threads  # only the worker talked to the server
