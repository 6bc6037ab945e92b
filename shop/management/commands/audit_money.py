"""Hold every order's money against the ledger and the processor's own records.

Run it nightly. Prints every mismatch with the order number and exits with status 1 if
there is one; payments and refunds still inside the settle window are listed as in flight
and are not mismatches.
"""

from django.core.management.base import BaseCommand, CommandError

from shop.services import money_audit


class Command(BaseCommand):
    help = "Compare every order with the wallet ledger and the processor; exit 1 on a mismatch."

    def add_arguments(self, parser):
        parser.add_argument("numbers", nargs="*", metavar="ORDER", help="only these orders")

    def handle(self, *args, numbers, **options):
        report = money_audit(numbers=numbers or None)
        for line in report.in_flight:
            self.stdout.write(f"in flight  {line}")
        for line in report.mismatches:
            self.stdout.write(f"MISMATCH   {line}")
        summary = (
            f"Audited {report.orders} orders: {len(report.mismatches)} mismatches, "
            f"{len(report.in_flight)} in flight."
        )
        if report.mismatches:
            raise CommandError(summary, returncode=1)
        self.stdout.write(summary)
