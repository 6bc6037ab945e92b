"""Bench data for ``make bench-cluster``: shoppers with an address and a saved card, and
products with stock to spare. Run by cluster.py with the cluster's environment (after
``migrate`` and ``seed_demo``); prints a JSON description of what it made."""

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.utils import timezone  # noqa: E402

from accounts.services import address_create, user_create  # noqa: E402
from shop.models import Product  # noqa: E402
from tests.factories import payment_address  # noqa: E402
from wallet.card_numbers import CardData  # noqa: E402
from wallet.services import card_link  # noqa: E402

# BENCH ONLY: throwaway accounts in a database the run creates and drops.
PASSWORD = "cluster-bench-pass-1"  # noqa: S105
ADDRESS = payment_address()  # the test suite's billing address (tests/factories.py)


def main(shoppers: int) -> None:
    users = []
    for n in range(shoppers):
        user = user_create(email=f"cluster{n}@example.com", password=PASSWORD, full_name="Ada")
        address_create(user=user, **ADDRESS)
        card, _ = card_link(
            user=user,
            card_data=CardData(
                number="4242424242424242",
                exp_month=12,
                exp_year=timezone.now().year + 3,
                cvc="735",
                name="Ada Lovelace",
            ),
            payment_address=ADDRESS,
            make_default=True,
            nickname="",
            human_verified=True,
        )
        users.append({"email": user.email, "password": PASSWORD, "card": card.pk})
    products = list(Product.objects.active().select_related("seller").order_by("id")[:6])
    Product.objects.filter(pk__in=[p.pk for p in products]).update(stock=10_000)
    print(
        json.dumps(
            {
                "users": users,
                "products": [
                    {"id": p.pk, "slug": p.slug, "seller": p.seller.slug} for p in products
                ],
                "stock": {str(p.pk): 10_000 for p in products},
            }
        )
    )


if __name__ == "__main__":
    main(int(sys.argv[1]))
