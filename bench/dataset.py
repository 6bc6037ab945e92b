"""The bench data set, built through the repo's own factories and services.

- ``sellers`` sellers and ``products`` products spread over them (every 50th title says
  "Garden", so ``?q=garden`` finds about 2% of the catalog at any size);
- ``shoppers`` shoppers, each with an address, a confirmed wallet, two saved cards linked
  through ``wallet.services.card_link`` and the configured (simulated) gateway, so only
  tokens, brand and last 4 digits reach the database, ``past_orders`` past orders and a
  cart of ``cart_lines`` lines over three sellers (``shop.services.cart_add_item``). The
  first shopper is the one whose pages are loaded: their orders are placed and paid
  through ``shop.services`` (``order_place``, ``order_pay_with_saved_card``), so the
  orders, order and payment activity pages show real payments. The others buy over HTTP;
  their past orders are bulk-inserted rows (no page of theirs is loaded, and placing 800
  orders through the services would take minutes of the bench's 10);
- a purchase seller whose one product has stock enough for every purchase of the run, so
  a shopper's purchase orders just that line and leaves the 10-line cart as it is;
- growth shoppers: carts of 1, 10 and 100 lines, and order histories of 10 and
  ``orders_large`` orders (those orders are bulk-inserted rows shaped like a placed order:
  a list page only reads them);
- ``products_add`` adds bulk-inserted products up to a total (the 100,000-product search).

Only ``bench/`` uses this; nothing here ships with the apps.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

CART_SELLERS = 3  # a shopper's cart spreads over this many sellers
PURCHASE_STOCK = 10**7
TITLE_WORDS = ["Oak", "Linen", "Steel", "Copper", "Wool", "Clay", "Birch", "Cotton", "Glass"]
TITLE_THINGS = ["Lamp", "Mug", "Chair", "Blanket", "Vase", "Board", "Shelf", "Basket", "Bowl"]


@dataclass(frozen=True)
class Scale:
    sellers: int = 50
    products: int = 1000
    shoppers: int = 17  # 1 for the pages + 16 concurrent buyers over HTTP
    cart_lines: int = 10
    past_orders: int = 50
    orders_large: int = 10_000


FULL = Scale()
TINY = Scale(sellers=5, products=40, shoppers=2, cart_lines=4, past_orders=2, orders_large=30)


@dataclass
class BenchData:
    """What the harness needs to find its way around the data set (JSON-able)."""

    page_shopper: str
    shoppers: list[str]
    checkout_seller: str  # a seller with lines in the page shopper's cart
    order_number: str  # one of the page shopper's paid orders
    product_slug: str
    purchase_product_id: int
    purchase_seller: str
    growth_cart_shoppers: dict[str, str] = field(default_factory=dict)  # lines -> email
    growth_order_shoppers: dict[str, str] = field(default_factory=dict)  # orders -> email

    def to_dict(self) -> dict:
        return asdict(self)


def product_title(n: int) -> str:
    word = TITLE_WORDS[n % len(TITLE_WORDS)]
    thing = TITLE_THINGS[(n // len(TITLE_WORDS)) % len(TITLE_THINGS)]
    if n % 50 == 0:
        return f"Garden {thing} No. {n}"
    return f"{word} {thing} No. {n}"


def _product_kwargs(n: int, seller) -> dict:
    return {
        "seller": seller,
        "title": product_title(n),
        "slug": f"bench-product-{n}",
        "description": f"A sturdy {product_title(n).lower()} made for everyday use.",
        "price": Decimal(10 + n % 90) + Decimal("0.50"),
        "currency": "USD",
        "stock": 1000,
    }


def _catalog(scale: Scale):
    from tests.factories import ProductFactory, SellerFactory

    sellers = [
        SellerFactory(name=f"Bench Seller {i}", slug=f"bench-seller-{i}")
        for i in range(scale.sellers)
    ]
    products = [
        ProductFactory(**_product_kwargs(n, sellers[n % len(sellers)]))
        for n in range(scale.products)
    ]
    purchase_seller = SellerFactory(name="Bench Purchases", slug="bench-purchases")
    purchase_product = ProductFactory(
        seller=purchase_seller,
        title="Bench Purchase Item",
        slug="bench-purchase-item",
        price=Decimal("12.00"),
        stock=PURCHASE_STOCK,
    )
    return sellers, products, purchase_product


def _shopper(email: str):
    from tests.factories import AddressFactory, CardFactory, UserFactory, WalletAccountFactory

    user = UserFactory(email=email)
    AddressFactory(user=user)
    WalletAccountFactory(user=user, confirmed_at=timezone.now())
    CardFactory(owner=user, number="4242424242424242", make_default=True)
    CardFactory(owner=user, number="5555555555554444")
    return user


def _place_and_pay(*, user, product) -> None:
    """One past order through the real checkout services: placed from the cart, paid with
    the shopper's default saved card."""
    from shop.services import (
        cart_add_item,
        cart_get_or_create_for_user,
        order_pay_with_saved_card,
        order_place,
    )

    cart = cart_get_or_create_for_user(user=user)
    cart_add_item(cart=cart, product=product, quantity=1)
    order, _created = order_place(
        user=user,
        cart=cart,
        seller=product.seller,
        address=user.addresses.first(),
        token=uuid.uuid4().hex,
    )
    card = user.cards.get(is_default=True)
    order_pay_with_saved_card(order=order, card=card, idempotency_key=f"{order.number}:bench")


