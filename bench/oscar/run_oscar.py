"""The django-oscar side of `make bench` (bench-only, loopback; Oscar never enters Bazaar's
environment or requirements).

    python bench/oscar/run_oscar.py prepare --out FACTS.json
        makes bench/.oscar-venv (pinned bench/oscar/requirements.txt) when missing, migrates
        the Oscar shop's database (env OSCAR_DATABASE_URL, else bench/oscar/oscar.sqlite3),
        builds its data (1,000 products with stock, a shopper with a 1-line basket, a buyer
        with a saved address) and writes the page URLs and the shopper's session cookie;
    python bench/oscar/run_oscar.py purchase --count N --out RESULT.json
        Oscar's full purchase in-process with Django's test client, as a shopper clicks it:
        Add to basket, Proceed to checkout, Ship to this address (the saved one; the one
        shipping method and Oscar's no-payment-needed payment step pass by themselves),
        Continue to the preview, Place order, the thank-you page. Purchases/s and queries.

Any interpreter may start it: it re-runs itself under the venv's Python.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
import venv
from pathlib import Path
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
VENV = HERE.parent / ".oscar-venv"
VENV_PYTHON = VENV / "bin" / "python"
PRODUCTS = 1000


def ensure_venv() -> None:
    """Create the venv and install the pinned requirements when the venv lacks them."""
    stamp = VENV / ".bench-installed"
    wanted = (HERE / "requirements.txt").read_text()
    if stamp.exists() and stamp.read_text() == wanted:
        return
    if not VENV_PYTHON.exists():
        venv.create(VENV, with_pip=True)
    subprocess.run(
        [str(VENV_PYTHON), "-m", "pip", "install", "-q", "-r", str(HERE / "requirements.txt")],
        check=True,
    )
    stamp.write_text(wanted)


def in_venv() -> bool:
    return Path(sys.prefix).resolve() == VENV.resolve()


def django_setup() -> None:
    sys.path.insert(0, str(HERE))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oscar_project.settings")
    import django

    django.setup()


def prepare(out: str) -> None:
    import warnings

    from django.core.management import call_command

    # Oscar's simple search backend says so on every product saved; it indexes nothing.
    warnings.filterwarnings("ignore", message="update is not implemented")

    call_command("migrate", verbosity=0)
    from decimal import Decimal

    from django.contrib.auth import get_user_model
    from django.test import Client
    from oscar.core.loading import get_class, get_model

    Country = get_model("address", "Country")
    UserAddress = get_model("address", "UserAddress")
    Partner = get_model("partner", "Partner")
    StockRecord = get_model("partner", "StockRecord")
    ProductClass = get_model("catalogue", "ProductClass")
    Product = get_model("catalogue", "Product")
    Basket = get_model("basket", "Basket")
    Selector = get_class("partner.strategy", "Selector")

    country, _ = Country.objects.update_or_create(
        iso_3166_1_a2="US",
        defaults={
            "iso_3166_1_a3": "USA",
            "iso_3166_1_numeric": "840",
            "name": "United States of America",
            "printable_name": "United States",
            "is_shipping_country": True,
        },
    )
    partner, _ = Partner.objects.get_or_create(name="Bench Partner")
    goods, _ = ProductClass.objects.get_or_create(
        name="Goods", defaults={"requires_shipping": True, "track_stock": True}
    )
    products = list(Product.objects.order_by("pk"))
    for n in range(len(products), PRODUCTS):
        product = Product.objects.create(
            product_class=goods,
            title=f"Oak Lamp No. {n}",
            description=f"A sturdy oak lamp no. {n} made for everyday use.",
            structure=Product.STANDALONE,
        )
        StockRecord.objects.create(
            product=product,
            partner=partner,
            partner_sku=f"bench-{n}",
            price=Decimal(10 + n % 90) + Decimal("0.50"),
            price_currency="USD",
            num_in_stock=10**7,
        )
        products.append(product)

    User = get_user_model()
    shopper, _ = User.objects.get_or_create(
        username="bench-oscar-shopper", defaults={"email": "shopper@oscar.example"}
    )
    buyer, _ = User.objects.get_or_create(
        username="bench-oscar-buyer", defaults={"email": "buyer@oscar.example"}
    )
    UserAddress.objects.get_or_create(
        user=buyer,
        defaults={
            "first_name": "Ada",
            "last_name": "Lovelace",
            "line1": "12 Analytical Row",
            "line4": "Springfield",
            "state": "IL",
            "postcode": "62701",
            "country": country,
            "is_default_for_shipping": True,
        },
    )
    basket, _ = Basket.objects.get_or_create(owner=shopper, status=Basket.OPEN)
    basket.strategy = Selector().strategy()
    if basket.num_lines == 0:
        basket.add_product(products[1], 1)

    client = Client()
    client.force_login(shopper)
    product = products[1]
    facts = {
        "pages": {"product": product.get_absolute_url(), "basket": "/basket/"},
        "session_cookie": client.cookies["sessionid"].value,
        "purchase_product_id": products[2].pk,
        "products": Product.objects.count(),
    }
    for url in facts["pages"].values():
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"oscar: GET {url} answered {response.status_code}")
    Path(out).write_text(json.dumps(facts, indent=1))


class ScenarioError(AssertionError):
    pass


def _expect(response, path_pattern: str, step: str):
    path = response.request["PATH_INFO"]
    if response.status_code != 200 or not re.fullmatch(path_pattern, path):
        raise ScenarioError(f"oscar {step}: landed on {path} ({response.status_code})")
    return response


def _form_post(client, url: str, fields: dict):
    """POST ``fields`` as a browser submits a form with no file in it (URL-encoded), as
    Bazaar's scenario does (bench/inprocess.py: ``form_post``)."""
    return client.post(
        url, urlencode(fields), content_type="application/x-www-form-urlencoded", follow=True
    )


