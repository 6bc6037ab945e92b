"""`make bench`: Bazaar against a floor (stock Django) and django-oscar, in one run.

What it does, in order (every figure is a ratio to the floor measured in the same run):

1. fresh databases: on the PostgreSQL server ``DATABASE_URL`` points at, ``<prefix>``,
   ``<prefix>_floor`` and ``<prefix>_oscar`` (``BENCH_DB_PREFIX``, default ``bazaar_bench``),
   dropped again at the end; otherwise SQLite files under bench/;
2. Bazaar migrated, static files collected, the bench data set built (``bench.measure
   build``: bench/dataset.py) and a logged-in session made for each shopper; the floor
   (bench/floor/) and, in its own venv, django-oscar (bench/oscar/) prepared beside it;
3. the three served by gunicorn with IDENTICAL settings (2 sync workers unless
   ``BENCH_WORKERS`` says, DEBUG off, loopback): Bazaar like ``make serve-prod``
   (WhiteNoise, a bench-only SECRET_KEY);
4. wrk (``-t2 -c16``, the shopper's session cookie) over every page of the issue's table in
   interleaved rounds with the floor (floor, page, floor, page, ...), median of rounds;
   Oscar's product page and basket the same way; the purchase over HTTP with 16 concurrent
   shoppers (locust: bench/http_purchase.py) between two floor runs; every gunicorn
   worker's resident memory before and after 20,000 requests;
5. in-process (servers stopped): the purchase scenario and Oscar's purchase in
   interleaved rounds (Bazaar, Oscar, Bazaar, ...; ``BENCH_PURCHASE_ROUNDS``, default 3),
   medians of rounds; then queries and bytes per page and the growth figures (cart
   1/10/100 lines, orders 10/10,000, search over 1,000 and 100,000 products with the
   search query's EXPLAIN);
6. bench/results/latest.json and latest.md (printed too).

Bounded (well under 10 minutes; ``BENCH_QUICK=1`` for about 2), loopback only, and every
process it starts is stopped on the way out, whatever happens (a ``finally`` and signal
handlers kill each process group it made). Knobs: ``BENCH_SECONDS`` (per wrk run),
``BENCH_ROUNDS``, ``BENCH_WORKERS`` (default 2), ``BENCH_OSCAR=0`` (skip Oscar),
``BENCH_PORT_BASE`` (default 8400: Bazaar +1, floor +2, Oscar +3), ``BENCH_KEEP_DB=1``.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))

from bench.django_env import bazaar_env  # noqa: E402
from bench.pages import PAGES  # noqa: E402

PYTHON = sys.executable
RESULTS = BENCH / "results"
WORK = RESULTS / "work"  # per-run scratch files (git-ignored)
REPORT_LUA = BENCH / "tools" / "report.lua"
OSCAR_PURCHASE_RECORDED = 2.6  # purchases/s django-oscar did in the recorded run
RSS_REQUESTS = 20_000
TIMES = "\u00d7"  # the multiplication sign, for the report
CONNECTIONS = 16

QUICK = os.environ.get("BENCH_QUICK") == "1"
SECONDS = int(os.environ.get("BENCH_SECONDS") or (3 if QUICK else 5))
# Three rounds: the median of three sets one bad 5-second window aside, where the median of
# two is their mean (a shared host's rate moves by a third between windows). About 90 s more
# than two; 544 s in all on the slowest host seen (floor 560 requests/s).
ROUNDS = int(os.environ.get("BENCH_ROUNDS") or (1 if QUICK else 3))
# Sync workers per server (all three alike): issue 12 measures with 2, one per core. More
# (``BENCH_WORKERS``) shows what overlapping the requests' waits on the database is worth.
WORKERS = int(os.environ.get("BENCH_WORKERS") or 2)
PURCHASE_SECONDS = 8 if QUICK else 20
# In-process purchase rounds, Bazaar's and django-oscar's in turn (``purchase_rounds``).
PURCHASE_ROUNDS = int(os.environ.get("BENCH_PURCHASE_ROUNDS") or (1 if QUICK else 3))
WITH_OSCAR = os.environ.get("BENCH_OSCAR", "1") != "0"
PORT_BASE = int(os.environ.get("BENCH_PORT_BASE") or 8400)
PREFIX = os.environ.get("BENCH_DB_PREFIX") or "bazaar_bench"
STARTED = time.monotonic()


def say(message: str) -> None:
    print(f"[bench {time.monotonic() - STARTED:6.1f}s] {message}", flush=True)


# --------------------------------------------------------------------------- processes
class Processes:
    """Every process the bench starts, each in its own process group, all stopped by
    ``stop_all`` (called from ``finally`` and on SIGINT/SIGTERM)."""

    def __init__(self) -> None:
        self.running: dict[str, subprocess.Popen] = {}

    def start(self, name: str, command: list[str], **kwargs) -> subprocess.Popen:
        process = subprocess.Popen(command, start_new_session=True, **kwargs)
        self.running[name] = process
        return process

    def stop(self, name: str) -> None:
        process = self.running.pop(name, None)
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)

    def stop_all(self) -> None:
        for name in list(self.running):
            self.stop(name)


PROCESSES = Processes()


def run(command: list[str], *, env=None, cwd=None, timeout=600) -> str:
    """Run a step to its end (in its own process group, killed if the bench is stopped);
    its stdout. Its stderr (the security log's lines among others) is shown on failure."""
    name = f"step-{time.monotonic()}"
    process = PROCESSES.start(
        name, command, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        output, errors = process.communicate(timeout=timeout)
    finally:
        PROCESSES.stop(name)
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:4])} failed:\n{output[-2000:]}{errors[-3000:]}")
    return output


