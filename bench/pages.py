"""Page latency and memory benchmark against a running server (`make bench` starts one).

Logs in as the demo shopper, fills a cart, then requests each page a fixed number of times
and prints p50 / p95 / max latency in milliseconds, plus the resident memory of the server
processes. Bounded: N requests per page, loopback only, stops by itself.

    python bench/pages.py --base http://127.0.0.1:8200 --requests 200 --pid-file /tmp/g.pid
"""

import argparse
import http.cookiejar
import re
import statistics
import time
import urllib.parse
import urllib.request
from pathlib import Path

SHOPPER = ("shopper@example.com", "demo-shopper-pass")  # demo-only account from seed_demo


def _opener():
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    return opener, jar


def _csrf(jar) -> str:
    return next(c.value for c in jar if c.name == "csrftoken")


def _post(opener, jar, base, path, data):
    body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": _csrf(jar)}).encode()
    req = urllib.request.Request(base + path, data=body, headers={"Referer": base + path})
    return opener.open(req, timeout=10)


def login_and_fill_cart(opener, jar, base) -> list[str]:
    opener.open(base + "/accounts/login/", timeout=10).read()
    landed = _post(
        opener, jar, base, "/accounts/login/", {"username": SHOPPER[0], "password": SHOPPER[1]}
    )
    if "/accounts/login/" in landed.geturl():
        raise SystemExit("bench: demo shopper login failed (run seed_demo first)")
    home = opener.open(base + "/", timeout=10).read().decode()
    products = list(dict.fromkeys(re.findall(r'href="(/products/[\w-]+/)"', home)))[:4]
    sellers = []
    for product in products:
        page = opener.open(base + product, timeout=10).read().decode()
        add = re.search(r'action="(/cart/add/\d+/)"', page)
        if add:
            _post(opener, jar, base, add.group(1), {"quantity": "1"})
        seller = re.search(r'href="(/sellers/[\w-]+/)"', page)
        if seller:
            sellers.append(seller.group(1))
    cart = opener.open(base + "/cart/", timeout=10).read().decode()
    checkouts = list(dict.fromkeys(re.findall(r'href="(/checkout/[\w-]+/)"', cart)))
    return products[:1] + sellers[:1] + checkouts[:1]


def rss_kib(pid_file: str | None) -> int | None:
    if not pid_file or not Path(pid_file).exists():
        return None
    master = Path(pid_file).read_text().strip()
    pids = [master] + [
        p.name
        for p in Path("/proc").iterdir()
        if p.name.isdigit()
        and (p / "stat").exists()
        and (p / "stat").read_text().split()[3] == master
    ]
    total = 0
    for pid in pids:
        status = Path(f"/proc/{pid}/status").read_text()
        total += int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
    return total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="http://127.0.0.1:8200")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--pid-file")
    args = parser.parse_args()

    opener, jar = _opener()
    extra = login_and_fill_cart(opener, jar, args.base)
    pages = ["/", "/search/?q=mug", *extra, "/cart/", "/orders/", "/wallet/", "/help/"]
    print(f"{'page':40} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for page in pages:
        warm = opener.open(args.base + page, timeout=10)  # warm up
        warm.read()
        if urllib.parse.urlsplit(warm.geturl()).path != urllib.parse.urlsplit(page).path:
            print(f"{page:40} redirected to {warm.geturl()}: skipped")
            continue
        samples = []
        for _ in range(args.requests):
            start = time.perf_counter()
            response = opener.open(args.base + page, timeout=10)
            response.read()
            samples.append((time.perf_counter() - start) * 1000)
        samples.sort()
        p95 = samples[int(len(samples) * 0.95) - 1]
        print(f"{page:40} {statistics.median(samples):8.1f} {p95:8.1f} {samples[-1]:8.1f}")
    rss = rss_kib(args.pid_file)
    if rss is not None:
        print(f"server resident memory: {rss / 1024:.1f} MiB (master + workers)")


if __name__ == "__main__":
    main()
