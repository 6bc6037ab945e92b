"""Apply the new details issuers report for saved cards they reissued (a new expiry, or a
new number), through the payment gateway's card updater.

Run it daily (cron or the scheduler). A gateway that can't report updates is skipped."""

from django.core.management.base import BaseCommand

from wallet.services import card_updates_apply


class Command(BaseCommand):
    help = "Ask the payment gateway for issuers' updates to saved cards and apply them."

    def handle(self, *args, **options):
        report = card_updates_apply()
        if report.skipped:
            self.stdout.write(f"Skipped: {report.skipped}.")
            return
        for card in report.applied:
            self.stdout.write(f"card {card.pk}: now {card.display}, expires {card.expiry_display}")
        count = len(report.applied)
        self.stdout.write(f"Updated {count} card{'s' if count != 1 else ''}.")
