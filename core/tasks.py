"""Core's Celery tasks: sending the outbox's letters, the sweep that sends what a lost task
left, and the nightly housekeeping (sessions, stored security events)."""

import logging

from celery import shared_task
from django.core.management import call_command

from core.letters import letter_deliver, letters_send_pending
from core.security_log import security_events_prune

logger = logging.getLogger("core.tasks")


@shared_task(bind=True, name="core.tasks.letter_send", max_retries=None)
def letter_send(self, letter_id: int) -> str:
    """Send one letter of the outbox; on a mail server's failure, retry with exponential
    backoff (the letter keeps its attempts and next try). Eagerly (no broker) a failed
    letter waits for the sweep instead, so a request never waits through retries."""
    delivery = letter_deliver(letter_id=letter_id)
    if delivery.retry_in is not None and not self.request.is_eager:
        raise self.retry(countdown=delivery.retry_in)
    return delivery.outcome


@shared_task(name="core.tasks.send_pending_letters")
def send_pending_letters() -> dict:
    """``manage.py send_pending_letters``, every minute."""
    report = letters_send_pending()
    return {"sent": report.sent, "failed": report.failed}


@shared_task(name="core.tasks.clearsessions")
def clearsessions() -> None:
    """Django's ``manage.py clearsessions``, nightly."""
    call_command("clearsessions")


@shared_task(name="core.tasks.prune_security_events")
def prune_security_events() -> int:
    """``manage.py prune_security_events``, nightly."""
    deleted, cutoff = security_events_prune()
    logger.info("pruned %s security event(s) older than %s", deleted, cutoff)
    return deleted
