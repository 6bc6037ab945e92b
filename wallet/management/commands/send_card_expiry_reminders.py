"""Remind owners of saved cards that expire within 30 days (once per card and expiry).

Run it daily (cron or the scheduler)."""

from django.core.management.base import BaseCommand

from wallet.services import card_expiry_reminders_send


class Command(BaseCommand):
    help = "Write to owners of saved cards that expire soon (once per card and expiry)."

    def handle(self, *args, **options):
        sent = card_expiry_reminders_send()
        self.stdout.write(f"Sent {sent} card expiry reminder{'s' if sent != 1 else ''}.")
