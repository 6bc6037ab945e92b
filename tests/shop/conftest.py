import pytest

from tests.factories import ProductFactory, SellerFactory


@pytest.fixture
def seller(db):
    return SellerFactory(
        name="Nordic Home", slug="nordic-home", shipping_fee="6.90", free_shipping_threshold="60.00"
    )


@pytest.fixture
def product(seller):
    return ProductFactory(
        seller=seller, title="Stoneware Mug", slug="stoneware-mug", price="18.50", stock=5
    )


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []
