"""Issue 9's fault matrix: money moves exactly once, whatever the processor does.

Every way money moves (the rows, ``tests/shop/money_flows.py``) meets every processor fault
(the columns) on the step that talks to the processor, through the pages a shopper or a
support agent uses, with the real simulated processor (mocked only to force the fault).
Each cell then clears the fault, retries the way a person would, jumps past the settle
window and runs ``reconcile_payments``, pays once more if the order still waits, and ends
with ``audit_money`` clean and the processor's own records holding exactly what the order
keeps: one captured charge, the refunds the order owes and nothing else.

The slow-processor column races two tabs with real threads and transactions: PostgreSQL
only (it skips on SQLite, and fails there with REQUIRE_POSTGRES_TESTS=1).
"""

import functools
import time
from contextlib import contextmanager
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client, override_settings
from django.utils import timezone

from core.money import to_minor
from shop.models import OrderStatus
from shop.services import checkout as checkout_services
from tests.factories import AddressFactory
from tests.shop.money_flows import (
    CRASH,
    FAULTS,
    FLOWS,
    SLOW_SECOND_TAB,
    AcceptAndPayWithSavedCard,
    Flow,
    Shop,
    offers_pay,
    shows_processing,
    text,
)
from tests.wallet.conftest import run_concurrently
from wallet.gateways.models import SimulatedCharge, SimulatedRefund
from wallet.gateways.simulated import SimulatedGateway
from wallet.models import Card, Payment, PaymentMethod, PaymentStatus

# Every call the processor answers: a flow that never talks to it gets its fault on all.
PROCESSOR_CALLS = (
    "tokenize",
    "charge",
    "confirm_authentication",
    "cancel_charge",
    "retrieve_charge",
    "list_charges",
    "refund",
    "retrieve_refund",
    "delete_token",
)
SLOW_MS = 1000
SECOND_TAB_AFTER = 0.2


class ProcessDied(Exception):
    """Test-only: the web process died here, after the attempt was committed and before the
    processor was called. The test client re-raises it like a crashed request."""


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _no_faults(settings):
    settings.SIMULATED_GATEWAY_FAULT = ""
    settings.SIMULATED_GATEWAY_LATENCY_MS = 0


@pytest.fixture
def shop(user, support_user, seller, product):
    AddressFactory(user=user)
    tab, desk = Client(), Client()
    tab.force_login(user)
    desk.force_login(support_user)
    return Shop(
        shopper=user, agent=support_user, seller=seller, product=product, tab=tab, desk=desk
    )


def _with_fault(method, fault: str):
    @functools.wraps(method)
    def call(self, *args, **kwargs):
        with override_settings(SIMULATED_GATEWAY_FAULT=fault):
            return method(self, *args, **kwargs)

    return call


def _dies(name: str):
    def call(self, *args, **kwargs):
        raise ProcessDied(f"the process died before SimulatedGateway.{name} was sent")

    return call


@contextmanager
def fault_on(monkeypatch, flow: Flow, fault: str):
    """``fault`` on the flow's processor step (on every processor call for a flow that makes
    none), for the duration of the block."""
    with monkeypatch.context() as patch:
        for name in (flow.step,) if flow.step else PROCESSOR_CALLS:
            real = getattr(SimulatedGateway, name)
            patch.setattr(
                SimulatedGateway, name, _dies(name) if fault == CRASH else _with_fault(real, fault)
            )
        yield


def _later(call):
    def delayed():
        time.sleep(SECOND_TAB_AFTER)
        return call()

    return delayed


def race_two_tabs(shop: Shop, flow: Flow, settings) -> list:
    """The faulted step from two tabs of one person, the second 0.2 s after the first, with
    every processor call taking a second. Returns both final pages."""
    if flow.by_support:
        first, second = shop.desk, shop.another_desk()
        shop.form = flow.open(shop, first)
        forms = [shop.form, shop.form]  # the same admin form, sent twice
    else:
        first, second = shop.tab, shop.another_tab()
        forms = [flow.open(shop, first), flow.open(shop, second)]
    settings.SIMULATED_GATEWAY_LATENCY_MS = SLOW_MS
    try:
        outcomes = run_concurrently(
            lambda: flow.submit(shop, first, forms[0]),
            _later(lambda: flow.submit(shop, second, forms[1])),
        )
    finally:
        settings.SIMULATED_GATEWAY_LATENCY_MS = 0
    errors = [error for _response, error in outcomes if error is not None]
    assert not errors, errors
    responses = [response for response, _error in outcomes]
    assert [response.status_code for response in responses] == [200, 200]
    return responses


def audit_money() -> str:
    out = StringIO()
    try:
        call_command("audit_money", stdout=out)
    except CommandError as exc:
        pytest.fail(f"audit_money: {exc}\n{out.getvalue()}")
    return out.getvalue()


