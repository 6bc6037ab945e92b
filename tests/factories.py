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
