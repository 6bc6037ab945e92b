"""Delete anonymous carts whose sessions have expired (run from cron, e.g. daily)."""

from django.core.management.base import BaseCommand

from shop.services import cart_delete_abandoned


class Command(BaseCommand):
    help = "Delete anonymous carts that no session can reach any more."

    def handle(self, *args, **options):
        deleted = cart_delete_abandoned()
        self.stdout.write(f"Deleted {deleted} abandoned anonymous cart(s).")
