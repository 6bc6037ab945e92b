"""Delete stored security events older than SECURITY_EVENT_RETENTION_DAYS (run daily).

Only the table copy is pruned; the JSON lines live wherever the log shipper keeps them.
"""

from django.core.management.base import BaseCommand

from core.security_log import security_events_prune


class Command(BaseCommand):
    help = "Delete stored security events older than SECURITY_EVENT_RETENTION_DAYS."

    def handle(self, *args, **options):
        deleted, cutoff = security_events_prune()
        self.stdout.write(f"Deleted {deleted} security event(s) older than {cutoff:%Y-%m-%d}.")
