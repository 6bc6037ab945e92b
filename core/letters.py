"""The outbox: every letter the site sends is written here, in the transaction of the change
it reports, and sent by a Celery task once that transaction commits.

So a rolled-back change never mails anybody, a letter is never lost between the commit and
the mail server (the ``send_pending_letters`` sweep sends what a lost task left), and a
slow or failing mail server never delays or breaks a payment: the request only inserts a
row and queues a task. Each letter is claimed by one conditional UPDATE before it is sent
and marked sent after, so it goes out once however many tasks and sweeps hold it. Failed
sends are tried again with exponential backoff (``LETTER_RETRY_BASE_SECONDS`` doubling,
``LETTER_MAX_ATTEMPTS`` tries).

Callers render the subject and text (and HTML) themselves, in the recipient's language,
and hand them to ``letter_enqueue``; letters never contain a card number or CVC.

The one duplicate SMTP allows: a worker that dies after the mail server accepted a letter
but before marking it sent. Its claim expires after ``LETTER_CLAIM_TIMEOUT_SECONDS`` and
the letter is sent again with the same ``Message-ID``, which mail clients fold into one.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import connections, router, transaction
from django.db.models import Q
from django.utils import timezone

from core.models import Letter, LetterStatus
from core.text import one_line

logger = logging.getLogger("core.letters")

# A claim older than this belongs to a worker that died mid-send; far beyond any SMTP
# conversation bounded by EMAIL_TIMEOUT.
LETTER_CLAIM_TIMEOUT_SECONDS = 10 * 60
# A new letter's own task normally sends it within a second; the sweep waits this long
# before it sends one itself.
LETTER_SWEEP_GRACE_SECONDS = 60
SWEEP_BATCH = 200


@dataclass(frozen=True)
class LetterDelivery:
    """What one delivery attempt did: ``sent``; ``busy`` (sent already, or another worker
    holds it); ``retry`` (failed, try again in ``retry_in`` seconds); ``gave_up``."""

    outcome: str
    retry_in: float | None = None


def letter_enqueue(
    *, to: str, subject: str, body: str, html_body: str = "", dedupe_key: str = ""
) -> Letter:
    """Write a letter to the outbox and queue its sending for after the current commit (at
    once outside a transaction).

    ``dedupe_key`` names the letter's reason (``order:12:confirmation``): a second letter
    under a key already written is not written again and the first is returned. Without
    one, every call is a new letter. One statement (``_insert_unless_queued``), so no
    savepoint is needed inside the caller's transaction; never sends.
    """
    letter = Letter(
        to=to,
        subject=one_line(subject)[:998],
        body=body,
        html_body=html_body,
        dedupe_key=dedupe_key or f"letter:{uuid.uuid4().hex}",
        next_attempt_at=timezone.now() + timedelta(seconds=LETTER_SWEEP_GRACE_SECONDS),
    )
    if not dedupe_key:
        letter.save(force_insert=True)  # a fresh random key: nothing to collide with
    else:
        letter.pk = _insert_unless_queued(letter)
        if letter.pk is None:
            first = Letter.objects.get(dedupe_key=dedupe_key)
            logger.info("letter %s: %s already queued", first.pk, dedupe_key)
            return first
    letter_id = letter.pk
    transaction.on_commit(lambda: _queue(letter_id))
    return letter


def _insert_unless_queued(letter: Letter) -> int | None:
    """Insert ``letter`` unless a letter under its ``dedupe_key`` is there already: one
    ``INSERT ... ON CONFLICT DO NOTHING RETURNING id`` (PostgreSQL, and SQLite 3.35+).
    Returns the new row's id, or None when the key was taken (the caller's transaction is
    left usable: nothing failed). Two racing inserts of one key: the second waits for the
    first to commit and inserts nothing."""
    connection = connections[router.db_for_write(Letter)]
    quote = connection.ops.quote_name
    fields = [f for f in Letter._meta.concrete_fields if not f.primary_key]
    values = [f.get_db_prep_save(f.pre_save(letter, True), connection) for f in fields]
    # Only the model's own (quoted) names are spliced in; every value is a parameter.
    sql = (
        f"INSERT INTO {quote(Letter._meta.db_table)} "  # noqa: S608
        f"({', '.join(quote(f.column) for f in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))}) "
        f"ON CONFLICT ({quote(Letter._meta.get_field('dedupe_key').column)}) DO NOTHING "
        f"RETURNING {quote(Letter._meta.pk.column)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        row = cursor.fetchone()
    if row is None:
        return None
    letter._state.adding, letter._state.db = False, connection.alias
    return row[0]


def _queue(letter_id: int) -> None:
    from core.tasks import letter_send

    try:
        letter_send.delay(letter_id)
    except Exception:  # broker down: the change is committed, the sweep sends the letter
        logger.exception("letter %s: could not queue its task; the sweep will send it", letter_id)


def _message_domain() -> str:
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "bazaar.invalid"


def _message(letter: Letter) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        letter.subject,
        letter.body,
        None,
        [letter.to],
        headers={
            # Stable across retries, so a mail client folds a rare resend into one letter.
            "Message-ID": f"<letter-{letter.pk}@{_message_domain()}>",
            "X-Bazaar-Letter": str(letter.pk),
        },
    )
    if letter.html_body:
        message.attach_alternative(letter.html_body, "text/html")
    return message


def _retry_delay(attempts: int) -> float:
    return float(settings.LETTER_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0))


def letter_deliver(*, letter_id: int) -> LetterDelivery:
    """Send one letter, unless it was sent already or another worker is sending it.

    Claims it with a conditional UPDATE (``pending`` -> ``sending``, or a claim older than
    ``LETTER_CLAIM_TIMEOUT_SECONDS``), sends it with no transaction or lock held, then marks
    it sent and blanks its text. A failed send puts it back to ``pending`` with the next
    try after the backoff, or gives up after ``LETTER_MAX_ATTEMPTS`` (logged as an error).
    Never raises for a mail server's failure.
    """
    now = timezone.now()
    letter = _claim(letter_id, now)
    if letter is None:
        return LetterDelivery("busy")
    try:
        _message(letter).send(fail_silently=False)
    except Exception as exc:
        return _failed(letter, exc, claimed_at=now)
    Letter.objects.filter(pk=letter.pk, status=LetterStatus.SENDING, claimed_at=now).update(
        status=LetterStatus.SENT,
        sent_at=timezone.now(),
        body="",
        html_body="",
        last_error="",
    )
    logger.info("letter %s: sent (attempt %s)", letter.pk, letter.attempts)
    return LetterDelivery("sent")


def _claim(letter_id: int, now: datetime) -> Letter | None:
    """Claim the letter for this worker and read it, in one ``UPDATE ... RETURNING``
    (PostgreSQL, and SQLite 3.35+): ``pending`` (or a claim older than
    ``LETTER_CLAIM_TIMEOUT_SECONDS``) becomes ``sending``, claimed at ``now``, one attempt
    more. None when it is not claimable: sent, failed, out of attempts, or held by a live
    claim. Of two workers claiming one letter at once, the second's UPDATE waits for the
    first's to commit and then matches nothing."""
    meta = Letter._meta
    alias = router.db_for_write(Letter)
    quote = connections[alias].ops.quote_name

    def column(name: str) -> str:
        return quote(meta.get_field(name).column)

    # Only the model's own (quoted) names are spliced in; every value is a parameter,
    # adapted by Django's raw query as the ORM would (datetimes on SQLite, say).
    sql = (
        f"UPDATE {quote(meta.db_table)} SET "  # noqa: S608
        f"{column('status')} = %s, {column('claimed_at')} = %s, "
        f"{column('attempts')} = {column('attempts')} + 1 "
        f"WHERE {column('id')} = %s AND {column('attempts')} < %s AND ("
        f"{column('status')} = %s OR ({column('status')} = %s AND {column('claimed_at')} < %s)) "
        f"RETURNING {', '.join(quote(f.column) for f in meta.concrete_fields)}"
    )
    params = [
        LetterStatus.SENDING.value,
        now,
        letter_id,
        settings.LETTER_MAX_ATTEMPTS,
        LetterStatus.PENDING.value,
        LetterStatus.SENDING.value,
        now - timedelta(seconds=LETTER_CLAIM_TIMEOUT_SECONDS),
    ]
    # Read to the end (one row at most), so the statement is finished and, outside a
    # transaction, committed before the letter is sent.
    claimed = list(Letter.objects.db_manager(alias).raw(sql, params))
    return claimed[0] if claimed else None


