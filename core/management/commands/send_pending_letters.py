"""Send every letter in the outbox that is due: its task was lost, the broker was down, or
its retry time has come (``core.letters.letters_send_pending``).

Celery beat runs it every minute; without a worker (cron, or ``make run`` after a failed
send) run it by hand. Never sends a letter twice.
"""

from django.core.management.base import BaseCommand

from core.letters import letters_send_pending


class Command(BaseCommand):
    help = "Send the outbox's letters that are due (never one twice)."

    def handle(self, *args, **options):
        report = letters_send_pending()
        self.stdout.write(
            f"Sent {report.sent} letter(s); {report.failed} failed and wait for a retry."
        )
