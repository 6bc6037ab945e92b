"""The purchase over HTTP with 16 concurrent shoppers: locust, headless, against a running
server (``bench/locustfile.py`` says what each shopper does).

    python -m bench.http_purchase BASE_URL DATA.json SESSIONS.json SECONDS OUT.json

Writes purchases/s, the HTTP requests each purchase takes (every redirect followed), their
product (the HTTP requests/s purchases cause, to divide by the floor's requests/s),
failures and purchase latency percentiles. Loopback only; bounded by SECONDS.
"""

from __future__ import annotations

import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.inprocess import PURCHASE_REQUESTS

USERS = 16
LOCUST = Path(sys.executable).with_name("locust")


def run(base: str, data: dict, sessions: dict, seconds: int) -> dict:
    buyers = data["shoppers"][1 : 1 + USERS] or data["shoppers"]
    shoppers = [
        {
            "session": sessions[email],
            "product_id": data["purchase_product_id"],
            "product_slug": data.get("purchase_product_slug", "bench-purchase-item"),
            "seller": data["purchase_seller"],
        }
        for email in buyers
    ]
    with tempfile.TemporaryDirectory(prefix="bench-locust-") as tmp:
        shoppers_file = Path(tmp, "shoppers.json")
        shoppers_file.write_text(json.dumps(shoppers))
        prefix = str(Path(tmp, "run"))
        command = [
            str(LOCUST),
            "-f",
            str(Path(__file__).with_name("locustfile.py")),
            "--headless",
            "--host",
            base,
            "-u",
            str(USERS),
            "-r",
            str(USERS),
            "-t",
            f"{seconds}s",
            "--stop-timeout",
            "10",
            "--only-summary",
            "--csv",
            prefix,
            "--loglevel",
            "WARNING",
        ]
        env = {**os.environ, "BENCH_SHOPPERS": str(shoppers_file)}
        # The load generator shares the machine with the servers it loads: what it burns
        # is reported next to the result.
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        done = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=seconds + 60, check=False
        )
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        with open(f"{prefix}_stats.csv") as fh:
            rows = list(csv.DictReader(fh))
        with open(f"{prefix}_failures.csv") as fh:
            failures = list(csv.DictReader(fh))
    purchase = next((r for r in rows if r["Type"] == "PURCHASE"), None)
    if purchase is None:
        raise RuntimeError(f"locust ran no purchase: {done.stderr[-2000:]}")
    count, failed = int(purchase["Request Count"]), int(purchase["Failure Count"])
    # locust's rate counts failed purchases too: only paid orders count here.
    per_s = float(purchase["Requests/s"]) * (count - failed) / count if count else 0.0
    return {
        "users": len(shoppers),
        "seconds": seconds,
        "purchases": count - failed,
        "failures": failed,
        "failure_examples": sorted({r["Error"] for r in failures}, key=len)[:3],
        "purchases_per_s": round(per_s, 2),
        "requests_per_purchase": PURCHASE_REQUESTS,
        "requests_per_s": round(per_s * PURCHASE_REQUESTS, 1),
        "purchase_p50_ms": float(purchase["50%"] or 0),
        "purchase_p99_ms": float(purchase["99%"] or 0),
        "http_failures": sum(
            int(r["Failure Count"]) for r in rows if r["Type"] not in ("PURCHASE", "")
        ),
        "locust_exit": done.returncode,
        "locust_cpu_s": round(
            after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 1
        ),
    }


def main(argv: list[str]) -> None:
    base, data_path, sessions_path, seconds, out = argv
    with open(data_path) as fh:
        data = json.load(fh)
    with open(sessions_path) as fh:
        sessions = json.load(fh)
    result = run(base, data, sessions, int(seconds))
    with open(out, "w") as fh:
        json.dump(result, fh, indent=1)
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
