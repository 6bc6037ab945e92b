"""The wallet's daily jobs on Celery beat (schedule: ``CELERY_BEAT_SCHEDULE`` in settings),
each running the same service as its management command."""

from celery import shared_task

from wallet.services import card_expiry_reminders_send, card_updates_apply


@shared_task(name="wallet.tasks.send_card_expiry_reminders")
def send_card_expiry_reminders() -> int:
    """``manage.py send_card_expiry_reminders``, daily."""
    return card_expiry_reminders_send()


@shared_task(name="wallet.tasks.update_cards_from_issuers")
def update_cards_from_issuers() -> dict:
    """``manage.py update_cards_from_issuers``, daily."""
    report = card_updates_apply()
    return {"skipped": report.skipped or "", "applied": len(report.applied)}
