"""The purchase over HTTP, for locust (headless; ``bench/http_purchase.py`` starts it).

Each simulated shopper is one bench shopper, logged in by its session cookie, and buys
again and again as a browser would, following every redirect: **Add to cart** (→ the cart),
**Order from this seller**, **Accept and pay** with the preselected saved card (→ the paid
order's page). A completed purchase is reported to locust as one ``PURCHASE`` request, so
the run's statistics hold purchases/s next to the HTTP requests they took.

Environment: ``BENCH_SHOPPERS`` (a JSON file: ``[{"session": ..., "product_id": ...,
"seller": ...}, ...]``, one entry per simulated user).
"""

from __future__ import annotations

import itertools
import json
import os
import re
import time

from locust import constant, events, task
from locust.contrib.fasthttp import FastHttpUser
from requests.cookies import create_cookie

with open(os.environ["BENCH_SHOPPERS"]) as _fh:
    _SHOPPERS = json.load(_fh)
_NEXT = itertools.count()


def _field(content: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', content)
    return match.group(1).replace("&#x27;", "'") if match else ""


def _checked(content: str, name: str) -> str:
    match = re.search(rf'name="{name}"[^>]*value="([^"]+)"[^>]*checked', content)
    return match.group(1) if match else ""


class Shopper(FastHttpUser):
    # FastHttpUser (geventhttpclient), not HttpUser (requests): the load generator shares
    # the two cores with the servers it loads, and burns a third less CPU this way.
    wait_time = constant(0)

    def on_start(self) -> None:
        me = _SHOPPERS[next(_NEXT) % len(_SHOPPERS)]
        self.product_id = me["product_id"]
        self.checkout_url = f"/checkout/{me['seller']}/"
        self.client.cookiejar.set_cookie(create_cookie("sessionid", me["session"]))
        # The product page, as a shopper opens it first: it sets the CSRF cookie.
        page = self.client.get(f"/products/{me['product_slug']}/", name="product")
        self.csrf = _field(page.text, "csrfmiddlewaretoken")

    def _fail(self, step: str, started: float, response) -> None:
        events.request.fire(
            request_type="PURCHASE",
            name="purchase",
            response_time=(time.perf_counter() - started) * 1000,
            response_length=0,
            exception=RuntimeError(f"{step}: {getattr(response, 'status_code', '?')}"),
            context={},
        )

    @task
    def purchase(self) -> None:
        started = time.perf_counter()
        cart = self.client.post(
            f"/cart/add/{self.product_id}/",
            {"quantity": "1", "csrfmiddlewaretoken": self.csrf},
            name="add to cart (→ cart)",
        )
        if cart.status_code != 200 or self.checkout_url not in cart.text:
            return self._fail("add to cart", started, cart)
        page = self.client.get(self.checkout_url, name="order page")
        fields = {
            name: _field(page.text, name) for name in ("token", "lines", "csrfmiddlewaretoken")
        }
        fields["address"] = _checked(page.text, "address")
        fields["payment"] = _checked(page.text, "payment")
        if page.status_code != 200 or not fields["payment"].startswith("card-"):
            return self._fail("order page", started, page)
        paid = self.client.post(self.checkout_url, fields, name="accept and pay (→ order)")
        if paid.status_code != 200 or "is paid." not in paid.text:
            return self._fail("accept and pay", started, paid)
        events.request.fire(
            request_type="PURCHASE",
            name="purchase",
            response_time=(time.perf_counter() - started) * 1000,
            response_length=0,
            exception=None,
            context={},
        )
