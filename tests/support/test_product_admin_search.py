"""The admin's product search matches words as the shop's search box does (the full-text
index on PostgreSQL instead of a LIKE scan of every product), plus slug prefixes, and
finds inactive products too."""

import pytest
from django.urls import reverse

from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

URL = reverse("admin:shop_product_changelist")


@pytest.fixture
def catalog(db):
    return {
        "lamp": ProductFactory(
            title="Brass Desk Lamp", slug="brass-desk-lamp", description="Warm light."
        ),
        "mug": ProductFactory(
            title="Stoneware Mug", slug="stoneware-mug", description="Holds tea by the lamp."
        ),
        "hidden": ProductFactory(
            title="Linen Lampshade", slug="linen-shade", description="", is_active=False
        ),
    }


def found(client, term: str) -> set[str]:
    response = client.get(URL, {"q": term})
    assert response.status_code == 200
    return {product.slug for product in response.context["cl"].result_list}


def test_words_match_as_word_starts_in_title_or_description_inactive_too(support_client, catalog):
    assert found(support_client, "lamp") == {"brass-desk-lamp", "stoneware-mug", "linen-shade"}
    assert found(support_client, "desk lam") == {"brass-desk-lamp"}
    assert found(support_client, "MUG") == {"stoneware-mug"}
    assert found(support_client, "amp") == set()  # inside a word: not a match


def test_a_slug_prefix_finds_its_product(support_client, catalog):
    assert found(support_client, "linen-sh") == {"linen-shade"}
    assert found(support_client, "stoneware-mug") == {"stoneware-mug"}


def test_odd_input_finds_nothing_or_everything_but_never_fails(support_client, catalog):
    assert found(support_client, "%") == set()  # a LIKE wildcard is a character here
    assert found(support_client, "' OR 1=1 --") == set()
    assert found(support_client, "   ") == {"brass-desk-lamp", "stoneware-mug", "linen-shade"}
    response = support_client.get(URL, {"q": "lamp"})
    assert "Words of the title or description" in response.content.decode()


def test_the_help_under_the_box_speaks_russian(support_client, catalog):
    support_client.cookies["django_language"] = "ru"
    response = support_client.get(URL, {"q": "lamp"})
    assert "Слова из названия или описания" in response.content.decode()
