"""The pages `make bench` loads, with their targets (issue 12: share of the floor's
requests/s in the same run)."""

from __future__ import annotations

from dataclasses import dataclass

from bench.dataset import BenchData


@dataclass(frozen=True)
class Page:
    key: str
    label: str
    target: float  # share of the floor's requests/s
    signed_in: bool = True

    def url(self, data: BenchData) -> str:
        return {
            "product": f"/products/{data.product_slug}/",
            "search": "/search/?q=garden",
            "home": "/",
            "wallet_cards": "/wallet/cards/",
            "cart": "/cart/",
            "orders": "/orders/",
            "order_detail": f"/orders/{data.order_number}/",
            "activity": "/wallet/activity/",
            "checkout": f"/checkout/{data.checkout_seller}/",
        }[self.key]


PAGES = [
    Page("product", "product", 0.40),
    Page("search", "search `?q=garden`", 0.40),
    Page("home", "home", 0.30),
    Page("wallet_cards", "wallet cards (2 cards)", 0.30),
    Page("cart", "cart, 10 lines over 3 sellers", 0.25),
    Page("orders", "orders list", 0.25),
    Page("order_detail", "order detail", 0.30),
    Page("activity", "payment activity", 0.30),
    Page("checkout", "order page `/checkout/<seller>/` with 2 saved cards", 0.25),
]
