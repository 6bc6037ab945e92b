"""Cancel orders left unpaid past ORDER_PAYMENT_TIMEOUT_MINUTES and put their stock back.

Run it from cron every few minutes; viewing or paying an overdue order also expires it.
"""

from django.core.management.base import BaseCommand

from shop.services import order_expire_unpaid


class Command(BaseCommand):
    help = "Cancel unpaid orders past their payment deadline and release their stock."

    def handle(self, *args, **options):
        expired = order_expire_unpaid()
        self.stdout.write(f"Expired {expired} unpaid order{'s' if expired != 1 else ''}.")
