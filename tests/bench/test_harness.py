"""`make bench` still works: its data-set builder and its in-process purchase scenario run
here at a tiny scale (nothing is timed; the figures come from `make bench` alone)."""

import pytest

from accounts.models import User
from bench import dataset, inprocess
from bench.pages import PAGES
from shop.models import Order, OrderStatus
from wallet.models import Card

pytestmark = pytest.mark.django_db


@pytest.fixture
def data():
    return dataset.build(dataset.TINY)


def test_the_bench_data_set_is_what_the_issue_asks_for(data):
    scale = dataset.TINY
    shopper = User.objects.get(email=data.page_shopper)
    cards = Card.objects.filter(owner=shopper)
    assert sorted(c.last4 for c in cards) == ["4242", "4444"]
    # Linked through the gateway: a token, never the number, is what the database keeps.
    for card in cards:
        assert card.gateway_token
        assert "4242424242424242" not in str(card.__dict__)
    paid = Order.objects.filter(user=shopper, status=OrderStatus.PAID)
    assert paid.count() == scale.past_orders
    assert all(o.paid_with_id for o in paid)
    lines = shopper.cart.lines.select_related("product")
    assert lines.count() == scale.cart_lines
    assert len({line.product.seller_id for line in lines}) == dataset.CART_SELLERS
    assert len(data.shoppers) == scale.shoppers
    for lines_wanted, email in data.growth_cart_shoppers.items():
        user = User.objects.get(email=email)
        assert user.cart.lines.count() == min(int(lines_wanted), scale.products // 2)
    for count, email in data.growth_order_shoppers.items():
        numbered = Order.objects.filter(user__email=email, number__startswith="BZ-")
        assert numbered.count() == int(count)


def test_every_bench_page_answers_the_signed_in_shopper(data):
    client = inprocess.client_for(User.objects.get(email=data.page_shopper))
    for page in PAGES:
        facts = inprocess.page_facts(client, page.url(data))
        assert facts.status == 200, page.key
        assert facts.queries > 0 and facts.bytes > 1000, page.key
    checkout = client.get(PAGES[-1].url(data)).content.decode()
    assert "Accept and pay" in checkout and "4242" in checkout


def test_the_in_process_purchase_pays_orders_with_the_saved_card(data):
    shopper = User.objects.get(email=data.shoppers[1])
    before = Order.objects.filter(user=shopper).count()
    result = inprocess.purchases_measure(
        inprocess.client_for(shopper),
        product_id=data.purchase_product_id,
        seller_slug=data.purchase_seller,
        count=2,
    )
    assert result["purchases"] == 2 and result["queries_per_purchase"] > 0
    orders = Order.objects.filter(number__in=result["orders"], user=shopper)
    assert [o.status for o in orders] == [OrderStatus.PAID] * 2
    # the warm-up purchase and the two measured ones; the 10-line cart is left alone
    assert Order.objects.filter(user=shopper).count() == before + 3
    assert shopper.cart.lines.count() == dataset.TINY.cart_lines


def test_product_growth_adds_bulk_products_that_search_finds(data, client):
    from shop.models import Product

    before = Product.objects.count()
    assert dataset.products_add(total=before + 100, batch=40) == 100
    assert Product.objects.count() == before + 100
    response = client.get("/search/?q=garden")
    assert response.status_code == 200
    assert "Garden" in response.content.decode()


def test_the_bench_environment_takes_the_shared_cache_it_is_given_and_no_other(monkeypatch):
    from bench.django_env import bazaar_env

    monkeypatch.setenv("REDIS_URL", "redis://elsewhere:6379/0")
    monkeypatch.setenv("CACHE_URL", "redis://elsewhere:6379/1")
    plain = bazaar_env("postgres://db/bench")
    assert "REDIS_URL" not in plain and "CACHE_URL" not in plain
    shared = bazaar_env("postgres://db/bench", "redis://127.0.0.1:6379/13")
    assert shared["CACHE_URL"] == "redis://127.0.0.1:6379/13"
    assert "REDIS_URL" not in shared
