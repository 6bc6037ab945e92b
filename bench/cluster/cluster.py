"""``make bench-cluster``: the shop as a cluster on one machine, under load, then checked.

Starts, all on loopback: Redis (cache, session store and Celery broker), a PostgreSQL
database of its own (created, then dropped), two gunicorn app servers, one Celery worker
and Celery beat, and nginx balancing the two servers; the simulated processor answers in
``SIMULATED_GATEWAY_LATENCY_MS`` (200), and the mail server (a sink in this script) refuses
every third letter, so the workers retry. Then drives, through nginx, the purchase scenario
for many shoppers at once (log in, Add to cart, Order from this seller, Accept and pay with
the saved card, the order page) and the two-tab race (two payment pages of one order, paid
at the same moment through different app servers). Finally checks: no 5xx anywhere, every
order paid exactly once (ledger and processor, ``audit_money`` clean), stock and ledger
agree, no letter sent twice (the outbox against the mail actually written), and prints a
PASS/FAIL summary with the counts. Exits 0 on PASS, 1 on FAIL.

Bounded (``--timeout``, 600 s), stops every process it started (their process groups,
also on Ctrl-C, SIGTERM or the timeout) and drops its database. Options: ``--help``.
"""

from __future__ import annotations

import argparse
import contextlib
import html.parser
import http.cookiejar
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from smtp_sink import SmtpSink  # next to this script (the script's directory is on sys.path)

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"


# --------------------------------------------------------------------------- processes


class Processes:
    """Every process the run starts, each in its own process group so stopping it stops its
    children (gunicorn and Celery workers) too. Nothing else is ever signalled."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.started: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen:
        log = open(self.logs / f"{name}.log", "wb")  # noqa: SIM115  (closed by the child's exit)
        proc = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.started.append((name, proc))
        return proc

    def dead(self) -> list[str]:
        return [name for name, proc in self.started if proc.poll() is not None]

    def stop_all(self) -> None:
        for _name, proc in reversed(self.started):
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for _name, proc in self.started:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def run(args: list[str], env: dict[str, str], *, stdin: str | None = None) -> str:
    done = subprocess.run(
        args, cwd=ROOT, env=env, input=stdin, capture_output=True, text=True, timeout=300
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:3])} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def wait_http(url: str, procs: Processes, *, seconds: float = 60) -> str:
    deadline = time.monotonic() + seconds
    last = ""
    while time.monotonic() < deadline:
        if procs.dead():
            raise RuntimeError(f"stopped while starting: {procs.dead()} (logs in {procs.logs})")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read().decode()
        except (urllib.error.URLError, OSError) as exc:
            last = str(exc)
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer in {seconds:.0f} s: {last}")


def wait_redis(port: int, procs: Processes) -> None:
    import redis

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if procs.dead():
            raise RuntimeError(f"redis stopped while starting (logs in {procs.logs})")
        try:
            redis.Redis(host=HOST, port=port, socket_connect_timeout=1).ping()
            return
        except redis.RedisError:
            time.sleep(0.2)
    raise RuntimeError("redis did not start")


def database(server_url: str, name: str, *, create: bool) -> None:
    import psycopg

    conn = psycopg.connect(server_url, autocommit=True)
    with conn.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if create:
            cursor.execute(f'CREATE DATABASE "{name}"')
    conn.close()


# ------------------------------------------------------------------------------ driver


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.statuses: Counter[int] = Counter()
        self.server_errors: list[str] = []
        self.errors: list[str] = []
        self.pay_ms: list[float] = []

    def record(self, method: str, path: str, status: int) -> None:
        with self.lock:
            self.statuses[status] += 1
            if status >= 500:
                self.server_errors.append(f"{status} {method} {path}")

    def error(self, message: str) -> None:
        with self.lock:
            self.errors.append(message)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class _Forms(html.parser.HTMLParser):
    """The POST forms of a page: their action and the fields a browser would submit as the
    page stands (hidden fields, checked radios and boxes, filled inputs)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, dict[str, str]]] = []
        self._current: dict[str, str] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self._current = {}
            self.forms.append((a.get("action") or "", self._current))
        elif tag == "input" and self._current is not None and a.get("name"):
            kind = (a.get("type") or "text").lower()
            if kind in ("radio", "checkbox"):
                if "checked" in a:
                    self._current[a["name"]] = a.get("value") or "on"
            elif kind not in ("submit", "button") and a.get("value") is not None:
                self._current[a["name"]] = a["value"]

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None


