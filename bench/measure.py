"""The bench's in-process steps, each run as its own process by ``bench/run.py`` in the
environment of ``bench.django_env.bazaar_env``:

    python -m bench.measure build OUT.json [--quick]       the data set
    python -m bench.measure inprocess DATA.json OUT.json [--quick]
        queries and bytes per page, the purchase scenario, and the growth figures (which
        grow the catalog to 100,000 products and add a shopper with 10,000 orders: run last)
"""

from __future__ import annotations

import json
import sys
import time

from bench.django_env import django_setup


def _say(message: str) -> None:
    print(f"  [{time.strftime('%H:%M:%S')}] {message}", flush=True)


def pages_for(data: dict) -> list[tuple[str, str, str]]:
    """(key, label, url) of every page in the issue's table, for the first shopper."""
    shopper = data["shoppers"][0]
    return [
        ("product", "product", f"/products/{data['product_slug']}/"),
        ("search", "search `?q=garden`", "/search/?q=garden"),
        ("home", "home", "/"),
        ("wallet_cards", "wallet cards (2 cards)", "/wallet/cards/"),
        ("cart", "cart, 10 lines over 3 sellers", "/cart/"),
        ("orders", "orders list", "/orders/"),
        ("order_detail", "order detail", f"/orders/{shopper['orders'][-1]}/"),
        ("activity", "payment activity", "/wallet/activity/"),
        (
            "checkout",
            "order page `/checkout/<seller>/` (2 saved cards)",
            f"/checkout/{shopper['cart_sellers'][0]}/",
        ),
    ]


def cmd_build(out: str, quick: bool) -> None:
    from bench import dataset

    started = time.perf_counter()
    data = dataset.build(buyer_orders=5 if quick else dataset.ORDERS_PER_SHOPPER, progress=_say)
    facts = data.as_dict()
    facts["build_seconds"] = round(time.perf_counter() - started, 1)
    with open(out, "w") as fh:
        json.dump(facts, fh, indent=1)


def _user(email: str):
    from accounts.models import User

    return User.objects.get(email=email)


def cmd_inprocess(data_path: str, out: str, quick: bool) -> None:
    from django.db import connection

    from bench import dataset, inprocess
    from shop import selectors

    with open(data_path) as fh:
        data = json.load(fh)
    repeat = 5 if quick else 15
    results: dict = {"vendor": connection.vendor}

    shopper = _user(data["shoppers"][0]["email"])
    client = inprocess.client_for(shopper)
    results["pages"] = {}
    for key, _label, url in pages_for(data):
        facts = inprocess.page_facts(client, url)
        results["pages"][key] = {"url": url, "queries": facts.queries, "bytes": facts.bytes}
    _say("queries and bytes per page")

    # The purchase: the second shopper buys from a seller their cart does not hold.
    buyer = _user(data["shoppers"][1]["email"])
    product = data["buy_products"][1]
    results["purchase"] = inprocess.purchases_measure(
        inprocess.client_for(buyer),
        product_id=product["id"],
        seller_slug=product["seller"],
        count=10 if quick else 40,
    )
    del results["purchase"]["orders"]
    _say(f"in-process purchase: {results['purchase']['purchases_per_s']}/s")

    growth: dict = {}
    growth["cart_ms"] = {}
    growth["cart_queries"] = {}
    for lines, who in sorted(data["cart_growth"].items(), key=lambda kv: int(kv[0])):
        cart_client = inprocess.client_for(_user(who["email"]))
        growth["cart_ms"][lines] = round(
            inprocess.median_ms(cart_client, "/cart/", repeat=repeat), 2
        )
        growth["cart_queries"][lines] = inprocess.page_facts(cart_client, "/cart/").queries
    _say(f"cart growth {growth['cart_ms']}")

    template = data["shoppers"][0]["orders"][0]
    growth["orders_ms"] = {}
    growth["orders_queries"] = {}
    for count in (10, 10_000):
        user_id = dataset.grow_orders(
            email=f"bench-orders-{count}@bench.example", count=count, template_number=template
        )
        from accounts.models import User

        orders_client = inprocess.client_for(User.objects.get(pk=user_id))
        growth["orders_ms"][count] = round(
            inprocess.median_ms(orders_client, "/orders/", repeat=repeat), 2
        )
        growth["orders_queries"][count] = inprocess.page_facts(orders_client, "/orders/").queries
    _say(f"orders growth {growth['orders_ms']}")

    search_url = f"/search/?q={dataset.SEARCH_WORD}"
    growth["search_ms"] = {}
    growth["search_queries"] = {}
    growth["search_explain"] = {}
    for size in (data["products"], 100_000):
        dataset.grow_catalog(to=size)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        growth["search_ms"][size] = round(inprocess.median_ms(client, search_url, repeat=repeat), 2)
        growth["search_queries"][size] = inprocess.page_facts(client, search_url).queries
        growth["search_explain"][size] = inprocess.explain(
            selectors.product_search(query=dataset.SEARCH_WORD)[:24]
        )
    _say(f"search growth {growth['search_ms']}")
    results["growth"] = growth
    with open(out, "w") as fh:
        json.dump(results, fh, indent=1)


def main(argv: list[str]) -> None:
    django_setup()
    quick = "--quick" in argv
    args = [a for a in argv if a != "--quick"]
    if args[0] == "build":
        cmd_build(args[1], quick)
    elif args[0] == "inprocess":
        cmd_inprocess(args[1], args[2], quick)
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
