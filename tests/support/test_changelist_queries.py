"""Every list page support uses costs the same number of queries for 1 row as for 100."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.audit import AuditAction, audit_record
from tests.factories import (
    AddressFactory,
    CardFactory,
    OrderFactory,
    ProductFactory,
    SellerFactory,
    UserFactory,
    WalletAccountFactory,
)
from wallet.services import payment_charge_card, payment_refund

pytestmark = pytest.mark.django_db

# Every changelist the Support group can open (its view permissions, one page each).
SUPPORT_CHANGELISTS = [
    "admin:shop_order_changelist",
    "admin:shop_product_changelist",
    "admin:shop_seller_changelist",
    "admin:wallet_payment_changelist",
    "admin:wallet_refund_changelist",
    "admin:wallet_card_changelist",
    "admin:wallet_walletaccount_changelist",
    "admin:wallet_walletevent_changelist",
    "admin:accounts_user_changelist",
    "admin:core_auditentry_changelist",
]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _customers(n: int, staff) -> None:
    """n customers, each with an address, a wallet, a card, a charged and partly refunded
    payment (with its activity lines), an order, a product of their own seller and an
    audit entry."""
    for _ in range(n):
        owner = UserFactory()
        AddressFactory(user=owner)
        WalletAccountFactory(user=owner)
        card = CardFactory(owner=owner)
        seller = SellerFactory()
        ProductFactory(seller=seller)
        order = OrderFactory(user=owner, seller=seller)
        payment = payment_charge_card(
            user=owner,
            card=card,
            amount=Decimal("5.00"),
            currency="USD",
            reference=order.number,
            idempotency_key=f"charge-{owner.pk}",
        )
        payment_refund(payment=payment, amount=Decimal("1.00"), reason="Scratch", by=staff)
        audit_record(
            actor=staff,
            action=AuditAction.ORDER_REFUND,
            target=order,
            order_number=order.number,
            reason="Scratch",
        )


def _row_count(response) -> int:
    return len(response.context["cl"].result_list)


def test_support_can_open_every_list_it_is_given(support_client):
    for name in SUPPORT_CHANGELISTS:
        assert support_client.get(reverse(name)).status_code == 200, name


def test_list_pages_query_count_is_the_same_for_1_and_100_rows(support_client, support_user):
    def measure() -> dict[str, tuple[int, int]]:
        # A staff session's last-seen time is written at most once a minute; building 99
        # customers can take longer than that on a loaded machine, so a first request
        # takes that write before anything is counted.
        support_client.get(reverse(SUPPORT_CHANGELISTS[0]))
        result = {}
        for name in SUPPORT_CHANGELISTS:
            with CaptureQueriesContext(connection) as ctx:
                response = support_client.get(reverse(name))
            assert response.status_code == 200, name
            result[name] = (len(ctx), _row_count(response))
        return result

    _customers(1, support_user)
    one = measure()
    _customers(99, support_user)
    hundred = measure()

    for name in SUPPORT_CHANGELISTS:
        queries_one, rows_one = one[name]
        queries_hundred, rows_hundred = hundred[name]
        assert rows_one >= 1, name
        assert rows_hundred >= 50, name  # a full page (orders show 50 a page, others 100)
        assert queries_hundred == queries_one, f"{name}: {queries_one} -> {queries_hundred}"
