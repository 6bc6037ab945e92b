"""The consistency checks of ``make bench-cluster``, run with the cluster's environment once
the load is over: every order paid exactly once (ledger and processor), ``audit_money``
clean, stock and ledger agree, and every letter sent exactly once (outbox and the mail
the mail server actually took). Reads setup_data.py's JSON on stdin; prints a JSON report."""

import json
import os
import re
import sys
import time
from collections import Counter
from decimal import Decimal
from io import StringIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.core.management import CommandError, call_command  # noqa: E402
from django.db.models import Sum  # noqa: E402

from core.models import Letter, LetterStatus  # noqa: E402
from shop.models import Order, OrderLine, OrderStatus, Product  # noqa: E402
from wallet.gateways.models import SimulatedCharge, SimulatedRefund  # noqa: E402
from wallet.models import Payment, PaymentStatus  # noqa: E402

MESSAGE_ID = re.compile(r"^Message-ID: <letter-(\d+)@", re.MULTILINE)


def wait_for_letters(seconds: float) -> int:
    """Wait until the worker has sent every letter (or ``seconds`` passed); how long it took."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        waiting = Letter.objects.exclude(status=LetterStatus.SENT).count()
        if not waiting:
            break
        time.sleep(0.5)
    return round(time.monotonic() - started)


def main() -> None:
    data = json.load(sys.stdin)
    problems: list[str] = []
    emails = [u["email"] for u in data["users"]]
    orders = list(Order.objects.filter(user__email__in=emails).order_by("id"))

    # Every order paid exactly once: one succeeded payment in the ledger, one captured charge
    # at the processor, nothing refunded (a double charge would have been refunded).
    not_paid = [o.number for o in orders if o.status != OrderStatus.PAID]
    if not_paid:
        problems.append(f"orders not paid: {not_paid[:10]}")
    numbers = [o.number for o in orders]
    ledger = Counter(
        Payment.objects.filter(reference__in=numbers, status=PaymentStatus.SUCCEEDED).values_list(
            "reference", flat=True
        )
    )
    captured = Counter(
        SimulatedCharge.objects.filter(reference__in=numbers, captured=True).values_list(
            "reference", flat=True
        )
    )
    twice = [n for n in numbers if ledger[n] != 1 or captured[n] != 1]
    if twice:
        problems.append(f"orders not paid exactly once: {twice[:10]}")
    refunds = SimulatedRefund.objects.count()
    if refunds:
        problems.append(f"{refunds} refunds at the processor (a charge was taken twice)")

    # Ledger: what the processor captured for these orders is what they cost.
    paid_total = sum((o.total for o in orders if o.status == OrderStatus.PAID), Decimal(0))
    ledger_total = Payment.objects.filter(
        reference__in=numbers, status=PaymentStatus.SUCCEEDED
    ).aggregate(s=Sum("amount"))["s"] or Decimal(0)
    captured_minor = (
        SimulatedCharge.objects.filter(reference__in=numbers, captured=True).aggregate(
            s=Sum("amount_minor")
        )["s"]
        or 0
    )
    if not (paid_total == ledger_total == Decimal(captured_minor) / 100):
        problems.append(
            f"money: orders {paid_total}, ledger {ledger_total}, processor {captured_minor / 100}"
        )

    # Stock: what left each product is what the stock-holding orders hold.
    for pk, before in data["stock"].items():
        now = Product.objects.get(pk=pk).stock
        held = (
            OrderLine.objects.filter(
                product_id=pk, order__status__in=list(Order.STOCK_HOLDING)
            ).aggregate(q=Sum("quantity"))["q"]
            or 0
        )
        if before - now != held:
            problems.append(f"product {pk}: stock {before} -> {now}, but orders hold {held}")

    # audit_money, as the nightly job runs it.
    out = StringIO()
    try:
        call_command("audit_money", stdout=out)
        audit = out.getvalue().strip().splitlines()[-1]
    except CommandError as exc:
        audit = str(exc)
        problems.append(f"audit_money: {exc}\n{out.getvalue()}")

    # Letters: every one sent, each exactly once, as the mail files show.
    waited = wait_for_letters(float(os.environ.get("CLUSTER_LETTER_WAIT", "90")))
    statuses = Counter(Letter.objects.values_list("status", flat=True))
    if set(statuses) - {LetterStatus.SENT}:
        problems.append(f"letters not sent: {dict(statuses)}")
    confirmations = Counter(
        Letter.objects.filter(dedupe_key__endswith=":confirmation").values_list(
            "dedupe_key", flat=True
        )
    )
    unconfirmed = [o.number for o in orders if not confirmations[f"order:{o.pk}:confirmation"]]
    if unconfirmed:
        problems.append(f"paid orders without a confirmation letter: {unconfirmed[:10]}")
    written = Counter()
    for path in Path(os.environ["CLUSTER_MAIL_DIR"]).glob("*"):
        written.update(int(pk) for pk in MESSAGE_ID.findall(path.read_text(errors="replace")))
    sent_ids = set(Letter.objects.filter(status=LetterStatus.SENT).values_list("pk", flat=True))
    twice_sent = sorted(pk for pk, n in written.items() if n > 1)
    if twice_sent:
        problems.append(f"letters sent more than once: {twice_sent[:10]}")
    if set(written) != sent_ids:
        problems.append(
            f"mail written for {len(written)} letters, outbox says {len(sent_ids)} sent"
        )
    retried = Letter.objects.filter(attempts__gt=1).count()

    print(
        json.dumps(
            {
                "orders": len(orders),
                "paid": len(orders) - len(not_paid),
                "paid_total": str(paid_total),
                "captured_charges": sum(captured.values()),
                "audit": audit,
                "letters": dict(statuses),
                "letters_written": sum(written.values()),
                "letters_retried": retried,
                "letters_waited_s": waited,
                "problems": problems,
            }
        )
    )


if __name__ == "__main__":
    main()