def purchase_once(client, product_id: int, address_id: int) -> str:
    _expect(
        _form_post(client, f"/basket/add/{product_id}/", {"quantity": "1"}),
        r"/.*",
        "add to basket",
    )
    _expect(client.get("/checkout/", follow=True), r"/checkout/shipping-address/", "checkout")
    payment = _expect(
        _form_post(
            client,
            "/checkout/shipping-address/",
            {"action": "ship_to", "address_id": str(address_id)},
        ),
        r"/checkout/payment-details/",
        "ship to this address",
    )
    if "/checkout/preview/" not in payment.content.decode():
        raise ScenarioError("oscar: the payment step offers no way to the preview")
    _expect(client.get("/checkout/preview/"), r"/checkout/preview/", "preview")
    thanks = _expect(
        _form_post(client, "/checkout/preview/", {"action": "place_order"}),
        r"/checkout/thank-you/",
        "place order",
    )
    number = re.search(r"your order number is\s*<strong>\s*(\d+)", thanks.content.decode())
    if not number:
        raise ScenarioError("oscar: the thank-you page names no order")
    return number.group(1)


def purchase(count: int, out: str) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from oscar.core.loading import get_model

    Order = get_model("order", "Order")
    buyer = get_user_model().objects.get(username="bench-oscar-buyer")
    address_id = buyer.addresses.get().pk
    Product = get_model("catalogue", "Product")
    product_id = Product.objects.order_by("pk").values_list("pk", flat=True)[2]
    client = Client()
    client.force_login(buyer)
    before = Order.objects.filter(user=buyer).count()
    purchase_once(client, product_id, address_id)  # warm-up
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        numbers = [purchase_once(client, product_id, address_id) for _ in range(count)]
        elapsed = time.perf_counter() - started
    placed = Order.objects.filter(user=buyer).count() - before
    if placed != count + 1 or len(set(numbers)) != count:
        raise ScenarioError(f"oscar: {placed} orders placed for {count + 1} purchases")
    result = {
        "purchases": count,
        "seconds": round(elapsed, 3),
        "purchases_per_s": round(count / elapsed, 2),
        "queries_per_purchase": round(len(queries) / count, 1),
    }
    Path(out).write_text(json.dumps(result, indent=1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["prepare", "purchase"])
    parser.add_argument("--out", required=True)
    parser.add_argument("--count", type=int, default=20)
    args = parser.parse_args()
    if not in_venv():
        ensure_venv()
        os.execv(str(VENV_PYTHON), [str(VENV_PYTHON), __file__, *sys.argv[1:]])  # noqa: S606
    django_setup()
    if args.command == "prepare":
        prepare(args.out)
    else:
        purchase(args.count, args.out)


if __name__ == "__main__":
    main()
