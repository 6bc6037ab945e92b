"""factory_boy factories. Each app's tests add theirs here, grouped by app."""

from decimal import Decimal

import factory

from accounts.models import Address, User

DEFAULT_PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"shopper{n}@example.com")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class AddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Address

    user = factory.SubFactory(UserFactory)
    full_name = factory.Faker("name")
    line1 = factory.Faker("street_address")
    city = factory.Faker("city")
    region = "CA"
    postal_code = "94105"
    country = "US"
    phone = "+1 415 555 0100"


# --------------------------------------------------------------------------- shop
class SellerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "shop.Seller"

    name = factory.Sequence(lambda n: f"Seller {n}")
    slug = factory.Sequence(lambda n: f"seller-{n}")
    country = "DE"
    currency = "USD"
    shipping_fee = Decimal("5.00")
    free_shipping_threshold = Decimal("50.00")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "shop.Product"

    seller = factory.SubFactory(SellerFactory)
    title = factory.Sequence(lambda n: f"Product {n}")
    slug = factory.Sequence(lambda n: f"product-{n}")
    description = "A fine thing."
    price = Decimal("10.00")
    currency = "USD"
    stock = 10


class CartFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "shop.Cart"

    user = factory.SubFactory(UserFactory)


class CartLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "shop.CartLine"

    cart = factory.SubFactory(CartFactory)
    product = factory.SubFactory(ProductFactory)
    quantity = 1


# ------------------------------------------------------------------------- wallet
def card_data(number: str = "4242 4242 4242 4242", **overrides):
    """A wallet.card_numbers.CardData for a test card (expiry three years ahead, a matching CVC)."""
    from django.utils import timezone

    from wallet.card_numbers import CardData

    amex = number.replace(" ", "").startswith(("34", "37"))
    values = {
        "number": number,
        "exp_month": 12,
        "exp_year": timezone.now().year + 3,
        "cvc": "7351" if amex else "735",
        "name": "Ada Lovelace",
        **overrides,
    }
    return CardData(**values)


def payment_address(**overrides) -> dict[str, str]:
    """A payment (billing) address as the wallet services take it."""
    return {
        "full_name": "Ada Lovelace",
        "line1": "12 Analytical Row",
        "line2": "",
        "city": "London",
        "region": "",
        "postal_code": "N1 9GU",
        "country": "GB",
        "phone": "+44 20 7946 0000",
        **overrides,
    }


class CardFactory(factory.django.DjangoModelFactory):
    """A saved card linked through wallet.services.card_link (the configured gateway), so
    its token really works. Pass number=..., make_default=..., address=... (the payment
    address, a dict) and any card_data field."""

    class Meta:
        model = "wallet.Card"

    owner = factory.SubFactory(UserFactory)
    number = "4242424242424242"
    make_default = False
    nickname = ""
    address = None

    @classmethod
    def _create(
        cls, model_class, *args, owner, number, make_default, nickname, address, **card_fields
    ):
        """A card saved some days before the test: today's card-attempt limits are not
        spent on it (the attempt counts are reset, its "linked" event dated last week)."""
        from datetime import timedelta

        from django.test import override_settings
        from django.utils import timezone

        from wallet.models import WalletEvent
        from wallet.services import card_link
        from wallet.services.card_attempts import card_attempts_reset

        unlimited = dict.fromkeys(
            (
                "CARD_ATTEMPTS_PER_10_MINUTES",
                "CARD_ATTEMPTS_PER_DAY",
                "CARD_ATTEMPTS_PER_ADDRESS_HOUR",
                "CARD_NEW_LINKS_PER_DAY",
            ),
            10**6,
        )
        with override_settings(**unlimited):
            card, _created = card_link(
                user=owner,
                card_data=card_data(number, **card_fields),
                payment_address=address or payment_address(),
                make_default=make_default,
                nickname=nickname,
                human_verified=True,
            )
        card_attempts_reset(user=owner)
        WalletEvent.objects.filter(card=card, kind=WalletEvent.Kind.CARD_LINKED).update(
            created_at=timezone.now() - timedelta(days=7)
        )
        return card


class WalletAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "wallet.WalletAccount"

    user = factory.SubFactory(UserFactory)


