"""Accept and pay commits no more often than its guarantees ask.

Each commit waits for the database to flush its log to disk (about 5 ms on the bench's
PostgreSQL, more than the rest of a query), so what a purchase writes is grouped into the
transactions the money pattern needs: the order placed with its charge recorded; the
processor's own record (the simulated processor keeps it in this database; a real one
answers over HTTP); the payment settled with the order paid, its activity, the letter and
the security event. The letter is then sent (claimed, sent: a worker's two writes, made
in-process here where tasks run eagerly).

These tests run outside a test transaction (``transactional_db``), as a server does, so
every BEGIN and COMMIT is the application's own.
"""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from core.models import SecurityEvent
from tests.factories import AddressFactory, CardFactory
from tests.shop.money_flows import Shop, messages_of

WRITES = ("INSERT", "UPDATE", "DELETE")


def _commits(queries: list[dict]) -> list[list[str]]:
    """The statements of each commit the database made, in order: a transaction's (BEGIN
    to COMMIT) or a write made outside one (it commits on its own)."""
    commits: list[list[str]] = []
    current: list[str] | None = None
    for query in queries:
        sql = query["sql"]
        verb = sql.split(None, 1)[0].upper()
        if verb == "BEGIN":
            current = []
        elif verb == "COMMIT":
            commits.append(current)
            current = None
        elif verb == "ROLLBACK":
            current = None
        elif current is not None:
            current.append(sql)
        elif verb in WRITES:
            commits.append([sql])
    return commits


def _tables_written(commit: list[str]) -> list[str]:
    tables = []
    for sql in commit:
        verb = sql.split(None, 1)[0].upper()
        if verb in WRITES:
            table = sql.split('"')[1]
            if table not in tables:
                tables.append(table)
    return tables


@pytest.fixture
def shop(transactional_db, user, support_user, seller, product):
    AddressFactory(user=user)
    tab = Client()
    tab.force_login(user)
    return Shop(
        shopper=user, agent=support_user, seller=seller, product=product, tab=tab, desk=Client()
    )


def test_accept_and_pay_commits_the_order_the_processors_record_and_the_settle_then_the_letter(
    shop, settings
):
    settings.SIMULATED_GATEWAY_FAULT = ""
    shop.card = CardFactory(owner=shop.shopper)
    shop.add_to_cart()
    form = shop.checkout_form(shop.tab)
    with CaptureQueriesContext(connection) as queries:
        response = shop.accept_and_pay(shop.tab, form)
    order = shop.order
    assert f"Thank you! Order {order.number} is paid." in messages_of(response)

    commits = [_tables_written(commit) for commit in _commits(queries.captured_queries)]
    placed, processor, settled, claimed, sent = commits  # and no other commit
    assert {"shop_order", "shop_orderline", "wallet_payment"} <= set(placed)
    assert processor == ["gateways_simulatedcharge"]
    assert {"wallet_payment", "shop_order", "core_letter", "core_securityevent"} <= set(settled)
    assert claimed == sent == ["core_letter"]
    # The security event of the payment is the settle's, committed with it.
    assert SecurityEvent.objects.filter(
        event="payment", outcome="succeeded", object_id=str(order.paid_with_id)
    ).exists()


def test_a_refused_card_commits_its_settle_with_its_security_event(shop, settings):
    settings.SIMULATED_GATEWAY_FAULT = ""
    shop.card = CardFactory(owner=shop.shopper, number="4000000000000341")  # declined later
    shop.add_to_cart()
    form = shop.checkout_form(shop.tab)
    with CaptureQueriesContext(connection) as queries:
        shop.accept_and_pay(shop.tab, form)
    assert shop.order.status == "pending_payment"

    commits = [_tables_written(commit) for commit in _commits(queries.captured_queries)]
    settled = commits[-1]
    assert "wallet_payment" in settled and "core_securityevent" in settled
    assert not any("core_securityevent" in tables for tables in commits[:-1])
    assert SecurityEvent.objects.filter(event="payment", outcome="failed").count() == 1
