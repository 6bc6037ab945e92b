"""The guarantees of docs/money.md, one by one, through the pages where a shopper or
support agent meets them: one open card payment per order, nothing declared never
received inside the settle window, late successes given back, refunds never dropped,
reconciliation that finishes the job, the money audit, and truthful messages.

Each test ends with the money audit clean (``audit_money``) unless it is about the audit
finding a mismatch. The races between real threads are in test_money_races.py.
"""

import re
from datetime import timedelta
from decimal import Decimal
from io import StringIO
from unittest import mock

import pytest
import time_machine
from django.core.checks import Error
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags

from core.money import format_money, to_minor
from shop.models import Order, OrderStatus, Product
from shop.services import order_pay, order_pay_with_saved_card
from tests.factories import (
    CardFactory,
    ProductFactory,
    UserFactory,
    WalletAccountFactory,
    order_placed,
)
from tests.shop.conftest import messages_of
from wallet.checks import check_settle_window
from wallet.exceptions import GatewayRequestError, GatewayUnavailable
from wallet.gateways import get_gateway
from wallet.gateways.models import SimulatedCharge, SimulatedRefund
from wallet.gateways.simulated import SimulatedGateway
from wallet.models import Payment, PaymentStatus, Refund, WalletEvent

pytestmark = pytest.mark.django_db

VISA = "4242 4242 4242 4242"
STEP_UP = "4000 0025 0000 3155"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def fault(settings):
    def set_fault(name: str) -> None:
        settings.SIMULATED_GATEWAY_FAULT = name

    set_fault("")
    return set_fault


@pytest.fixture
def staff_client(support_user):
    """Support, in a browser of their own (``staff_client`` shares the shopper's)."""
    client = Client()
    client.force_login(support_user)
    return client


@pytest.fixture
def product(db):
    return ProductFactory(price=Decimal("18.50"), stock=5)


@pytest.fixture
def order(user, product):
    return order_placed(user=user, product=product, quantity=2)


def audit_is_clean() -> str:
    out = StringIO()
    call_command("audit_money", stdout=out)
    return out.getvalue()


def reconcile() -> str:
    out = StringIO()
    call_command("reconcile_payments", stdout=out)
    return out.getvalue()


def past_the_settle_window(settings):
    return time_machine.travel(
        timezone.now() + timedelta(seconds=settings.PAYMENT_SETTLE_WINDOW_SECONDS + 1)
    )


def pay_page(client, order):
    return client.get(reverse("shop:order-pay", args=[order.number]))


def pay(client, order, number=VISA, **extra):
    """Open a fresh payment page (a new tab) and pay on it with a new card."""
    page = pay_page(client, order).content.decode()
    token = re.search(r'name="token" value="([0-9a-f]{32})"', page)
    data = {
        "token": token.group(1) if token else "0" * 32,
        "method": "new",
        "number": number,
        "name": "Ada Lovelace",
        "expiry": "12/39",
        "cvc": "123",
        **extra,
    }
    return client.post(reverse("shop:order-pay", args=[order.number]), data, follow=True)


def cancel(client, order):
    return client.post(reverse("shop:order-cancel", args=[order.number]), follow=True)


def processor_net(order) -> int:
    """Minor units the processor holds for the order: captured minus refunded."""
    return sum(
        (c.amount_minor if c.captured else 0) - c.amount_refunded_minor
        for c in SimulatedCharge.objects.filter(reference=order.number)
    )


def count_calls(monkeypatch, name: str) -> list:
    calls = []
    real = getattr(SimulatedGateway, name)

    def counted(self, *args, **kwargs):
        calls.append(kwargs)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(SimulatedGateway, name, counted)
    return calls


# ------------------------------------------------------- one open card payment per order