# ------------------------------------------------------------------- shop: orders
class OrderFactory(factory.django.DjangoModelFactory):
    """An order row as the checkout leaves it (pending_payment, one line, an address),
    made directly: for lists and admin pages. Use `order_placed` to go through checkout."""

    class Meta:
        model = "shop.Order"
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    seller = factory.SubFactory(SellerFactory)
    currency = "USD"
    subtotal = Decimal("10.00")
    shipping_fee = Decimal("5.00")
    total = Decimal("15.00")
    checkout_token = factory.Sequence(lambda n: f"factory-token-{n}")

    @factory.post_generation
    def _number_lines_address(obj, create, extracted, **kwargs):
        if not create:
            return
        from shop.models import ShippingAddress

        _one_line(obj, ProductFactory(seller=obj.seller, price=obj.subtotal)).save()
        ShippingAddress.objects.create(order=obj, **payment_address())


def _one_line(order, product):
    """The one line (unsaved) of an order made here: one ``product`` for the order's
    subtotal."""
    from shop.models import OrderLine

    return OrderLine(
        order=order,
        product=product,
        title=product.title,
        unit_price=order.subtotal,
        currency=order.currency,
        quantity=1,
    )


def orders_in_bulk(user, seller, count: int, *, product=None, **fields) -> list:
    """``count`` orders of ``user`` from ``seller`` (oldest first), each with a line of
    ``product`` (a new one if not given) and a shipping address, inserted in bulk: for the
    pages that list them, not the checkout. ``fields`` set the orders' other columns (a
    status, its time). Also the bench data set's order histories (bench/dataset.py)."""
    from shop.models import Order, OrderLine, ShippingAddress

    product = product or ProductFactory(seller=seller, title="Watering can")
    values = {
        "currency": "USD",
        "subtotal": Decimal("10.00"),
        "shipping_fee": Decimal("5.00"),
        "total": Decimal("15.00"),
        **fields,
    }
    batch = 2000
    orders = Order.objects.bulk_create(
        (
            Order(user=user, seller=seller, checkout_token=f"bulk-{user.pk}-{n}", **values)
            for n in range(count)
        ),
        batch_size=batch,
    )
    if any(o.pk is None for o in orders):  # a backend that returns no ids from bulk inserts
        orders = list(Order.objects.filter(user=user).order_by("id"))
    OrderLine.objects.bulk_create((_one_line(o, product) for o in orders), batch_size=batch)
    ShippingAddress.objects.bulk_create(
        (ShippingAddress(order=o, **payment_address()) for o in orders), batch_size=batch
    )
    return orders


def payment_recorded(order, *, key: str, status: str = "processing", **fields):
    """A payment for ``order`` written straight into the wallet's ledger, as a lost answer
    or another tab leaves one: a card payment of the order's total (Visa •••• 4242 unless
    ``fields`` say otherwise), ``processing`` unless ``status`` says otherwise."""
    from wallet.models import Payment

    values = {
        "user": order.user,
        "reference": order.number,
        "method": "card",
        "card_brand": "visa",
        "card_last4": "4242",
        "amount": order.total,
        "currency": order.currency,
        "idempotency_key": key,
        "status": status,
        **fields,
    }
    return Payment.objects.create(**values)


def order_placed(*, user=None, product=None, quantity: int = 1, address=None, token=None):
    """An order placed through `shop.services.order_place` from a cart holding `quantity`
    of `product` (made if not given), shipped to `address` (made if not given)."""
    import uuid

    from shop.services import cart_add_item, cart_get_or_create_for_user, order_place

    user = user or UserFactory()
    product = product or ProductFactory()
    address = address or AddressFactory(user=user)
    cart = cart_get_or_create_for_user(user=user)
    cart_add_item(cart=cart, product=product, quantity=quantity)
    order, _created = order_place(
        user=user,
        cart=cart,
        seller=product.seller,
        address=address,
        token=token or uuid.uuid4().hex,
    )
    return order


def declined_card_burst(*, shoppers: int = 3, attempts: int = 5, product=None) -> list:
    """Card testing: ``shoppers`` accounts (tester0@example.net, ...) each try declined
    one-time cards on an order of theirs until the card-attempt limit refuses them
    (``attempts`` declines, then ``RateLimited``). Returns the accounts."""
    import uuid

    import pytest

    from core.ratelimit import RateLimited
    from shop.services import order_pay
    from wallet.exceptions import PaymentDeclined

    product = product or ProductFactory(stock=50)
    people = []
    for n in range(shoppers):
        tester = UserFactory(email=f"tester{n}@example.net")
        order = order_placed(user=tester, product=product)
        for _attempt in range(attempts + 1):
            refused = PaymentDeclined if _attempt < attempts else RateLimited
            with pytest.raises(refused):
                order_pay(
                    order=order,
                    method="new_card",
                    card_data=card_data("4000000000000002"),
                    idempotency_key=uuid.uuid4().hex,
                    human_verified=True,
                )
        people.append(tester)
    return people
