"""Staff actions are shop and wallet services that write their own audit entry, in the
transaction of the change; the admin runs each from a page of its own."""

import uuid
from decimal import Decimal

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from core.models import AuditAction, AuditEntry
from shop.exceptions import ActionAlreadyDone
from shop.models import Order, OrderEvent, OrderStatus
from shop.services import (
    order_cancel,
    order_mark_bank_transfer_received,
    order_mark_shipped,
    order_pay,
    order_refund,
)
from tests.factories import CardFactory, ProductFactory, SellerFactory, card_data, order_placed
from wallet.exceptions import GatewayUnavailable
from wallet.gateways.models import SimulatedRefund
from wallet.models import Card, Refund, RefundStatus, WalletEvent
from wallet.services import card_disable

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def fault(settings):
    def set_fault(name: str) -> None:
        settings.SIMULATED_GATEWAY_FAULT = name

    set_fault("")
    return set_fault


def paid_order(price="40.00"):
    seller = SellerFactory(shipping_fee=Decimal("0.00"))
    order = order_placed(product=ProductFactory(price=Decimal(price), stock=5, seller=seller))
    return order_pay(
        order=order,
        method="new_card",
        card_data=card_data("4242424242424242"),
        idempotency_key=uuid.uuid4().hex,
    )


def waiting_transfer_order():
    order = order_placed(product=ProductFactory(stock=5))
    return order_pay(order=order, method="bank_transfer", idempotency_key=uuid.uuid4().hex)


def transfer_paid_order():
    from tests.factories import UserFactory

    order = waiting_transfer_order()
    staff = UserFactory(is_staff=True)
    return order_mark_bank_transfer_received(order=order, by=staff, reason="Seen")


def action_url(order, name: str) -> str:
    return reverse(f"admin:shop_order_{name.replace('-', '_')}", args=[order.pk])


class Boom(Exception):
    pass


def _audit_fails(monkeypatch, module: str) -> None:
    def fail(**kwargs):
        raise Boom

    monkeypatch.setattr(f"{module}.audit_record", fail)


# ---------------------------------------------------------------- one record each
def test_one_staff_refund_writes_the_refund_its_activity_line_its_timeline_and_one_audit_entry(
    support_client, support_user
):
    order = paid_order(price="40.00")
    before = {
        "events": OrderEvent.objects.count(),
        "wallet": WalletEvent.objects.count(),
    }

    support_client.post(
        action_url(order, "refund"),
        {"amount": "15.00", "reason": "Chipped", "step": "confirm", "token": "t-1"},
    )

    assert Refund.objects.count() == 1
    assert WalletEvent.objects.count() - before["wallet"] == 1
    assert OrderEvent.objects.count() - before["events"] == 1  # "Partly refunded" note
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor, entry.reason) == (
        AuditAction.ORDER_REFUND,
        support_user,
        "Chipped",
    )
    assert entry.details["refund_id"] == Refund.objects.get().pk
    assert not LogEntry.objects.exists()


def test_the_refund_audit_entry_is_saved_with_the_refund_before_the_processor_answers(
    support_user, fault
):
    order = paid_order()
    fault("timeout_before")

    with pytest.raises(GatewayUnavailable):
        order_refund(order=order, amount=Decimal("5.00"), reason="Dented", by=support_user)

    refund = Refund.objects.get()
    assert refund.status == RefundStatus.PENDING
    entry = AuditEntry.objects.get(action=AuditAction.ORDER_REFUND)
    assert entry.details["refund_id"] == refund.pk


def test_a_refund_whose_audit_entry_fails_is_never_recorded_nor_sent(support_user, monkeypatch):
    order = paid_order()
    _audit_fails(monkeypatch, "shop.services.orders")

    with pytest.raises(Boom):
        order_refund(order=order, amount=Decimal("5.00"), reason="Dented", by=support_user)

    assert not Refund.objects.exists()
    assert not SimulatedRefund.objects.exists()


def test_a_refund_sent_twice_with_one_key_refunds_and_records_once(support_user):
    order = paid_order()
    key = f"{order.number}:staff-refund:tok"
    order_refund(
        order=order, amount=Decimal("5.00"), reason="Once", by=support_user, idempotency_key=key
    )

    with pytest.raises(ActionAlreadyDone):
        order_refund(
            order=order, amount=Decimal("5.00"), reason="Once", by=support_user, idempotency_key=key
        )

    assert Refund.objects.count() == 1
    assert AuditEntry.objects.filter(action=AuditAction.ORDER_REFUND).count() == 1


def test_a_staff_cancel_is_recorded_when_the_order_moves_to_refund_pending(support_user, fault):
    order = paid_order(price="40.00")
    fault("unreachable")

    order = order_cancel(order=order, by=support_user, reason="Customer called")

    assert order.status == OrderStatus.REFUND_PENDING
    entry = AuditEntry.objects.get(action=AuditAction.ORDER_CANCEL)
    assert entry.reason == "Customer called"
    assert entry.details["status"] == OrderStatus.REFUND_PENDING
    assert entry.summary == (
        f"Cancelled {order.number} (was paid); its payment of $40.00 is refunded in full."
    )
    # Cancelling again only sends the refund again: nothing new to record.
    fault("")
    assert order_cancel(order=order, by=support_user, reason="Again").status == "cancelled"
    assert AuditEntry.objects.filter(action=AuditAction.ORDER_CANCEL).count() == 1


def test_a_staff_cancel_needs_a_reason_before_anything_happens(support_user):
    order = paid_order()

    with pytest.raises(ValueError):
        order_cancel(order=order, by=support_user, reason="  ")

    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID
    assert not Refund.objects.exists()