def form_with(page: str, field: str) -> dict[str, str]:
    parser = _Forms()
    parser.feed(page)
    for _action, fields in parser.forms:
        if field in fields:
            return dict(fields)
    raise LookupError(f"no form with {field!r}")


class Browser:
    """One shopper's browser tab: its own cookies, no automatic redirects, optionally pinned
    to one app server behind nginx (the X-Bench-Upstream header)."""

    def __init__(self, base: str, stats: Stats, *, pin: str = "") -> None:
        self.base, self.stats, self.pin = base, stats, pin
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect
        )

    def _csrf(self) -> str:
        return next((c.value for c in self.jar if c.name == "csrftoken"), "")

    def request(self, method: str, path: str, fields: dict | None = None):
        headers = {"User-Agent": "bazaar-bench-cluster"}
        if self.pin:
            headers["X-Bench-Upstream"] = self.pin
        data = None
        if fields is not None:
            data = urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": self._csrf()})
            data = data.encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        try:
            with self.opener.open(req, timeout=90) as response:
                status, body, location = response.status, response.read(), None
        except urllib.error.HTTPError as exc:
            status, body, location = exc.code, exc.read(), exc.headers.get("Location")
        self.stats.record(method, re.sub(r"BZ-\d+", "BZ-…", path), status)
        return status, body.decode(errors="replace"), location

    def get(self, path: str):
        return self.request("GET", path)

    def post(self, path: str, fields: dict):
        return self.request("POST", path, fields)

    def log_in(self, email: str, password: str) -> None:
        self.get("/accounts/login/")
        status, _body, _ = self.post("/accounts/login/", {"username": email, "password": password})
        if status != 302:
            raise RuntimeError(f"login of {email} answered {status}")


def _checkout(tab: Browser, product: dict, *, payment: str | None = None) -> tuple[int, str]:
    """Add to cart, Order from this seller, Accept and pay; returns the answer and where it
    sends the shopper."""
    status, _, _ = tab.post(f"/cart/add/{product['id']}/", {"quantity": "1"})
    if status != 302:
        raise RuntimeError(f"Add to cart answered {status}")
    url = f"/checkout/{product['seller']}/"
    status, page, _ = tab.get(url)
    if status != 200:
        raise RuntimeError(f"order page answered {status}")
    fields = form_with(page, "token")
    if payment:
        fields["payment"] = payment
    started = time.monotonic()
    status, _, location = tab.post(url, fields)
    tab.stats.pay_ms.append((time.monotonic() - started) * 1000)
    return status, location or ""


def shopper_purchases(base: str, stats: Stats, user: dict, products: list, n: int, k: int) -> int:
    tab = Browser(base, stats)
    tab.log_in(user["email"], user["password"])
    paid = 0
    for i in range(k):
        product = products[(n + i) % len(products)]
        status, location = _checkout(tab, product)
        if status != 302 or "/orders/BZ-" not in location:
            stats.error(f"{user['email']}: Accept and pay answered {status} -> {location}")
            continue
        status, page, _ = tab.get(urllib.parse.urlsplit(location).path)
        if status == 200 and "is paid" in page:
            paid += 1
        else:
            stats.error(f"{user['email']}: order page {status} does not say paid")
    return paid


