"""Delete stored security events older than SECURITY_EVENT_RETENTION_DAYS (run daily).

Only the table copy is pruned; the JSON lines live wherever the log shipper keeps them.
"""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from core.models import SecurityEvent


class Command(BaseCommand):
    help = "Delete stored security events older than SECURITY_EVENT_RETENTION_DAYS."

    def handle(self, *args, **options):
        cutoff = timezone.now() - timedelta(days=settings.SECURITY_EVENT_RETENTION_DAYS)
        deleted, _ = SecurityEvent.objects.filter(created_at__lt=cutoff).delete()
        self.stdout.write(f"Deleted {deleted} security event(s) older than {cutoff:%Y-%m-%d}.")
