from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from shop.models import Cart, CartLine
from tests.factories import CartFactory, CartLineFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_abandoned_anonymous_carts_are_deleted_and_users_carts_kept():
    long_ago = timezone.now() - timedelta(seconds=settings.SESSION_COOKIE_AGE + 60)
    with time_machine.travel(long_ago, tick=False):
        abandoned = CartLineFactory(cart=CartFactory(user=None)).cart
        users_cart = CartLineFactory(cart=CartFactory(user=UserFactory())).cart
    fresh = CartLineFactory(cart=CartFactory(user=None)).cart
    out = StringIO()

    call_command("clear_stale_carts", stdout=out)

    assert "Deleted 1 abandoned anonymous cart(s)." in out.getvalue()
    assert set(Cart.objects.values_list("pk", flat=True)) == {users_cart.pk, fresh.pk}
    assert not CartLine.objects.filter(cart_id=abandoned.pk).exists()