def _failed(letter: Letter, exc: Exception, *, claimed_at: datetime) -> LetterDelivery:
    error = f"{type(exc).__name__}: {exc}"[:255]
    mine = Letter.objects.filter(pk=letter.pk, status=LetterStatus.SENDING, claimed_at=claimed_at)
    if letter.attempts >= settings.LETTER_MAX_ATTEMPTS:
        mine.update(status=LetterStatus.FAILED, last_error=error)
        logger.error("letter %s: gave up after %s attempts: %s", letter.pk, letter.attempts, error)
        return LetterDelivery("gave_up")
    delay = _retry_delay(letter.attempts)
    mine.update(
        status=LetterStatus.PENDING,
        next_attempt_at=timezone.now() + timedelta(seconds=delay),
        last_error=error,
    )
    logger.warning(
        "letter %s: attempt %s failed (%s); next try in %ss",
        letter.pk,
        letter.attempts,
        error,
        delay,
    )
    return LetterDelivery("retry", retry_in=delay)


@dataclass(frozen=True)
class SweepReport:
    sent: int
    failed: int
    busy: int


def letters_send_pending(*, limit: int = SWEEP_BATCH) -> SweepReport:
    """The sweep: send every letter that is due (its task was lost, the broker was down, or
    its backoff has passed) and every letter whose sender died mid-send. Safe to run at
    any time, also alongside the letters' own tasks: each letter is claimed before sending.
    """
    now = timezone.now()
    stale = now - timedelta(seconds=LETTER_CLAIM_TIMEOUT_SECONDS)
    Letter.objects.filter(
        status=LetterStatus.SENDING,
        claimed_at__lt=stale,
        attempts__gte=settings.LETTER_MAX_ATTEMPTS,
    ).update(status=LetterStatus.FAILED, last_error="The last attempt's worker was lost.")
    due = Letter.objects.filter(
        Q(status=LetterStatus.PENDING, next_attempt_at__lte=now)
        | Q(status=LetterStatus.SENDING, claimed_at__lt=stale)
    ).order_by("next_attempt_at", "pk")
    counts = {"sent": 0, "retry": 0, "gave_up": 0, "busy": 0}
    for letter_id in list(due.values_list("pk", flat=True)[:limit]):
        counts[letter_deliver(letter_id=letter_id).outcome] += 1
    return SweepReport(
        sent=counts["sent"], failed=counts["retry"] + counts["gave_up"], busy=counts["busy"]
    )
