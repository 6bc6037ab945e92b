"""The bench's in-process steps, each run as its own process by ``bench/run.py`` in the
environment of ``bench.django_env.bazaar_env``:

    python -m bench.measure build OUT.json [--quick]       the data set
    python -m bench.measure sessions DATA.json OUT.json    a logged-in session per shopper
    python -m bench.measure purchase DATA.json OUT.json [--quick]
        the purchase scenario, in-process: one round of the rounds ``bench/run.py`` takes
        in turns with django-oscar's
    python -m bench.measure inprocess DATA.json OUT.json [--quick]
        queries and bytes per page, the growth figures (it grows the catalog to 100,000
        products: run it last)
"""

from __future__ import annotations

import json
import sys
import time

from bench.django_env import django_setup


def _say(message: str) -> None:
    print(f"  [{time.strftime('%H:%M:%S')}] {message}", flush=True)


def load_data(path: str):
    from bench.dataset import BenchData

    with open(path) as fh:
        facts = json.load(fh)
    facts.pop("build_seconds", None)
    return BenchData(**facts)


def scale_for(quick: bool):
    """The full data set, or for a quick run the same shape with 5 past orders each."""
    from dataclasses import replace

    from bench.dataset import FULL

    return replace(FULL, past_orders=5) if quick else FULL


def cmd_build(out: str, quick: bool) -> None:
    from bench import dataset

    started = time.perf_counter()
    data = dataset.build(scale_for(quick), progress=_say)
    _settle()
    facts = data.to_dict()
    facts["build_seconds"] = round(time.perf_counter() - started, 1)
    with open(out, "w") as fh:
        json.dump(facts, fh, indent=1)


def _settle() -> None:
    """After the bulk load, what PostgreSQL's documentation asks for and a running database
    has from autovacuum: statistics for the planner and a current visibility map (so an
    index-only scan reads no table pages). Left to autovacuum, whether it had run by the
    time the pages were measured was chance."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    _say("vacuumed and analyzed")


def _user(email: str):
    from accounts.models import User

    return User.objects.get(email=email)


def cmd_sessions(data_path: str, out: str) -> None:
    """A logged-in session (database rows, as logging in makes them) for every shopper."""
    from django.test import Client

    data = load_data(data_path)
    sessions = {}
    for email in data.shoppers:
        client = Client()
        client.force_login(_user(email))
        sessions[email] = client.cookies["sessionid"].value
    with open(out, "w") as fh:
        json.dump(sessions, fh, indent=1)


def cmd_inprocess(data_path: str, out: str, quick: bool) -> None:
    from django.db import connection

    from bench import dataset, inprocess
    from bench.pages import PAGES
    from shop import selectors

    data = load_data(data_path)
    repeat = 5 if quick else 60  # GETs per size, taken in turns (medians_ms)
    results: dict = {"vendor": connection.vendor}

    client = inprocess.client_for(_user(data.page_shopper))
    results["pages"] = {}
    for page in PAGES:
        facts = inprocess.page_facts(client, page.url(data))
        results["pages"][page.key] = {"queries": facts.queries, "bytes": facts.bytes}
    _say("queries and bytes per page")

    growth: dict = {"cart_ms": {}, "cart_queries": {}, "orders_ms": {}, "orders_queries": {}}
    for kind, shoppers, url in (
        ("cart", data.growth_cart_shoppers, "/cart/"),
        ("orders", data.growth_order_shoppers, "/orders/"),
    ):
        sized = {
            size: inprocess.client_for(_user(email))
            for size, email in sorted(shoppers.items(), key=lambda kv: int(kv[0]))
        }
        medians = inprocess.medians_ms(sized, url, repeat=repeat)
        for size, client in sized.items():
            growth[f"{kind}_ms"][size] = round(medians[size], 2)
            growth[f"{kind}_queries"][size] = inprocess.page_facts(client, url).queries
        _say(f"{kind} growth (ms): {growth[kind + '_ms']}")

    from shop.models import Product
    from shop.views.catalog import PRODUCTS_PER_PAGE, CappedCountPaginator

    search_url = "/search/?q=garden"
    growth.update(search_ms={}, search_queries={}, search_explain={})
    for size in (Product.objects.count(), 100_000):
        if dataset.products_add(total=size):
            # Settled as the build's data set is (``_settle``): otherwise autovacuum comes
            # for the 99,000 new rows within a minute, at a moment left to chance, and the
            # measurement takes about a second.
            _settle()
        growth["search_ms"][size] = round(inprocess.median_ms(client, search_url, repeat=repeat), 2)
        growth["search_queries"][size] = inprocess.page_facts(client, search_url).queries
        # The SQL the page sends: its first page with the count of matches, up to the
        # paginator's cap + 1, in one query (shop.selectors.product_search_rows).
        growth["search_explain"][size] = "\n".join(
            [
                f"-- the first {PRODUCTS_PER_PAGE} rows, each carrying the count of matches "
                f"up to {CappedCountPaginator.cap + 1:,} (InitPlan 1):",
                selectors.product_search_rows(query="garden").explain(0, PRODUCTS_PER_PAGE),
            ]
        )
        _say(f"search over {size} products: {growth['search_ms'][size]} ms")
    results["growth"] = growth
    with open(out, "w") as fh:
        json.dump(results, fh, indent=1)


def cmd_purchase(data_path: str, out: str, quick: bool) -> None:
    """One round of the purchase scenario: by a shopper who is not the one whose pages are
    loaded, after one warm-up purchase in this fresh process."""
    from bench import inprocess

    data = load_data(data_path)
    result = inprocess.purchases_measure(
        inprocess.client_for(_user(data.shoppers[1])),
        product_id=data.purchase_product_id,
        seller_slug=data.purchase_seller,
        count=10 if quick else 40,
    )
    del result["orders"]
    with open(out, "w") as fh:
        json.dump(result, fh, indent=1)


def main(argv: list[str]) -> None:
    django_setup()
    quick = "--quick" in argv
    args = [a for a in argv if a != "--quick"]
    if args[0] == "build":
        cmd_build(args[1], quick)
    elif args[0] == "sessions":
        cmd_sessions(args[1], args[2])
    elif args[0] == "purchase":
        cmd_purchase(args[1], args[2], quick)
    elif args[0] == "inprocess":
        cmd_inprocess(args[1], args[2], quick)
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
