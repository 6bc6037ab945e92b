"""Settle card payments and refunds left pending by a gateway timeout.

Run it every few minutes (cron, a scheduler). Only rows untouched for ``--older-than``
minutes are looked at, so requests still in flight are left alone.
"""

from datetime import timedelta

from django.core.management.base import BaseCommand

from wallet.exceptions import GatewayUnavailable
from wallet.selectors import payments_needing_reconciliation, refunds_needing_reconciliation
from wallet.services import payment_reconcile, refund_reconcile


class Command(BaseCommand):
    help = "Ask the payment gateway about payments and refunds left pending by timeouts."

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            type=int,
            default=5,
            metavar="MINUTES",
            help="Only rows not updated for this many minutes (default 5).",
        )

    def handle(self, *args, older_than: int, **options):
        age = timedelta(minutes=older_than)
        settled = still_pending = 0
        for payment in payments_needing_reconciliation(older_than=age):
            try:
                payment = payment_reconcile(payment=payment)
            except GatewayUnavailable:
                still_pending += 1
                continue
            self.stdout.write(f"{payment.reference} payment {payment.pk}: {payment.status}")
            settled += 1
        for refund in refunds_needing_reconciliation(older_than=age):
            try:
                refund = refund_reconcile(refund=refund)
            except GatewayUnavailable:
                still_pending += 1
                continue
            self.stdout.write(f"{refund.payment.reference} refund {refund.pk}: {refund.status}")
            settled += 1
        self.stdout.write(f"Reconciled {settled}; {still_pending} still waiting for the gateway.")
