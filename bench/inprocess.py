"""In-process measurements with Django's test client (no server): queries and bytes per
page, the purchase scenario, and medians of page times for the growth figures.

Bench-only. Needs Django set up (``bench.setup``) on the bench database.
"""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext


class ScenarioError(AssertionError):
    """A step of a scenario did not answer as a shopper's click would expect."""


@dataclass
class PageFacts:
    url: str
    status: int
    queries: int
    bytes: int


def form_post(client: Client, url: str, fields: Mapping[str, str]):
    """POST ``fields`` as a browser submits a form with no file in it: URL-encoded (the
    test client's default is a multipart body, which costs the server a parse no
    shopper's click does)."""
    return client.post(url, urlencode(fields), content_type="application/x-www-form-urlencoded")


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page_facts(client: Client, url: str) -> PageFacts:
    """One GET of ``url``: its status, the queries it ran and the body's size."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    if response.status_code != 200:
        raise ScenarioError(f"GET {url} answered {response.status_code}")
    return PageFacts(url, response.status_code, len(queries), len(response.content))


def median_ms(client: Client, url: str, *, repeat: int, warmup: int = 2) -> float:
    """Median wall time of ``repeat`` GETs of ``url``, in milliseconds."""
    for _ in range(warmup):
        client.get(url)
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            raise ScenarioError(f"GET {url} answered {response.status_code}")
    return statistics.median(samples)


def medians_ms(clients: Mapping[str, Client], url: str, *, repeat: int, warmup: int = 2) -> dict:
    """``median_ms`` of ``url`` for each of ``clients`` (one per size of a growth measure),
    taken in turns, one GET of each per round: a machine that speeds up or slows down
    meanwhile (a shared core) moves every size alike, not the one measured last."""
    for client in clients.values():
        for _ in range(warmup):
            client.get(url)
    samples: dict[str, list[float]] = {key: [] for key in clients}
    for _ in range(repeat):
        for key, client in clients.items():
            start = time.perf_counter()
            response = client.get(url)
            samples[key].append((time.perf_counter() - start) * 1000)
            if response.status_code != 200:
                raise ScenarioError(f"GET {url} answered {response.status_code}")
    return {key: statistics.median(times) for key, times in samples.items()}


def _checked(content: str, name: str) -> str:
    match = re.search(rf'name="{name}"[^>]*value="([^"]+)"[^>]*checked', content)
    if not match:
        raise ScenarioError(f"the order page has no chosen {name}")
    return match.group(1)


def order_page_fields(content: str) -> dict[str, str]:
    """What a browser submits from the order page as shown: its hidden fields and the
    preselected address and card."""
    fields = {}
    for name in ("token", "lines", "csrfmiddlewaretoken"):
        match = re.search(rf'name="{name}" value="([^"]*)"', content)
        if match:
            fields[name] = match.group(1).replace("&#x27;", "'")
    fields["address"] = _checked(content, "address")
    fields["payment"] = _checked(content, "payment")
    if not fields["payment"].startswith("card-"):
        raise ScenarioError("the order page does not preselect a saved card")
    return fields


PURCHASE_REQUESTS = 5  # add, cart, order page, Accept and pay, order page


def purchase(client: Client, *, product_id: int, seller_slug: str) -> str:
    """A shopper's purchase with a saved card, following every redirect as a browser does:
    **Add to cart** (→ cart), **Order from this seller**, **Accept and pay** (→ the paid
    order's page). Returns the order number; raises ``ScenarioError`` on any other answer."""
    response = form_post(client, f"/cart/add/{product_id}/", {"quantity": "1"})
    if response.status_code != 302 or response.url != "/cart/":
        raise ScenarioError(f"Add to cart answered {response.status_code}")
    cart = client.get("/cart/")
    checkout_url = f"/checkout/{seller_slug}/"
    if checkout_url not in cart.content.decode():
        raise ScenarioError("the cart offers no Order from this seller")
    page = client.get(checkout_url)
    if page.status_code != 200:
        raise ScenarioError(f"the order page answered {page.status_code}")
    response = form_post(client, checkout_url, order_page_fields(page.content.decode()))
    match = re.fullmatch(r"/orders/([\w-]+)/", getattr(response, "url", "") or "")
    if response.status_code != 302 or not match:
        raise ScenarioError(f"Accept and pay answered {response.status_code}")
    order_page = client.get(response.url)
    number = match.group(1)
    if f"Order {number} is paid." not in order_page.content.decode():
        raise ScenarioError(f"order {number} is not paid")
    return number


def purchases_measure(client: Client, *, product_id: int, seller_slug: str, count: int) -> dict:
    """``count`` purchases in a row (one warm-up first): purchases/s and queries each."""
    purchase(client, product_id=product_id, seller_slug=seller_slug)
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        numbers = [
            purchase(client, product_id=product_id, seller_slug=seller_slug) for _ in range(count)
        ]
        elapsed = time.perf_counter() - start
    return {
        "purchases": count,
        "seconds": round(elapsed, 3),
        "purchases_per_s": round(count / elapsed, 2),
        "queries_per_purchase": round(len(queries) / count, 1),
        "requests_per_purchase": PURCHASE_REQUESTS,
        "orders": numbers,
    }


def explain(queryset) -> str:
    """The database's plan for ``queryset`` (PostgreSQL: with ANALYZE, so actual times)."""
    if connection.vendor == "postgresql":
        return queryset.explain(analyze=True)
    return queryset.explain()