def run_together(steps: dict[str, tuple[list[str], dict, Path]], timeout: int = 600) -> None:
    """Run independent steps side by side (they mostly wait on the database); each one's
    output goes to bench/results/work/<name>.log; raise if any fails."""
    started = {}
    for name, (command, env, cwd) in steps.items():
        log = open(WORK / f"{name}.log", "w")  # noqa: SIM115 (closed with the step)
        started[name] = (
            PROCESSES.start(name, command, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT),
            log,
        )
    failed = []
    try:
        for name, (process, log) in started.items():
            if process.wait(timeout=timeout) != 0:
                failed.append(name)
            log.close()
    finally:
        for name in started:
            PROCESSES.stop(name)
    if failed:
        tails = "\n".join((WORK / f"{n}.log").read_text()[-2000:] for n in failed)
        raise RuntimeError(f"{', '.join(failed)} failed:\n{tails}")


# --------------------------------------------------------------------------- databases
class Databases:
    """Bazaar's, the floor's and Oscar's databases for this run."""

    def __init__(self, url: str) -> None:
        self.postgres = url.startswith(("postgres://", "postgresql://"))
        if self.postgres:
            parts = urllib.parse.urlsplit(url)
            self.server = parts._replace(path="/postgres").geturl()
            base = parts._replace(path="").geturl()
            self.names = [PREFIX, f"{PREFIX}_floor", f"{PREFIX}_oscar"]
            self.urls = [f"{base}/{name}" for name in self.names]
        else:
            self.files = [
                BENCH / "bench.sqlite3",
                BENCH / "floor" / "floor.sqlite3",
                BENCH / "oscar" / "oscar.sqlite3",
            ]
            self.urls = [f"sqlite:///{path}" for path in self.files]
        self.bazaar, self.floor, self.oscar = self.urls

    def _admin(self, statements: list[str]) -> None:
        import psycopg

        connection = psycopg.connect(self.server, autocommit=True)
        try:
            with connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)
        finally:
            connection.close()

    def create(self) -> None:
        if self.postgres:
            for name in self.names:
                self._admin(
                    [f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"']
                )
        else:
            for path in self.files:
                path.unlink(missing_ok=True)

    def drop(self) -> None:
        if os.environ.get("BENCH_KEEP_DB") == "1":
            return
        if self.postgres:
            for name in self.names:
                with contextlib.suppress(Exception):
                    self._admin([f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'])
        else:
            for path in self.files:
                path.unlink(missing_ok=True)

    def describe(self) -> str:
        if self.postgres:
            return f"PostgreSQL ({', '.join(self.names)})"
        return "SQLite (bench/*.sqlite3)"


# --------------------------------------------------------------------------- servers
def gunicorn(name: str, python_bin: Path, app: str, port: int, *, cwd: Path, env: dict):
    """One server, with the settings all three share: ``WORKERS`` sync workers on
    loopback."""
    command = [
        str(python_bin.with_name("gunicorn")),
        app,
        "--bind", f"127.0.0.1:{port}",
        "--workers", str(WORKERS),
        "--worker-class", "sync",
        "--pid", str(WORK / f"{name}.pid"),
        "--error-logfile", str(WORK / f"{name}.log"),
    ]  # fmt: skip
    log = open(WORK / f"{name}.stderr.log", "w")  # noqa: SIM115 (the server's lifetime)
    PROCESSES.start(name, command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=log)


def wait_ready(url: str, seconds: int = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer 200 within {seconds}s")


def worker_rss_kib(name: str) -> list[int]:
    """Resident memory (KiB) of each worker of the gunicorn whose pid file is ``name``."""
    master = (WORK / f"{name}.pid").read_text().strip()
    rss = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text()
            if stat.rsplit(")", 1)[1].split()[1] != master:
                continue
            status = (proc / "status").read_text()
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        rss.append(int(re.search(r"VmRSS:\s+(\d+)", status).group(1)))
    return sorted(rss)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def fetch(url: str, cookie: str | None) -> tuple[int, bytes]:
    """One GET as the shopper (no redirect followed: a signed-out page would be a 302)."""
    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, b""


# --------------------------------------------------------------------------- wrk
class Requests:
    """Requests served by Bazaar's server so far (for the memory figure)."""

    count = 0


def wrk(url: str, *, cookie: str | None, seconds: int) -> dict:
    command = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "-s", str(REPORT_LUA)]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    output = run([*command, url], timeout=seconds + 60)
    line = next(x for x in reversed(output.splitlines()) if x.startswith("{"))
    facts = json.loads(line)
    errors = sum(facts[k] for k in facts if k.endswith("_errors")) + facts["timeouts"]
    return {
        "rps": facts["requests"] / (facts["duration_us"] / 1e6),
        "requests": facts["requests"],
        "errors": errors,
        "p50_ms": facts["p50_us"] / 1000,
        "p99_ms": facts["p99_us"] / 1000,
        "bytes_per_request": facts["bytes"] / max(facts["requests"], 1),
    }


def interleaved(targets: dict[str, tuple[str, str | None]], floor_url: str, counts: set):
    """ROUNDS rounds of (floor, target) pairs; per target the median of its runs and of the
    floor runs paired with it, and the share: the median of each round's page rate over the
    floor's measured just before it (a pair sees the host as it was at that moment)."""
    runs: dict[str, list] = {key: [] for key in targets}
    for round_no in range(ROUNDS):
        for key, (url, cookie) in targets.items():
            floor = wrk(floor_url, cookie=None, seconds=SECONDS)
            page = wrk(url, cookie=cookie, seconds=SECONDS)
            if key in counts:
                Requests.count += page["requests"]
            runs[key].append((floor, page))
            say(
                f"round {round_no + 1}/{ROUNDS} {key:14} {page['rps']:7.1f} req/s "
                f"(floor {floor['rps']:.1f}: {page['rps'] / floor['rps']:.1%})"
            )
    results = {}
    for key, pairs in runs.items():
        floors = [f for f, _ in pairs]
        pages = [p for _, p in pairs]
        rps = statistics.median(p["rps"] for p in pages)
        floor_rps = statistics.median(f["rps"] for f in floors)
        shares = [p["rps"] / f["rps"] for f, p in pairs]
        results[key] = {
            "rps": round(rps, 1),
            "floor_rps": round(floor_rps, 1),
            "share": round(statistics.median(shares), 4),
            "round_shares": [round(share, 4) for share in shares],
            "p50_ms": round(statistics.median(p["p50_ms"] for p in pages), 1),
            "p99_ms": round(statistics.median(p["p99_ms"] for p in pages), 1),
            "errors": sum(p["errors"] for p in pages),
            "rounds": [round(p["rps"], 1) for p in pages],
            "floor_rounds": [round(f["rps"], 1) for f in floors],
        }
    return results


# --------------------------------------------------------------------------- report
def _pct(value: float) -> str:
    return f"{value:.1%}"


def markdown(results: dict) -> str:
    floor = results["floor_rps"]
    out = [
        f"# `make bench` — {results['finished_at']}{' (BENCH_QUICK)' if QUICK else ''}",
        "",
        f"{results['database']}; cache: {results.get('cache', 'per process')} (Bazaar and "
        f"Oscar alike); gunicorn {WORKERS} sync workers, DEBUG off, loopback; "
        f"`wrk -t2 -c{CONNECTIONS} -d{SECONDS}s`, {ROUNDS} interleaved round(s) with the floor, "
        f"medians. **Floor (stock Django, one view, one query, ~800-byte template): "
        f"{floor:.0f} requests/s.** Wall time {results['wall_seconds']:.0f} s.",
        "",
        "| page | req/s | share of floor | by round | target | met? | p50 ms | p99 ms | queries "
        "| bytes |",
        "| --- | ---: | ---: | ---: | ---: | :---: | ---: | ---: | ---: | ---: |",
    ]

    def by_round(r: dict) -> str:
        return " / ".join(f"{share * 100:.1f}" for share in r.get("round_shares", [])) or "—"

    for page in PAGES:
        r = results["pages"][page.key]
        out.append(
            f"| {page.label} | {r['rps']:.0f} | {_pct(r['share'])} | {by_round(r)} | "
            f"≥ {page.target:.0%} | "
            f"{'yes' if r['met'] else '**no**'} | {r['p50_ms']:.0f} | {r['p99_ms']:.0f} | "
            f"{r.get('queries', '?')} | {r.get('bytes', '?')} |"
        )
    oscar = results.get("oscar") or {}
    for key, label in (
        ("product", "django-oscar product"),
        ("basket", "django-oscar basket (1 line)"),
    ):
        if key in oscar.get("pages", {}):
            r = oscar["pages"][key]
            out.append(
                f"| {label} | {r['rps']:.0f} | {_pct(r['share'])} | {by_round(r)} | — | — | "
                f"{r['p50_ms']:.0f} | {r['p99_ms']:.0f} | — | {r.get('bytes', '?')} |"
            )

    p = results["purchase"]
    http = p.get("http") or {}
    out += ["", "## Purchase", ""]

    def rounds(figures: dict) -> str:
        rates = figures.get("rounds", [])
        if len(rates) < 2:
            return ""
        return f" (median of {len(rates)} rounds: {', '.join(str(r) for r in rates)})"

    out.append(
        f"- In-process (test client: Add to cart → Order from this seller → Accept and pay "
        f"with the saved card → order page): **{p['inprocess']['purchases_per_s']}/s**"
        f"{rounds(p['inprocess'])}, "
        f"{p['inprocess']['queries_per_purchase']} queries per purchase "
        f"(target ≤ 40: {'met' if p['inprocess']['queries_per_purchase'] <= 40 else 'not met'})."
    )
    versus = p["versus_oscar"]
    oscar_purchase = (results.get("oscar") or {}).get("purchase") or {}
    out.append(
        f"- django-oscar's full purchase, in-process: {versus['oscar_per_s']}/s "
        f"({versus['source']}){rounds(oscar_purchase)}, "
        f"{versus.get('oscar_queries', '—')} queries. Bazaar ÷ Oscar = "
        f"**{versus['ratio']:.1f}{TIMES}** (target ≥ 10{TIMES}: "
        f"{'met' if versus['ratio'] >= 10 else 'not met'})."
    )
    if http:
        out.append(
            f"- Over HTTP, {http['users']} concurrent shoppers for {http['seconds']} s (locust): "
            f"{http['purchases_per_s']} purchases/s {TIMES} "
            f"{http['requests_per_purchase']} requests "
            f"= {http['requests_per_s']} req/s = **{_pct(http['share'])} of the floor** "
            f"({http['floor_rps']:.0f} req/s around it; target ≥ 15%: "
            f"{'met' if http['share'] >= 0.15 else 'not met'}); {http['failures']} failed "
            f"purchases, purchase p50/p99 {http['purchase_p50_ms']:.0f}/"
            f"{http['purchase_p99_ms']:.0f} ms"
            + (
                f"; locust itself used {http['locust_cpu_s']} CPU-seconds on the same cores."
                if "locust_cpu_s" in http
                else "."
            )
        )
    g = results["growth"]
    out += ["", "## Growth (in-process medians)", ""]
    cart = g["cart_ms"]
    sizes = sorted(cart, key=int)
    out.append(
        "- Cart page: "
        + ", ".join(f"{cart[s]} ms at {s} line(s) ({g['cart_queries'][s]} queries)" for s in sizes)
        + f"; 1 → 100 lines costs {g['cart_factor']:.2f}{TIMES} (target ≤ 2{TIMES}: "
        f"{'met' if g['cart_factor'] <= 2 else 'not met'})."
    )
    orders = g["orders_ms"]
    sizes = sorted(orders, key=int)
    out.append(
        "- Orders list: "
        + ", ".join(
            f"{orders[s]} ms at {s} orders ({g['orders_queries'][s]} queries)" for s in sizes
        )
        + f"; {g['orders_factor']:.2f}{TIMES} (target: flat)."
    )
    search = g["search_ms"]
    sizes = sorted(search, key=int)
    out.append(
        "- Search `?q=garden`: "
        + ", ".join(f"{search[s]} ms over {s} products" for s in sizes)
        + f"; the large catalog answers at {_pct(g['search_rate_share'])} of the small one's "
        f"rate (target ≥ 33%: {'met' if g['search_rate_share'] >= 1 / 3 else 'not met'})."
    )
    mem = results["memory"]
    verdict = {True: "met", False: "not met", None: f"not judged: fewer than {RSS_REQUESTS}"}
    out.append(
        f"- Worker resident memory over {mem['requests']} requests: "
        + ", ".join(
            f"{b / 1024:.1f} → {a / 1024:.1f} MiB ({(a - b) / b:+.1%})"
            for b, a in zip(mem["before_kib"], mem["after_kib"], strict=False)
        )
        + f" (target < +10% each over {RSS_REQUESTS}: {verdict[mem['met']]})."
    )
    out += ["", "### EXPLAIN of the search query", ""]
    for size, plans in g.get("search_explain", {}).items():
        out += [f"Over {size} products:", "", "```", str(plans).rstrip(), "```", ""]
    return "\n".join(out).rstrip() + "\n"


def purchase_rounds(data_file: str, env: dict, oscar_dbs: Databases | None):
    """The in-process purchase, Bazaar's and django-oscar's (``oscar_dbs``; None: Bazaar's
    alone, against the issue's recorded Oscar figure), in ``PURCHASE_ROUNDS`` interleaved
    rounds (Bazaar, Oscar, Bazaar, Oscar, ...), each a fresh process with one warm-up
    purchase first, so both meet the machine in the same states, as each page meets the
    floor. Measured once each, one after the other, they met the machine at different
    moments, and on a shared host one process's rate drifts by a third from minute to
    minute (Bazaar 7.7-15.3/s, Oscar 1.5-3.2/s on one afternoon). Medians of rounds.
    Returns Bazaar's figures, the comparison, and Oscar's figures (or None)."""
    out, oscar_out = WORK / "purchase.json", WORK / "oscar-purchase.json"
    bazaar_rounds: list[dict] = []
    oscar_rounds: list[dict] = []
    for number in range(PURCHASE_ROUNDS):
        run([PYTHON, "-m", "bench.measure", "purchase", data_file, str(out),
             *(["--quick"] if QUICK else [])], env=env, cwd=ROOT, timeout=300)  # fmt: skip
        bazaar_rounds.append(json.loads(out.read_text()))
        line = f"Bazaar {bazaar_rounds[-1]['purchases_per_s']}/s"
        if oscar_dbs is not None:
            try:
                run([PYTHON, str(BENCH / "oscar" / "run_oscar.py"), "purchase",
                     "--count", "5" if QUICK else "15", "--out", str(oscar_out)],
                    env=oscar_env(oscar_dbs.oscar), timeout=600)  # fmt: skip
            except RuntimeError as error:
                say(f"django-oscar's purchase failed; using the recorded figure: {error}")
                oscar_dbs, oscar_rounds = None, []
            else:
                oscar_rounds.append(json.loads(oscar_out.read_text()))
                line += f", django-oscar {oscar_rounds[-1]['purchases_per_s']}/s"
        say(f"round {number + 1}/{PURCHASE_ROUNDS} purchase in-process: {line}")

    def summary(rounds: list[dict]) -> dict:
        rates = [r["purchases_per_s"] for r in rounds]
        return {
            **rounds[-1],
            "purchases_per_s": round(statistics.median(rates), 2),
            "queries_per_purchase": statistics.median(r["queries_per_purchase"] for r in rounds),
            "rounds": rates,
        }

    bazaar = summary(bazaar_rounds)
    oscar = summary(oscar_rounds) if oscar_rounds else None
    if oscar is None:
        versus = {"oscar_per_s": OSCAR_PURCHASE_RECORDED, "source": "the issue's recorded figure"}
    else:
        versus = {
            "oscar_per_s": oscar["purchases_per_s"],
            "oscar_queries": oscar["queries_per_purchase"],
            "source": "same run, in turns with Bazaar's",
        }
    versus["ratio"] = bazaar["purchases_per_s"] / versus["oscar_per_s"]
    return bazaar, versus, oscar


def oscar_pages_measure(oscar: dict, oscar_base: str, floor_base: str) -> dict:
    """Oscar's product page and 1-line basket, interleaved with the floor like Bazaar's."""
    cookie = f"sessionid={oscar['session_cookie']}"
    targets = {key: (oscar_base + url, cookie) for key, url in oscar["pages"].items()}
    for url, page_cookie in targets.values():
        status, _body = fetch(url, page_cookie)
        if status != 200:
            raise RuntimeError(f"oscar {url} answered {status}")
        wrk(url, cookie=page_cookie, seconds=1)
    pages = interleaved(targets, floor_base + "/", counts=set())
    for key in pages:
        pages[key]["bytes"] = len(fetch(targets[key][0], cookie)[1])
    return pages


# --------------------------------------------------------------------------- main
# The shared cache a deployment of more than one process runs with (README: rate limits
# and sessions in Redis), one database each for Bazaar and Oscar, emptied before and after
# the run. BENCH_REDIS_URL="" (or no Redis answering) runs both without it.
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379")
CACHE_DBS = {"bazaar": 13, "oscar": 14}


def cache_urls() -> dict[str, str]:
    """``{"bazaar": url, "oscar": url}`` of emptied Redis databases, or {} without Redis."""
    if not REDIS_URL:
        return {}
    import redis

    urls = {name: f"{REDIS_URL.rstrip('/')}/{db}" for name, db in CACHE_DBS.items()}
    try:
        for url in urls.values():
            redis.Redis.from_url(url, socket_connect_timeout=1).flushdb()
    except redis.RedisError as error:
        say(f"no Redis at {REDIS_URL} ({error}): caches and sessions per process and database")
        return {}
    return urls


def caches_empty(urls: dict[str, str]) -> None:
    import redis

    for url in urls.values():
        with contextlib.suppress(redis.RedisError):
            redis.Redis.from_url(url, socket_connect_timeout=1).flushdb()


def oscar_env(url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTHON"))}
    env.update(OSCAR_DATABASE_URL=url, CONN_MAX_AGE="60")
    if CACHES.get("oscar"):
        env["OSCAR_CACHE_URL"] = CACHES["oscar"]
    return env


def floor_env(url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTHON"))}
    env.update(FLOOR_DATABASE_URL=url, CONN_MAX_AGE="60", DJANGO_SETTINGS_MODULE="floor.settings")
    return env


CACHES: dict[str, str] = {}


def main() -> dict:
    WORK.mkdir(parents=True, exist_ok=True)
    dbs = Databases(os.environ.get("DATABASE_URL") or "sqlite://")
    say(f"databases: {dbs.describe()}; quick={QUICK}, {ROUNDS} round(s) of {SECONDS}s")
    dbs.create()
    CACHES.update(cache_urls())
    try:
        return measure(dbs)
    finally:
        PROCESSES.stop_all()
        dbs.drop()
        caches_empty(CACHES)


def measure(dbs: Databases) -> dict:
    env = bazaar_env(dbs.bazaar, CACHES.get("bazaar", ""))
    ports = {"bazaar": PORT_BASE + 1, "floor": PORT_BASE + 2, "oscar": PORT_BASE + 3}
    base = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    files = {name: str(WORK / f"{name}.json") for name in ("data", "sessions", "inprocess")}

    oscar_prepare = None
    if WITH_OSCAR:  # in parallel with Bazaar's build: it is mostly waiting on the database
        oscar_prepare = PROCESSES.start(
            "oscar-prepare",
            [PYTHON, str(BENCH / "oscar" / "run_oscar.py"), "prepare",
             "--out", str(WORK / "oscar.json")],
            env=oscar_env(dbs.oscar), stdout=open(WORK / "oscar-prepare.log", "w"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    floor_dir = BENCH / "floor"
    run_together(
        {
            "migrate": ([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], env, ROOT),
            "collectstatic": (
                [PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], env, ROOT
            ),
            "floor-migrate": (
                [PYTHON, "manage.py", "migrate", "--noinput", "-v0"], floor_env(dbs.floor),
                floor_dir,
            ),
        }
    )  # fmt: skip
    say("Bazaar and the floor migrated; building the data set")
    build_args = [PYTHON, "-m", "bench.measure", "build", files["data"]]
    print(run([*build_args, *(["--quick"] if QUICK else [])], env=env, cwd=ROOT), end="")
    run([PYTHON, "-m", "bench.measure", "sessions", files["data"], files["sessions"]],
        env=env, cwd=ROOT)  # fmt: skip
    data = json.loads(Path(files["data"]).read_text())
    sessions = json.loads(Path(files["sessions"]).read_text())
    cookie = f"sessionid={sessions[data['page_shopper']]}"

    oscar = None
    if oscar_prepare is not None:
        try:
            oscar_prepare.wait(timeout=300)
        finally:
            PROCESSES.stop("oscar-prepare")
        if oscar_prepare.returncode == 0:
            oscar = json.loads((WORK / "oscar.json").read_text())
        else:
            say("django-oscar could not be prepared (see bench/results/work/oscar-prepare.log)")

    say("starting the servers")
    gunicorn("bazaar", Path(PYTHON), "config.wsgi", ports["bazaar"], cwd=ROOT, env=env)
    gunicorn("floor", Path(PYTHON), "floor.wsgi", ports["floor"], cwd=floor_dir,
             env=floor_env(dbs.floor))  # fmt: skip
    if oscar:
        oscar_python = BENCH / ".oscar-venv" / "bin" / "python"
        gunicorn("oscar", oscar_python, "oscar_project.wsgi", ports["oscar"],
                 cwd=BENCH / "oscar", env=oscar_env(dbs.oscar))  # fmt: skip
    wait_ready(base["floor"] + "/")
    wait_ready(base["bazaar"] + "/")
    if oscar:
        try:
            wait_ready(base["oscar"] + oscar["pages"]["product"])
        except RuntimeError as error:
            say(f"django-oscar is left out: {error}")
            oscar = None

    from bench.dataset import BenchData

    bench_data = BenchData(**{k: v for k, v in data.items() if k != "build_seconds"})
    targets = {}
    http_bytes = {}
    for page in PAGES:
        url = base["bazaar"] + page.url(bench_data)
        status, body = fetch(url, cookie)
        if status != 200:
            raise RuntimeError(f"{url} answered {status} to the signed-in shopper")
        http_bytes[page.key] = len(body)
        targets[page.key] = (url, cookie)
    status, floor_body = fetch(base["floor"] + "/", None)
    if status != 200:
        raise RuntimeError(f"the floor answered {status}")
    say(f"every page answers 200; the floor's page is {len(floor_body)} bytes")

    for url, page_cookie in [*targets.values(), (base["floor"] + "/", None)]:
        warm = wrk(url, cookie=page_cookie, seconds=1)
        if not url.startswith(base["floor"]):
            Requests.count += warm["requests"]
    rss_before = worker_rss_kib("bazaar")

    pages = interleaved(targets, base["floor"] + "/", counts=set(targets))

    say(f"purchase over HTTP: 16 shoppers for {PURCHASE_SECONDS}s")
    floor_before = wrk(base["floor"] + "/", cookie=None, seconds=SECONDS)
    http = json.loads(
        run(
            [PYTHON, "-m", "bench.http_purchase", base["bazaar"], files["data"],
             files["sessions"], str(PURCHASE_SECONDS), str(WORK / "http_purchase.json")],
            env=env, cwd=ROOT, timeout=PURCHASE_SECONDS + 120,
        ).strip().splitlines()[-1]
    )  # fmt: skip
    floor_after = wrk(base["floor"] + "/", cookie=None, seconds=SECONDS)
    Requests.count += int(http["purchases"] * http["requests_per_purchase"])
    http["floor_rps"] = statistics.mean([floor_before["rps"], floor_after["rps"]])
    http["share"] = round(http["requests_per_s"] / http["floor_rps"], 4)
    say(f"HTTP purchase: {http['purchases_per_s']}/s, {http['share']:.1%} of the floor")

    oscar_results = None
    if oscar:
        try:
            oscar_results = {"pages": oscar_pages_measure(oscar, base["oscar"], base["floor"])}
        except RuntimeError as error:  # Oscar is a comparison: its failure is reported
            say(f"django-oscar's pages are left out: {error}")
            oscar = None
        PROCESSES.stop("oscar")

    # Memory: top the requests served up to RSS_REQUESTS with more product-page loads.
    # Within the bench's bound: until 7 min 20 s from the start (in-process steps follow).
    budget = STARTED + (0 if QUICK else 440)
    product_url = targets["product"][0]
    while Requests.count < RSS_REQUESTS and time.monotonic() < budget:
        Requests.count += wrk(product_url, cookie=cookie, seconds=10)["requests"]
    rss_after = worker_rss_kib("bazaar")
    say(f"worker memory over {Requests.count} requests: {rss_before} → {rss_after} KiB")
    PROCESSES.stop_all()

    purchase, versus, oscar_purchase = purchase_rounds(files["data"], env, dbs if oscar else None)
    if oscar_results is not None and oscar_purchase is not None:
        oscar_results["purchase"] = oscar_purchase

    say("in-process: queries and bytes per page, growth (grows the catalog)")
    inprocess_args = [PYTHON, "-m", "bench.measure", "inprocess", files["data"],
                      files["inprocess"]]  # fmt: skip
    print(run([*inprocess_args, *(["--quick"] if QUICK else [])], env=env, cwd=ROOT,
              timeout=900), end="")  # fmt: skip
    inprocess = json.loads(Path(files["inprocess"]).read_text())

    for page in PAGES:
        r = pages[page.key]
        r.update(inprocess["pages"][page.key])
        r["http_bytes"] = http_bytes[page.key]
        r["target"] = page.target
        r["met"] = r["share"] >= page.target and r["errors"] == 0
    growth = inprocess["growth"]
    cart, orders, search = growth["cart_ms"], growth["orders_ms"], growth["search_ms"]
    growth["cart_factor"] = cart[max(cart, key=int)] / cart[min(cart, key=int)]
    growth["orders_factor"] = orders[max(orders, key=int)] / orders[min(orders, key=int)]
    growth["search_rate_share"] = search[min(search, key=int)] / search[max(search, key=int)]
    memory = {
        "requests": Requests.count,
        "before_kib": rss_before,
        "after_kib": rss_after,
        "met": all(a < b * 1.10 for b, a in zip(rss_before, rss_after, strict=False))
        if Requests.count >= RSS_REQUESTS
        else None,
    }
    all_floors = [r["floor_rps"] for r in pages.values()]
    return {
        "finished_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "quick": QUICK,
        "database": dbs.describe(),
        "cache": "Redis (cache and sessions)"
        if CACHES
        else "per process; sessions in the database",
        "wrk": {"threads": 2, "connections": CONNECTIONS, "seconds": SECONDS, "rounds": ROUNDS},
        "floor_rps": round(statistics.median(all_floors), 1),
        "floor_bytes": len(floor_body),
        "pages": pages,
        "purchase": {"inprocess": purchase, "http": http, "versus_oscar": versus},
        "oscar": oscar_results,
        "growth": growth,
        "memory": memory,
        "data_set": {k: data[k] for k in ("build_seconds",) if k in data},
        "wall_seconds": round(time.monotonic() - STARTED, 1),
    }


def _stop(signum, frame):
    raise SystemExit(128 + signum)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    results = main()
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(results, indent=1) + "\n")
    table = markdown(results)
    (RESULTS / "latest.md").write_text(table)
    print()
    print(table)