def assert_money_moved_once(shop: Shop, flow: Flow) -> None:
    order = shop.order
    expected = flow.outcome(shop)
    assert order.status == expected.status
    succeeded = Payment.objects.filter(reference=order.number, status=PaymentStatus.SUCCEEDED)
    assert [p.pk for p in succeeded] == [order.paid_with_id]
    assert order.paid_with.amount == order.total
    charges = list(SimulatedCharge.objects.filter(reference=order.number))
    captured = [charge for charge in charges if charge.captured]
    refunds = SimulatedRefund.objects.filter(charge__reference=order.number)
    if not expected.charged_by_card:
        assert order.paid_with.method == PaymentMethod.BANK_TRANSFER
        assert charges == []
        return
    assert len(captured) == 1, [str(charge) for charge in charges]
    assert captured[0].amount_minor == to_minor(order.total, order.currency)
    assert sorted(r.amount_minor for r in refunds) == sorted(
        to_minor(amount, order.currency) for amount in expected.refunds
    )
    net = sum(charge.amount_minor - charge.amount_refunded_minor for charge in captured)
    assert net == to_minor(expected.kept, order.currency)
    if expected.saved_cards is not None:
        assert Card.objects.filter(owner=shop.shopper).count() == expected.saved_cards


def _cells():
    for flow in FLOWS:
        for fault in FAULTS:
            marks = [pytest.mark.django_db]
            if fault == SLOW_SECOND_TAB:
                marks = [pytest.mark.django_db(transaction=True), pytest.mark.concurrency]
            yield pytest.param(flow, fault, marks=marks, id=f"{flow.name}-{fault}")


@pytest.mark.parametrize(("flow", "fault"), list(_cells()))
def test_money_moves_exactly_once(flow, fault, shop, request, settings, monkeypatch, time_machine):
    if fault == SLOW_SECOND_TAB:
        request.getfixturevalue("requires_postgres")
        flow.prepare(shop)
        flow.told_in_race(shop, race_two_tabs(shop, flow, settings))
        flow.complete(shop)
    else:
        flow.prepare(shop)
        client = shop.desk if flow.by_support else shop.tab
        shop.form = flow.open(shop, client)
        with fault_on(monkeypatch, flow, fault):
            if fault == CRASH and flow.step is not None:
                with pytest.raises(ProcessDied):
                    flow.submit(shop, client, shop.form)
                response = None
            else:
                response = flow.submit(shop, client, shop.form)
            flow.complete(shop)
        flow.told(shop, fault, response)

    flow.retry(shop)
    time_machine.move_to(
        timezone.now() + timedelta(seconds=settings.PAYMENT_SETTLE_WINDOW_SECONDS + 1)
    )
    call_command("reconcile_payments", stdout=StringIO())
    if shop.order.status == OrderStatus.PENDING_PAYMENT:
        flow.pay_again(shop)

    assert "0 mismatches, 0 in flight" in audit_money()
    assert_money_moved_once(shop, flow)
    flow.leaves_its_records(shop)


def test_dying_while_accept_and_pay_records_the_paid_order_leaves_both_to_the_reconcile_job(
    shop, monkeypatch, settings, time_machine
):
    """The processor took the money and the process died in the transaction that records
    it (the payment succeeded and the order paid, together): neither is recorded, nothing
    is charged twice, and the reconcile job finishes both."""
    flow = next(flow for flow in FLOWS if isinstance(flow, AcceptAndPayWithSavedCard))
    flow.prepare(shop)
    shop.form = flow.open(shop, shop.tab)
    real = checkout_services._order_pay_with

    def dies_once_the_order_is_paid(**kwargs):
        real(**kwargs)
        raise ProcessDied("the process died before the payment and the paid order committed")

    with monkeypatch.context() as patch:
        patch.setattr(checkout_services, "_order_pay_with", dies_once_the_order_is_paid)
        with pytest.raises(ProcessDied):
            flow.submit(shop, shop.tab, shop.form)

    order = shop.order
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert [p.status for p in Payment.objects.filter(reference=order.number)] == [
        PaymentStatus.PROCESSING
    ]
    assert [c.captured for c in SimulatedCharge.objects.filter(reference=order.number)] == [True]
    page = text(shop.payment_page())
    assert shows_processing(page)
    assert not offers_pay(page)

    time_machine.move_to(
        timezone.now() + timedelta(seconds=settings.PAYMENT_SETTLE_WINDOW_SECONDS + 1)
    )
    call_command("reconcile_payments", stdout=StringIO())

    assert "0 mismatches, 0 in flight" in audit_money()
    assert_money_moved_once(shop, flow)