def test_a_cancel_whose_audit_entry_fails_changes_nothing(support_user, monkeypatch):
    order = paid_order()
    _audit_fails(monkeypatch, "shop.services.orders")

    with pytest.raises(Boom):
        order_cancel(order=order, by=support_user, reason="Customer called")

    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID
    assert not Refund.objects.exists()


def test_shoppers_and_the_system_write_no_audit_entries():
    order = paid_order()

    order_cancel(order=order, by=order.user, reason="Cancelled by the shopper.")
    order_mark_shipped(order=paid_order())

    assert not AuditEntry.objects.exists()


def test_mark_shipped_and_its_audit_entry_are_one_transaction(support_user, monkeypatch):
    order = paid_order()
    _audit_fails(monkeypatch, "shop.services.orders")

    with pytest.raises(Boom):
        order_mark_shipped(order=order, by=support_user, reason="DHL 1")

    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID


def test_bank_transfer_received_and_its_audit_entry_are_one_transaction(support_user, monkeypatch):
    order = waiting_transfer_order()
    _audit_fails(monkeypatch, "shop.services.orders")

    with pytest.raises(Boom):
        order_mark_bank_transfer_received(order=order, by=support_user, reason="Seen")

    assert Order.objects.get(pk=order.pk).status == OrderStatus.PENDING_PAYMENT
    assert order.number in {p.reference for p in order.user.payments.filter(status="processing")}


def test_card_disable_writes_its_audit_entry_once(support_user):
    card = CardFactory()

    card_disable(card=card, by=support_user, reason="Reported stolen")
    card_disable(card=card, by=support_user, reason="Reported stolen")

    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor, entry.reason) == (
        AuditAction.CARD_DISABLE,
        support_user,
        "Reported stolen",
    )
    assert entry.details == {"card_id": card.pk, "owner_id": card.owner_id}


def test_a_card_whose_audit_entry_fails_stays_usable(support_user, monkeypatch):
    card = CardFactory()
    _audit_fails(monkeypatch, "wallet.services.cards")

    with pytest.raises(Boom):
        card_disable(card=card, by=support_user, reason="Reported stolen")

    assert Card.objects.get(pk=card.pk).disabled_at is None
    assert not WalletEvent.objects.filter(kind="card_disabled").exists()


# ------------------------------------------------------------------ action pages
@pytest.mark.parametrize(
    ("name", "make", "says"),
    [
        ("refund", paid_order, "Gives the amount below back at once"),
        ("cancel", paid_order, "Its payment of $40.00 is refunded in full"),
        ("shipped", paid_order, "Marks the order shipped"),
        ("bank-transfer-received", waiting_transfer_order, "bank transfer of $"),
        ("cancel", transfer_paid_order, "cancelled at once and the money goes back from the bank"),
        ("refund", transfer_paid_order, "send the money back from the bank"),
    ],
)
def test_an_action_page_shows_the_order_what_it_will_do_and_its_form(
    support_client, name, make, says
):
    order = make()

    response = support_client.get(action_url(order, name))

    html = response.content.decode()
    summary = html.split('id="bz-order-summary"')[1].split("</section>")[0]
    assert response.status_code == 200
    assert order.number in summary and order.get_status_display() in summary
    assert f"${order.total}" in summary
    form = html.split('id="bz-action-form"')[1].split("</form>")[0]
    assert says in form
    assert 'name="reason"' in form
    assert (name == "refund") == ('name="amount"' in form and 'name="token"' in form)
    assert Order.objects.get(pk=order.pk).status == order.status
    assert not AuditEntry.objects.exclude(action=AuditAction.BANK_TRANSFER_RECEIVED).exists()


def test_an_action_the_order_does_not_allow_sends_back_to_the_order_with_a_word(support_client):
    order = waiting_transfer_order()

    response = support_client.get(action_url(order, "refund"), follow=True)

    assert response.redirect_chain[-1][0] == reverse("admin:shop_order_change", args=[order.pk])
    assert [str(m) for m in response.context["messages"]] == [
        f"Refund is not possible for {order.number} while it is waiting for payment."
    ]


def test_the_order_page_links_only_the_actions_the_order_and_the_user_allow(client, support_client):
    from django.contrib.auth.models import Permission

    from tests.factories import UserFactory

    order = paid_order()
    page = support_client.get(reverse("admin:shop_order_change", args=[order.pk]))
    actions = page.content.decode().split('id="bz-order-actions"')[1].split("</nav>")[0]
    assert [a for a in ("refund", "cancel", "shipped") if action_url(order, a) in actions] == [
        "refund",
        "cancel",
        "shipped",
    ]
    assert action_url(order, "delivered") not in actions
    assert action_url(order, "bank-transfer-received") not in actions

    shipper = UserFactory(is_staff=True)
    shipper.user_permissions.add(
        Permission.objects.get(codename="view_order"),
        Permission.objects.get(codename="fulfil_order"),
    )
    client.force_login(shipper)
    page = client.get(reverse("admin:shop_order_change", args=[order.pk])).content.decode()
    assert action_url(order, "shipped") in page
    assert action_url(order, "refund") not in page
    assert action_url(order, "cancel") not in page


def test_the_dashboard_lists_my_recent_actions_from_the_audit_log(support_client, support_user):
    order = paid_order()
    order_mark_shipped(order=order, by=support_user, reason="DHL 1")
    order_refund(order=order, amount=Decimal("5.00"), reason="Dented", by=support_user)

    html = support_client.get(reverse("admin:index")).content.decode()

    recent = html.split('id="recent-actions-module"')[1].split("</div>")[0]
    change_url = reverse("admin:shop_order_change", args=[order.pk])
    assert recent.count(f'href="{change_url}"') == 2
    assert recent.index("Refund") < recent.index("Mark shipped")