def _fill_cart(*, user, sellers, lines: int) -> None:
    """``lines`` cart lines, round robin over the first CART_SELLERS sellers (more when
    their products run short: a 100-line cart over 20-product sellers takes 5)."""
    from shop.models import Product
    from shop.services import cart_add_item, cart_get_or_create_for_user

    cart = cart_get_or_create_for_user(user=user)
    per_seller = {}
    for seller in sellers:
        per_seller[seller.pk] = list(Product.objects.filter(seller=seller).order_by("pk"))
        if len(per_seller) >= CART_SELLERS and sum(map(len, per_seller.values())) >= lines:
            break
    chosen = [s for s in sellers if s.pk in per_seller]
    added, i = 0, 0
    while added < lines:
        products = per_seller[chosen[i % len(chosen)].pk]
        index = i // len(chosen)
        i += 1
        if index < len(products):
            cart_add_item(cart=cart, product=products[index], quantity=1)
            added += 1


def _bulk_orders(*, user, seller, count: int) -> None:
    """``count`` orders for ``user`` as rows (one line, an address), inserted in bulk for
    the orders list to read. They are cancelled before payment, so they claim no money that
    the ledger lacks (``audit_money`` stays clean)."""
    from shop.models import OrderStatus
    from tests.factories import orders_in_bulk

    orders_in_bulk(
        user,
        seller,
        count,
        product=seller.products.first(),
        status=OrderStatus.CANCELLED,
        cancelled_at=timezone.now(),
    )


def build(scale: Scale = FULL, *, progress=lambda message: None) -> BenchData:
    """Build the whole data set into the (empty, migrated) database; returns its map."""
    sellers, products, purchase_product = _catalog(scale)
    progress(f"catalog: {len(products)} products over {len(sellers)} sellers")
    # Past orders come from sellers outside the cart's three, so they leave the cart alone.
    order_products = [p for p in products if p.seller_id not in {s.pk for s in sellers[:3]}]
    emails = [f"bench-shopper-{i}@example.com" for i in range(scale.shoppers)]
    for i, email in enumerate(emails):
        user = _shopper(email)
        if i == 0:  # the shopper whose pages are loaded: orders placed and paid for real
            for k in range(scale.past_orders):
                product = order_products[(i * 7 + k) % len(order_products)]
                _place_and_pay(user=user, product=product)
        else:  # the buyers: their history is only there to be there (a list nobody loads)
            _bulk_orders(user=user, seller=sellers[-1], count=scale.past_orders)
        _fill_cart(user=user, sellers=sellers, lines=scale.cart_lines)
        progress(f"shopper {i + 1}/{len(emails)}: 2 cards, {scale.past_orders} past orders")

    from shop.models import Order
    from tests.factories import UserFactory

    growth_carts = {}
    for lines in (1, 10, 100):
        user = UserFactory(email=f"bench-cart-{lines}@example.com")
        _fill_cart(user=user, sellers=sellers, lines=min(lines, scale.products // 2))
        growth_carts[str(lines)] = user.email
    growth_orders = {}
    for count in (10, scale.orders_large):
        user = UserFactory(email=f"bench-orders-{count}@example.com")
        _bulk_orders(user=user, seller=sellers[-1], count=count)
        growth_orders[str(count)] = user.email
    progress(f"growth shoppers: carts of 1/10/100 lines, 10 and {scale.orders_large} orders")

    page_shopper = emails[0]
    order = Order.objects.filter(user__email=page_shopper).order_by("-pk").first()
    return BenchData(
        page_shopper=page_shopper,
        shoppers=emails,
        checkout_seller=sellers[0].slug,
        order_number=order.number,
        product_slug=products[1].slug,
        purchase_product_id=purchase_product.pk,
        purchase_seller=purchase_product.seller.slug,
        growth_cart_shoppers=growth_carts,
        growth_order_shoppers=growth_orders,
    )


def products_add(*, total: int, batch: int = 5000) -> int:
    """Bulk-insert products (same titles and shape as the catalog's) until there are
    ``total``; returns how many were added."""
    from shop.models import Product, Seller

    sellers = list(Seller.objects.filter(slug__startswith="bench-seller-").order_by("pk"))
    start = Product.objects.count()
    added = 0
    for first in range(start, total, batch):
        with transaction.atomic():
            Product.objects.bulk_create(
                [
                    Product(**_product_kwargs(n, sellers[n % len(sellers)]))
                    for n in range(first, min(first + batch, total))
                ]
            )
        added += min(first + batch, total) - first
    return added
