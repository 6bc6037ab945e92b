"""Two tabs adding the same product at once: the cart row lock makes the second add see
the first, so the stock check cannot be bypassed by a lost update; a signed-in shopper's
two first adds at once make one cart."""

import threading

import pytest
from django.db import connection, connections

from shop.exceptions import InsufficientStock
from shop.models import Cart
from shop.services import cart_add_item
from tests.factories import CartFactory, CartLineFactory, ProductFactory, UserFactory

pytestmark = [
    pytest.mark.concurrency,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor == "sqlite", reason="needs PostgreSQL row locks (SELECT FOR UPDATE)"
    ),
]


def _race_two_adds(products, **whose) -> list[str]:
    """``cart_add_item`` of 2 units of each of ``products`` at once (``whose``: the cart or
    the user), one thread each."""
    barrier = threading.Barrier(len(products))
    outcomes: list[str] = []

    def add(product) -> None:
        try:
            barrier.wait()
            cart_add_item(product=product, quantity=2, **whose)
            outcomes.append("added")
        except InsufficientStock:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=add, args=(product,)) for product in products]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes)


@pytest.mark.parametrize("whose", ["cart", "user"])
@pytest.mark.parametrize("attempt", range(5))
def test_concurrent_adds_to_one_line_cannot_exceed_stock(attempt, whose):
    cart = CartFactory(user=UserFactory() if whose == "user" else None)
    product = ProductFactory(stock=4)
    CartLineFactory(cart=cart, product=product, quantity=1)

    given = {"user": cart.user} if whose == "user" else {"cart": cart}
    assert _race_two_adds([product, product], **given) == ["added", "refused"]
    assert cart.lines.get().quantity == 3


@pytest.mark.parametrize("attempt", range(3))
def test_a_shoppers_first_two_adds_at_once_make_one_cart_with_both_lines(attempt):
    user = UserFactory()
    products = [ProductFactory(stock=5), ProductFactory(stock=5)]

    assert _race_two_adds(products, user=user) == ["added", "added"]
    cart = Cart.objects.get(user=user)
    assert sorted(cart.lines.values_list("product_id", "quantity")) == sorted(
        (product.pk, 2) for product in products
    )
