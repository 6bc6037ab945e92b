"""Two tabs adding the same product at once: the cart row lock makes the second add see
the first, so the stock check cannot be bypassed by a lost update."""

import threading

import pytest
from django.db import connection, connections

from shop.exceptions import InsufficientStock
from shop.services import cart_add_item
from tests.factories import CartFactory, CartLineFactory, ProductFactory

pytestmark = [
    pytest.mark.concurrency,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor == "sqlite", reason="needs PostgreSQL row locks (SELECT FOR UPDATE)"
    ),
]


def _race_two_adds(cart, product) -> list[str]:
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def add() -> None:
        try:
            barrier.wait()
            cart_add_item(cart=cart, product=product, quantity=2)
            outcomes.append("added")
        except InsufficientStock:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=add) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes)


@pytest.mark.parametrize("attempt", range(5))
def test_concurrent_adds_to_one_line_cannot_exceed_stock(attempt):
    cart = CartFactory()
    product = ProductFactory(stock=4)
    CartLineFactory(cart=cart, product=product, quantity=1)

    assert _race_two_adds(cart, product) == ["added", "refused"]
    assert cart.lines.get().quantity == 3
