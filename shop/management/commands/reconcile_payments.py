"""Finish what timeouts, outages and crashes left open, and make every order agree with its
ledger (``shop.services.orders_reconcile``).

Run it every few minutes (cron or the scheduler). It asks the processor about every open
card payment and pending refund, sends pending refunds again with their own keys, then
settles each order whose money disagrees: pays a waiting order its payment succeeded for,
refunds money an order can't keep, and moves cancelled and refunded orders on once their
refunds are accepted. Safe to run while shoppers pay, and as often as wanted.
"""

from django.core.management.base import BaseCommand

from shop.services import orders_reconcile


class Command(BaseCommand):
    help = "Settle open payments and refunds with the processor and apply them to orders."

    def handle(self, *args, **options):
        report = orders_reconcile()
        for line in report.settled:
            self.stdout.write(line)
        for line in report.orders:
            self.stdout.write(line)
        for line in report.still_waiting:
            self.stdout.write(f"{line}: still waiting for the processor")
        orders = len(report.orders)
        self.stdout.write(
            f"Reconciled {len(report.settled)}; {orders} order{'s' if orders != 1 else ''} "
            f"settled; {len(report.still_waiting)} still waiting for the processor."
        )