def two_tab_race(base: str, stats: Stats, user: dict, product: dict) -> tuple[int, int]:
    """One order, two tabs of the shopper on different app servers, Pay at the same moment.
    Returns both answers' statuses."""
    tab_a, tab_b = Browser(base, stats, pin="app1"), Browser(base, stats, pin="app2")
    tab_a.log_in(user["email"], user["password"])
    tab_b.log_in(user["email"], user["password"])
    status, location = _checkout(tab_a, product, payment="other")
    pay_url = urllib.parse.urlsplit(location).path
    if status != 302 or not pay_url.endswith("/pay/"):
        raise RuntimeError(f"Accept and pay (other methods) answered {status} -> {location}")
    forms = []
    for tab in (tab_a, tab_b):
        status, page, _ = tab.get(pay_url)
        fields = form_with(page, "method")
        fields["method"] = f"card-{user['card']}"
        forms.append(fields)
    barrier = threading.Barrier(2)
    answers: list[int] = [0, 0]

    def pay(i: int, tab: Browser) -> None:
        barrier.wait()
        answers[i] = tab.post(pay_url, forms[i])[0]

    threads = [threading.Thread(target=pay, args=(i, t)) for i, t in enumerate((tab_a, tab_b))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers[0], answers[1]


# ------------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shoppers", type=int, default=int(os.environ.get("CLUSTER_SHOPPERS", 16)))
    parser.add_argument("--purchases", type=int, default=3, help="purchases per shopper")
    parser.add_argument("--races", type=int, default=8, help="two-tab races")
    parser.add_argument("--latency-ms", type=int, default=200)
    parser.add_argument("--port", type=int, default=int(os.environ.get("CLUSTER_PORT", 8500)))
    parser.add_argument(
        "--postgres",
        default=os.environ.get("CLUSTER_POSTGRES", "postgres://postgres@127.0.0.1:5432/postgres"),
        help="a PostgreSQL server (any database on it) where the run creates its own",
    )
    parser.add_argument(
        "--database",
        default=os.environ.get("CLUSTER_DATABASE", "bazaar_bench_cluster"),
        help="the database it creates and drops (must not hold anything you keep)",
    )
    parser.add_argument(
        "--mail-fail-every", type=int, default=3, help="the mail server refuses every Nth letter"
    )
    parser.add_argument("--timeout", type=int, default=600, help="seconds before giving up")
    parser.add_argument("--keep", action="store_true", help="keep the logs directory")
    args = parser.parse_args()

    port = args.port
    app_ports, redis_port, smtp_port = (port + 1, port + 2), port + 3, port + 4
    tmp = Path(tempfile.mkdtemp(prefix="bazaar-cluster-"))
    os.chmod(tmp, 0o755)  # noqa: S103  (nginx's workers, as nobody, write temp files below)
    (tmp / "mail").mkdir()
    procs = Processes(tmp)
    base = f"http://{HOST}:{port}"
    db_url = urllib.parse.urlsplit(args.postgres)._replace(path=f"/{args.database}").geturl()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "SECRET_KEY": "cluster-bench-only-not-a-secret",  # BENCH ONLY, throwaway database
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "SECURE_HSTS_SECONDS": "0",
        "DATABASE_URL": db_url,
        "REDIS_URL": f"redis://{HOST}:{redis_port}/1",
        "CELERY_BROKER_URL": f"redis://{HOST}:{redis_port}/0",
        "SESSION_ENGINE": "django.contrib.sessions.backends.cache",
        "TRUSTED_PROXY_COUNT": "1",
        "SIMULATED_GATEWAY_LATENCY_MS": str(args.latency_ms),
        "LETTER_SWEEP_SECONDS": "5",  # so a short run sees beat at work
        # A busy mail server: every third message is refused with a 451 and retried.
        "EMAIL_URL": f"smtp://{HOST}:{smtp_port}",
        "CLUSTER_MAIL_DIR": str(tmp / "mail"),
        "LETTER_RETRY_BASE_SECONDS": "1",
        "SITE_URL": base,
        "MEDIA_ROOT": str(tmp / "media"),
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("CELERY_TASK_ALWAYS_EAGER", None)

    def give_up(signum, _frame):
        raise SystemExit(f"stopped by signal {signum}" if signum != signal.SIGALRM else "timeout")

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGALRM):
        signal.signal(signum, give_up)
    signal.alarm(args.timeout)

    passed = False
    sink = None
    t0 = time.monotonic()
    try:
        print(f"bench-cluster: logs in {tmp}", flush=True)
        sink = SmtpSink(smtp_port, tmp / "mail", fail_every=args.mail_fail_every)
        sink.start()
        procs.start(
            "redis",
            [
                "redis-server",
                "--bind",
                HOST,
                "--port",
                str(redis_port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(tmp),
            ],
            env,
        )
        wait_redis(redis_port, procs)
        database(args.postgres, args.database, create=True)
        manage = [sys.executable, "manage.py"]
        run([*manage, "migrate", "--noinput", "-v0"], env)
        run([*manage, "collectstatic", "--noinput", "-v0"], env)
        run([*manage, "seed_demo"], env)
        data = json.loads(
            run(
                [sys.executable, str(HERE / "setup_data.py"), str(args.shoppers)],
                {**env, "SIMULATED_GATEWAY_LATENCY_MS": "0"},
            )
        )
        for n, app_port in enumerate(app_ports, start=1):
            procs.start(
                f"app{n}",
                [
                    str(BIN / "gunicorn"),
                    "config.wsgi",
                    "--bind",
                    f"{HOST}:{app_port}",
                    "--workers",
                    "2",
                    "--worker-class",
                    "gthread",
                    "--threads",
                    "4",
                    "--timeout",
                    "60",
                    "--graceful-timeout",
                    "5",
                    # Longer than nginx keeps an idle upstream connection (keepalive_timeout,
                    # nginx.conf.template): gunicorn closing one just as nginx sends a request
                    # on it is a reset, answered 502, and a POST is never retried.
                    "--keep-alive",
                    "75",
                    # Two masters on one machine: the default control socket is one path.
                    "--no-control-socket",
                    "--access-logfile",
                    "-",
                ],
                env,
            )
        procs.start(
            "worker",
            [
                str(BIN / "celery"),
                "-A",
                "config",
                "worker",
                "--loglevel",
                "INFO",
                "--concurrency",
                "2",
                "--without-gossip",
                "--without-mingle",
                "--hostname",
                f"bench-cluster-{port}@%h",
            ],
            env,
        )
        procs.start(
            "beat",
            [
                str(BIN / "celery"),
                "-A",
                "config",
                "beat",
                "--loglevel",
                "INFO",
                "--schedule",
                str(tmp / "beat-schedule"),
            ],
            env,
        )
        conf = (HERE / "nginx.conf.template").read_text()
        user = "user nobody nogroup;" if os.geteuid() == 0 else ""
        for key, value in {
            "tmp": str(tmp),
            "port": str(port),
            "app1": str(app_ports[0]),
            "app2": str(app_ports[1]),
            "user": user,
        }.items():
            conf = conf.replace("{" + key + "}", value)
        (tmp / "nginx.conf").write_text(conf)
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        procs.start("nginx", [nginx, "-c", str(tmp / "nginx.conf"), "-p", str(tmp)], env)
        for app_port in app_ports:
            wait_http(f"http://{HOST}:{app_port}/health/", procs)
        health = json.loads(wait_http(f"{base}/health/", procs))
        print(
            f"  up in {time.monotonic() - t0:.0f} s; /health/ through nginx: {health}", flush=True
        )

        stats = Stats()
        users, products = data["users"], data["products"]
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=len(users)) as pool:
            futures = [
                pool.submit(shopper_purchases, base, stats, u, products, n, args.purchases)
                for n, u in enumerate(users)
            ]
            paid = 0
            for future in futures:
                try:
                    paid += future.result()
                except Exception as exc:
                    stats.error(f"shopper: {exc}")
        purchase_s = time.monotonic() - started
        wanted = len(users) * args.purchases

        started = time.monotonic()
        race_answers: list[tuple[int, int]] = []
        with ThreadPoolExecutor(max_workers=max(1, min(args.races, 4))) as pool:
            futures = [
                pool.submit(
                    two_tab_race, base, stats, users[i % len(users)], products[i % len(products)]
                )
                for i in range(args.races)
            ]
            for future in futures:
                try:
                    race_answers.append(future.result())
                except Exception as exc:
                    stats.error(f"race: {exc}")
        race_s = time.monotonic() - started

        health_after = json.loads(wait_http(f"{base}/health/", procs))
        check = json.loads(
            run([sys.executable, str(HERE / "check.py")], env, stdin=json.dumps(data))
        )
        dead = procs.dead()

        access = (tmp / "nginx-access.log").read_text().splitlines()
        nginx_status = Counter(line.split()[0] for line in access)
        upstreams = Counter(line.split()[3] for line in access)
        nginx_5xx = sum(n for s, n in nginx_status.items() if s.startswith("5"))
        race_pins = [
            line.split()[3]
            for line in access
            if line.split()[1] == "POST" and line.split()[2].endswith('/pay/"')
        ]
        beat_log = (tmp / "beat.log").read_text(errors="replace")
        worker_log = (tmp / "worker.log").read_text(errors="replace")
        beat_sent = beat_log.count("Sending due task")
        tasks_done = len(re.findall(r"Task \S+\[[^\]]+\] succeeded", worker_log))
        tasks_retried = len(re.findall(r"Task \S+\[[^\]]+\] retry", worker_log))

        problems = list(check["problems"])
        if stats.server_errors or nginx_5xx:
            problems.append(f"5xx: {stats.server_errors[:10]} (nginx counted {nginx_5xx})")
        if stats.errors:
            problems.append(f"driver: {stats.errors[:10]}")
        if paid != wanted:
            problems.append(f"purchases paid {paid} of {wanted}")
        races_ok = sum(1 for a, b in race_answers if a < 500 and b < 500)
        if len(race_answers) != args.races or races_ok != args.races:
            problems.append(f"races: {race_answers}")
        if dead:
            problems.append(f"processes died: {dead}")
        if health_after.get("status") != "ok" or health_after["checks"].get("broker") != "ok":
            problems.append(f"health after the run: {health_after}")
        passed = not problems
        p50 = statistics.median(stats.pay_ms) if stats.pay_ms else 0
        p95 = statistics.quantiles(stats.pay_ms, n=20)[-1] if len(stats.pay_ms) > 1 else p50
        lines = [
            "",
            f"bench-cluster  nginx :{port} -> gunicorn :{app_ports[0]} + :{app_ports[1]} "
            f"(2 workers x 4 threads each), PostgreSQL db {args.database}, Redis :{redis_port} "
            f"(cache, sessions, broker), 1 Celery worker (2 processes) + beat; "
            f"processor latency {args.latency_ms} ms",
            f"  purchases      {paid}/{wanted} paid by {len(users)} shoppers at once in "
            f"{purchase_s:.1f} s ({paid / purchase_s:.2f}/s); Accept and pay p50 {p50:.0f} ms, "
            f"p95 {p95:.0f} ms",
            f"  two-tab races  {races_ok}/{args.races} answered without error in {race_s:.1f} s; "
            f"answers {Counter(s for pair in race_answers for s in pair)}; Pay POSTs by "
            f"server {dict(Counter(race_pins))}",
            f"  requests       {sum(stats.statuses.values())} by the shoppers: "
            f"{dict(sorted(stats.statuses.items()))}; nginx saw {len(access)}: "
            f"{dict(sorted(nginx_status.items()))}, by server {dict(upstreams)}",
            f"  5xx            {len(stats.server_errors)} (nginx {nginx_5xx})",
            f"  orders         {check['orders']} ({check['paid']} paid, "
            f"{check['captured_charges']} charges captured, ${check['paid_total']}); "
            f"audit_money: {check['audit']}",
            f"  letters        {check['letters']} in the outbox; the mail server took "
            f"{check['letters_written']} and refused {sink.refused} (451, retried); "
            f"{check['letters_retried']} letters needed a retry; drained "
            f"{check['letters_waited_s']} s after the load",
            f"  celery         worker ran {tasks_done} tasks ({tasks_retried} retries); beat "
            f"sent {beat_sent} due tasks",
            f"  health         before {health['checks']}, after {health_after['checks']}",
        ]
        lines += [f"  PROBLEM        {p}" for p in problems]
        lines.append(f"{'PASS' if passed else 'FAIL'}  ({time.monotonic() - t0:.0f} s)")
        print("\n".join(lines), flush=True)
    except BaseException as exc:
        print(f"FAIL  {type(exc).__name__}: {exc}", flush=True)
        passed = False
    finally:
        signal.alarm(0)
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_IGN)
        procs.stop_all()
        if sink is not None:
            sink.shutdown()
            sink.server_close()
        try:
            database(args.postgres, args.database, create=False)
        except Exception as exc:
            print(f"could not drop database {args.database}: {exc}")
        if passed and not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print(f"logs kept in {tmp}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