def test_the_database_allows_one_open_card_payment_per_order(user):
    fields = {
        "user": user,
        "method": Payment.Method.CARD,
        "card_brand": "visa",
        "card_last4": "4242",
        "amount": Decimal("10.00"),
        "currency": "USD",
        "reference": "BZ-000900",
    }
    Payment.objects.create(idempotency_key="a", **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(idempotency_key="b", **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(idempotency_key="c", status=PaymentStatus.REQUIRES_ACTION, **fields)
    # Closed attempts and bank transfers don't count.
    Payment.objects.create(idempotency_key="d", status=PaymentStatus.FAILED, **fields)
    Payment.objects.create(
        idempotency_key="e",
        **{**fields, "method": Payment.Method.BANK_TRANSFER, "card_brand": "", "card_last4": ""},
    )


def test_a_second_tab_while_a_charge_is_in_flight_never_reaches_the_processor(
    user_client, order, fault, monkeypatch
):
    charges = count_calls(monkeypatch, "charge")
    fault("timeout_before")
    first = pay(user_client, order)
    assert "We are checking with your bank; you will not be charged twice" in " ".join(
        messages_of(first)
    )
    fault("")

    second = pay(user_client, order)

    assert len(charges) == 1  # the second tab asked about the first, and charged nothing
    page = second.content.decode()
    assert "Your payment is being processed" in page
    assert 'data-testid="pay"' not in page
    # It asks the server for the bank's answer itself (static/js/payment_processing.js,
    # proven in tests/browser/test_accessibility.py), instead of reloading every 5 seconds.
    assert f'data-poll-url="/orders/{order.number}/pay/"' in page
    assert 'http-equiv="refresh"' not in page
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PENDING_PAYMENT
    assert not SimulatedCharge.objects.exists()


def test_paying_again_after_a_lost_answer_finishes_the_first_payment_and_charges_once(
    user_client, order, fault
):
    """The review's first finding: timeout, then pay again, used to capture twice."""
    fault("timeout")
    pay(user_client, order)
    assert SimulatedCharge.objects.filter(captured=True).count() == 1
    fault("")

    response = pay(user_client, order)

    assert "Your earlier payment with Visa •••• 4242 went through" in " ".join(
        messages_of(response)
    )
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID
    assert SimulatedCharge.objects.count() == 1
    assert processor_net(order) == to_minor(order.total, order.currency)
    assert not SimulatedRefund.objects.exists()
    audit_is_clean()


def test_check_now_asks_the_processor_and_lands_on_the_paid_order(user_client, order, fault):
    fault("timeout")
    pay(user_client, order)
    fault("")
    assert "Your payment is being processed" in pay_page(user_client, order).content.decode()

    response = user_client.post(reverse("shop:order-pay-check", args=[order.number]), follow=True)

    assert response.redirect_chain[-1][0] == order.get_absolute_url()
    assert f"Order {order.number} is paid" in " ".join(messages_of(response))
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID
    audit_is_clean()


def test_a_payment_waiting_for_step_up_is_called_off_when_the_shopper_pays_another_way(
    user_client, order
):
    response = pay(user_client, order, number=STEP_UP)
    assert response.redirect_chain[-1][0].endswith("/authenticate/")
    page = pay_page(user_client, order).content.decode()
    assert "Your bank is waiting for you to confirm the payment" in page

    pay(user_client, order)

    statuses = sorted(Payment.objects.values_list("status", flat=True))
    assert statuses == [PaymentStatus.CANCELED, PaymentStatus.SUCCEEDED]
    assert SimulatedCharge.objects.filter(captured=True).count() == 1
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID
    audit_is_clean()


def test_a_payment_waiting_for_step_up_is_called_off_when_the_shopper_chooses_a_transfer(
    user_client, order
):
    """The page promises it: confirming the card later must not charge it and call off a
    transfer the shopper may have wired meanwhile."""
    pay(user_client, order, number=STEP_UP)

    response = pay(user_client, order, method="bank_transfer")

    assert "reserved for you until your bank transfer arrives" in " ".join(messages_of(response))
    card, transfer = Payment.objects.order_by("pk")
    assert card.status == PaymentStatus.CANCELED
    assert (transfer.method, transfer.status) == ("bank_transfer", PaymentStatus.PROCESSING)
    # The bank's page, answered late: nothing waits for it any more, so it leads back to
    # the order (with the transfer's details).
    late = user_client.post(
        reverse("shop:order-authenticate", args=[order.number]),
        {"decision": "approve"},
        follow=True,
    )
    assert late.redirect_chain[-1][0] == order.get_absolute_url()
    assert not SimulatedCharge.objects.filter(captured=True).exists()
    assert Payment.objects.get(pk=transfer.pk).status == PaymentStatus.PROCESSING
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PENDING_PAYMENT
    audit_is_clean()


def test_no_transfer_is_awaited_while_the_waiting_card_payment_cannot_be_called_off(
    user_client, order, fault
):
    pay(user_client, order, number=STEP_UP)
    fault("unreachable")

    response = pay(user_client, order, method="bank_transfer")

    assert messages_of(response) == [
        "Your bank is still waiting for you to confirm the earlier payment, and we couldn't "
        "call it off just now. Confirm it, or try again in a minute."
    ]
    assert [p.status for p in Payment.objects.all()] == [PaymentStatus.REQUIRES_ACTION]
    fault("")
    pay(user_client, order, method="bank_transfer")  # the processor is back: called off
    assert sorted(Payment.objects.values_list("status", flat=True)) == [
        PaymentStatus.CANCELED,
        PaymentStatus.PROCESSING,
    ]
    audit_is_clean()


# ----------------------------------------------- nothing declared never received early


def test_a_charge_the_processor_never_got_is_failed_only_after_the_settle_window(
    user_client, order, fault, settings
):
    fault("timeout_before")
    pay(user_client, order)
    fault("")

    assert "still waiting" in reconcile()
    assert Payment.objects.get().status == PaymentStatus.PROCESSING
    with past_the_settle_window(settings):
        reconcile()
    payment = Payment.objects.get()
    assert (payment.status, payment.decline_code) == (PaymentStatus.FAILED, "no_response")

    pay(user_client, order)
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID
    audit_is_clean()


def test_support_cannot_cancel_an_order_while_its_charge_may_be_in_flight(
    staff_client, user, order, fault
):
    card = CardFactory(owner=user)
    fault("timeout_before")
    with pytest.raises(GatewayUnavailable):
        order_pay_with_saved_card(order=order, card=card, idempotency_key="k")
    fault("")

    response = staff_client.post(
        reverse("admin:shop_order_cancel", args=[order.pk]),
        {"reason": "Customer asked", "step": "confirm"},
        follow=True,
    )

    assert "did not answer" in " ".join(messages_of(response))
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PENDING_PAYMENT
    assert Payment.objects.get().status == PaymentStatus.PROCESSING


def test_the_settle_window_must_be_longer_than_the_gateway_timeout(settings):
    settings.PAYMENT_GATEWAY_TIMEOUT_SECONDS = 30
    settings.PAYMENT_SETTLE_WINDOW_SECONDS = 30
    assert [error.id for error in check_settle_window(None)] == ["wallet.E001"]
    assert all(isinstance(error, Error) for error in check_settle_window(None))
    settings.PAYMENT_SETTLE_WINDOW_SECONDS = 120
    assert check_settle_window(None) == []


# --------------------------------------------------------- late successes given back


def test_a_card_payment_that_succeeds_after_a_bank_transfer_paid_the_order_is_refunded_once(
    user_client, staff_client, user, order, fault
):
    order_pay(order=order, method="bank_transfer", idempotency_key="bt")
    fault("timeout")
    pay(user_client, order)  # the processor took it; the answer was lost
    fault("")
    staff_client.post(
        reverse("admin:shop_order_bank_transfer_received", args=[order.pk]), {"step": "confirm"}
    )
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID

    reconcile()
    reconcile()

    order.refresh_from_db()
    assert order.paid_with.method == Payment.Method.BANK_TRANSFER
    card_payment = Payment.objects.get(method=Payment.Method.CARD)
    assert card_payment.status == PaymentStatus.SUCCEEDED
    assert card_payment.refunds.get().status == Refund.Status.SUCCEEDED
    assert SimulatedRefund.objects.count() == 1
    assert processor_net(order) == 0
    WalletAccountFactory(user=user, confirmed_at=timezone.now())
    activity = strip_tags(user_client.get(reverse("wallet:activity")).content.decode())
    assert f"Refund of {format_money(order.total, order.currency)} for {order.number}" in activity
    admin_page = staff_client.get(reverse("admin:shop_order_change", args=[order.pk]))
    assert "Extra payment with Visa •••• 4242 refunded in full." in admin_page.content.decode()
    audit_is_clean()


def _charge_late(payment: Payment, card) -> None:
    """The processor takes a charge it was sent long ago (after we gave up on it)."""
    get_gateway().charge(
        source=card.gateway_token,
        amount_minor=int(payment.amount * 100),
        currency=payment.currency,
        idempotency_key=payment.idempotency_key,
        description=payment.description,
        reference=payment.reference,
    )


def test_a_late_capture_on_an_expired_order_is_recorded_and_given_back_once(
    user, order, fault, settings
):
    card = CardFactory(owner=user)
    fault("timeout_before")
    with pytest.raises(GatewayUnavailable):
        order_pay_with_saved_card(order=order, card=card, idempotency_key="late")
    fault("")
    later = timezone.now() + timedelta(minutes=settings.ORDER_PAYMENT_TIMEOUT_MINUTES + 5)
    with time_machine.travel(later):
        reconcile()
        call_command("expire_unpaid_orders", stdout=StringIO())
    payment = Payment.objects.get()
    assert (payment.status, payment.decline_code) == (PaymentStatus.FAILED, "no_response")
    assert Order.objects.get(pk=order.pk).status == OrderStatus.CANCELLED

    _charge_late(payment, card)
    with time_machine.travel(later):
        reconcile()
        reconcile()

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED  # the ledger tells the truth
    assert payment.refunds.get().status == Refund.Status.SUCCEEDED
    assert SimulatedRefund.objects.count() == 1
    assert processor_net(order) == 0
    assert WalletEvent.objects.filter(user=user, kind=WalletEvent.Kind.REFUND).count() == 1
    assert Order.objects.get(pk=order.pk).status == OrderStatus.CANCELLED
    audit_is_clean()


def test_a_step_up_confirmed_just_before_expiry_pays_the_order_instead_of_expiring_it(
    user_client, order, settings
):
    pay(user_client, order, number=STEP_UP)
    payment = Payment.objects.get()
    # The shopper confirmed at their bank; our page never heard back.
    get_gateway().confirm_authentication(charge_id=payment.gateway_charge_id, approved=True)
    later = timezone.now() + timedelta(minutes=settings.ORDER_PAYMENT_TIMEOUT_MINUTES + 5)

    with time_machine.travel(later):
        out = StringIO()
        call_command("expire_unpaid_orders", stdout=out)

    assert "Expired 0" in out.getvalue()
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID
    assert not SimulatedRefund.objects.exists()
    audit_is_clean()


# ------------------------------------------------------------ refunds never dropped


@pytest.fixture
def paid_order(user_client, order):
    pay(user_client, order)
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    return order


def test_cancel_across_an_outage_refunds_exactly_once(user_client, paid_order, product, fault):
    """The review's third finding: the second cancel used to skip the pending refund."""
    stock = Product.objects.get(pk=product.pk).stock
    fault("unreachable")
    first = cancel(user_client, paid_order)

    paid_order.refresh_from_db()
    assert paid_order.status == OrderStatus.REFUND_PENDING
    said = " ".join(messages_of(first))
    assert "waiting for its answer" in said and "Refund pending" in said
    assert "unchanged" not in said
    assert 'data-testid="refund-pending"' in first.content.decode()
    assert Product.objects.get(pk=product.pk).stock == stock + 2  # it won't ship

    fault("")
    second = cancel(user_client, paid_order)

    paid_order.refresh_from_db()
    assert paid_order.status == OrderStatus.CANCELLED
    assert "We have refunded" in " ".join(messages_of(second))
    assert SimulatedRefund.objects.count() == 1
    assert Refund.objects.get().status == Refund.Status.SUCCEEDED
    reconcile()
    assert SimulatedRefund.objects.count() == 1
    assert Product.objects.get(pk=product.pk).stock == stock + 2
    audit_is_clean()


def test_a_cancel_whose_refund_answer_was_lost_reads_refund_pending_not_unchanged(
    user_client, paid_order, fault, outbox, django_capture_on_commit_callbacks
):
    """The review's fifth finding: the page said the order was unchanged."""
    fault("timeout")
    response = cancel(user_client, paid_order)
    fault("")

    said = " ".join(messages_of(response))
    assert "unchanged" not in said
    assert "Refund pending" in said
    assert SimulatedRefund.objects.count() == 1  # the processor did refund
    outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        reconcile()

    assert Order.objects.get(pk=paid_order.pk).status == OrderStatus.CANCELLED
    assert [m.subject for m in outbox] == [f"Your Bazaar order {paid_order.number} was cancelled"]
    assert SimulatedRefund.objects.count() == 1
    audit_is_clean()


def test_the_reconcile_job_sends_a_pending_refund_again_until_the_processor_answers(
    user_client, paid_order, fault
):
    fault("unreachable")
    cancel(user_client, paid_order)
    assert "still waiting" in reconcile()
    assert Order.objects.get(pk=paid_order.pk).status == OrderStatus.REFUND_PENDING
    assert Refund.objects.get().status == Refund.Status.PENDING

    fault("")
    reconcile()

    assert Order.objects.get(pk=paid_order.pk).status == OrderStatus.CANCELLED
    assert SimulatedRefund.objects.count() == 1
    audit_is_clean()


def test_a_refused_refund_reads_refund_failed_and_support_retries_it_on_a_cancelled_order(
    staff_client, user_client, paid_order, monkeypatch
):
    real = SimulatedGateway.refund
    refusals = iter([True])

    def refuse_once(self, **kwargs):
        if next(refusals, False):
            raise GatewayRequestError(code="charge_not_captured")
        return real(self, **kwargs)

    monkeypatch.setattr(SimulatedGateway, "refund", refuse_once)
    cancel(user_client, paid_order)
    assert Refund.objects.get().status == Refund.Status.FAILED
    reconcile()  # a refusal is not sent again automatically: support decides
    assert Refund.objects.count() == 1
    page = staff_client.get(reverse("admin:shop_order_change", args=[paid_order.pk]))
    html = page.content.decode()
    assert "Refund failed" in html and "Retry refund" in html

    response = staff_client.post(
        reverse("admin:shop_order_retry_refund", args=[paid_order.pk]),
        {"reason": "Processor refused; retried", "step": "confirm"},
        follow=True,
    )

    assert "Refund sent again" in " ".join(messages_of(response))
    assert Order.objects.get(pk=paid_order.pk).status == OrderStatus.CANCELLED
    assert SimulatedRefund.objects.count() == 1
    assert processor_net(paid_order) == 0
    audit_is_clean()


# ---------------------------------------------------- reconciliation finishes the job


def test_reconcile_applies_what_it_settles_to_the_order(user_client, order, product, fault):
    """The review's fourth finding: the order stayed waiting until someone opened it."""
    stale = order_placed(user=UserFactory(), product=product)
    fault("timeout")
    pay(user_client, order)
    fault("")

    out = reconcile()

    assert f"{order.number}: pending_payment -> paid" in out
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID
    later = timezone.now() + timedelta(hours=1)
    with time_machine.travel(later):
        expired = StringIO()
        call_command("expire_unpaid_orders", stdout=expired)
    assert "Expired 1 unpaid order." in expired.getvalue()
    assert Order.objects.get(pk=stale.pk).status == OrderStatus.CANCELLED
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID
    audit_is_clean()


# ---------------------------------------------------------------------- the audit


def test_audit_money_is_clean_for_orders_in_every_state(user_client, user, product, fault):
    waiting = order_placed(user=user, product=product)
    paid = order_placed(user=user, product=product)
    pay(user_client, paid)
    cancelled = order_placed(user=user, product=product)
    pay(user_client, cancelled)
    cancel(user_client, cancelled)
    transfer = order_placed(user=user, product=product)
    order_pay(order=transfer, method="bank_transfer", idempotency_key="bt")

    out = audit_is_clean()

    assert "Audited 4 orders: 0 mismatches" in out
    assert {waiting.status, Order.objects.get(pk=cancelled.pk).status} == {
        OrderStatus.PENDING_PAYMENT,
        OrderStatus.CANCELLED,
    }


def test_audit_money_reports_each_mismatch_with_the_order_number_and_fails(
    user_client, user, product
):
    refunded_behind_our_back = order_placed(user=user, product=product)
    pay(user_client, refunded_behind_our_back)
    charge = SimulatedCharge.objects.get(reference=refunded_behind_our_back.number)
    get_gateway().refund(charge_id=charge.charge_id, amount_minor=100, idempotency_key="rogue")
    marked_cancelled = order_placed(user=user, product=product)
    pay(user_client, marked_cancelled)
    Order.objects.filter(pk=marked_cancelled.pk).update(status=OrderStatus.CANCELLED)

    out = StringIO()
    with pytest.raises(CommandError) as info:
        call_command("audit_money", stdout=out)

    lines = [line for line in out.getvalue().splitlines() if line.startswith("MISMATCH")]
    assert any(refunded_behind_our_back.number in line and "refunded" in line for line in lines)
    assert any(marked_cancelled.number in line and "cancelled" in line for line in lines)
    assert len(lines) >= 2 and f"{len(lines)} mismatches" in str(info.value)
    assert info.value.returncode == 1


def test_audit_money_reports_a_charge_open_past_the_settle_window(
    user_client, order, fault, settings
):
    fault("timeout_before")
    pay(user_client, order)
    fault("")
    assert "in flight" in audit_is_clean()

    with past_the_settle_window(settings), pytest.raises(CommandError):
        call_command("audit_money", stdout=StringIO())


# ---------------------------------------------------------------- simulated latency


def test_the_simulated_processor_waits_its_latency_on_every_call(settings, user, order):
    settings.SIMULATED_GATEWAY_LATENCY_MS = 300
    card = CardFactory(owner=user)
    with mock.patch("wallet.gateways.simulated.faults.time.sleep") as sleep:
        order_pay_with_saved_card(order=order, card=card, idempotency_key="slow")
        get_gateway().list_charges(reference=order.number)
    assert sleep.call_args_list == [mock.call(0.3)] * sleep.call_count
    assert sleep.call_count >= 2
