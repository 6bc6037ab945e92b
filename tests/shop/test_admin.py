"""The orders admin: what support sees, finds and does, and what it is refused."""

import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.models import AuditAction, AuditEntry
from shop.models import Order, OrderStatus
from shop.services import order_mark_delivered, order_mark_shipped, order_pay
from tests.factories import (
    OrderFactory,
    ProductFactory,
    SellerFactory,
    UserFactory,
    card_data,
    order_placed,
)
from wallet.models import Payment, PaymentStatus, Refund
from wallet.selectors import payment_refundable_amount

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:shop_order_changelist"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def paid_order(*, email=None, price="40.00", title=None, seller=None):
    user = UserFactory(email=email) if email else UserFactory()
    product = ProductFactory(
        price=Decimal(price),
        stock=5,
        seller=seller or SellerFactory(shipping_fee=Decimal("0.00")),
        **({"title": title} if title else {}),
    )
    order = order_placed(user=user, product=product)
    return order_pay(
        order=order,
        method="new_card",
        card_data=card_data("4242424242424242"),
        idempotency_key=uuid.uuid4().hex,
    )


def waiting_transfer_order():
    order = order_placed(product=ProductFactory(stock=5))
    return order_pay(order=order, method="bank_transfer", idempotency_key=uuid.uuid4().hex)


def action_url(order, name: str) -> str:
    """The page of one order action ("refund", "retry-refund", ...)."""
    return reverse(f"admin:shop_order_{name.replace('-', '_')}", args=[order.pk])


def action(client, order, name, **data):
    """The action's confirmed POST, as its confirmation page sends it (with a refund's
    one-time key, unless the test gives one)."""
    confirmed = {"step": "confirm", "token": uuid.uuid4().hex, **data}
    return client.post(action_url(order, name), confirmed, follow=True)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# --------------------------------------------------------------------- list, search
def test_order_list_shows_number_customer_seller_status_badge_total_and_dates(support_client):
    order = paid_order(email="ann@example.com")

    response = support_client.get(reverse(CHANGELIST))

    html = response.content.decode().replace("<wbr>", "")
    assert response.status_code == 200
    assert order.number in html
    assert "ann@example.com" in html
    assert order.seller.name in html
    assert 'class="bz-status bz-status-paid"' in html
    assert "$" in html and str(order.total) in html


@pytest.mark.parametrize("query", ["number", "email", "product"])
def test_order_search_finds_by_number_customer_email_and_product_title(support_client, query):
    wanted = paid_order(email="findme@example.com", title="Blue Teapot")
    other = paid_order(email="other@example.com", title="Red Lamp")
    term = {"number": wanted.number, "email": "findme@", "product": "teapot"}[query]

    response = support_client.get(reverse(CHANGELIST), {"q": term})

    numbers = [o.number for o in response.context["cl"].result_list]
    assert numbers == [wanted.number]
    assert other.number not in numbers


def test_order_filters_by_status_seller_payment_method_and_date(support_client):
    seller = SellerFactory(name="Filter Seller", shipping_fee=Decimal("0.00"))
    paid = paid_order(seller=seller)
    transfer = waiting_transfer_order()
    url = reverse(CHANGELIST)

    def numbers(params):
        response = support_client.get(url, params)
        assert response.status_code == 200
        return {o.number for o in response.context["cl"].result_list}

    assert numbers({"status__exact": "paid"}) == {paid.number}
    assert numbers({"status__exact": "pending_payment"}) == {transfer.number}
    assert numbers({"seller__id__exact": seller.pk}) == {paid.number}
    assert numbers({"payment_method": "bank_transfer"}) == {transfer.number}
    assert numbers({"payment_method": "card"}) == {paid.number}
    today = paid.created_at.date().isoformat()
    assert numbers({"created_at__date": today}) == {paid.number, transfer.number}
    assert numbers({"created_at__date": "2001-01-01"}) == set()
    assert numbers({"user__id__exact": paid.user_id}) == {paid.number}


def test_order_list_query_count_is_the_same_for_1_and_100_orders(support_client):
    url = reverse(CHANGELIST)
    seller = SellerFactory()
    OrderFactory(seller=seller)
    with CaptureQueriesContext(connection) as one:
        assert support_client.get(url).status_code == 200
    OrderFactory.create_batch(99, seller=seller)
    with CaptureQueriesContext(connection) as hundred:
        response = support_client.get(url)
    assert response.context["cl"].result_count == 100
    assert len(hundred) == len(one)


def test_payment_and_refund_lists_query_counts_do_not_grow(support_client):
    first = paid_order()
    urls = [reverse("admin:wallet_payment_changelist"), reverse("admin:wallet_refund_changelist")]
    action(support_client, first, "refund", amount="1.00", reason="Scratch")
    counts = []
    for url in urls:
        with CaptureQueriesContext(connection) as ctx:
            support_client.get(url)
        counts.append(len(ctx))
    for _ in range(5):
        order = paid_order()
        action(support_client, order, "refund", amount="1.00", reason="Scratch")
    for url, before in zip(urls, counts, strict=True):
        with CaptureQueriesContext(connection) as ctx:
            support_client.get(url)
        assert len(ctx) == before, url


# ------------------------------------------------------------------------ the page
def test_order_page_shows_lines_payments_timeline_and_read_only_fields(support_client):
    order = paid_order(title="Timeline Teapot")

    response = support_client.get(reverse("admin:shop_order_change", args=[order.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Timeline Teapot" in html
    assert "Visa •••• 4242" in html
    assert 'id="bz-timeline"' in html and "Paid" in html
    assert 'name="status"' not in html
    actions = html.split('id="bz-order-actions"')[1].split("</nav>")[0]
    assert f'href="{action_url(order, "refund")}"' in actions
    assert f'href="{action_url(order, "cancel")}"' in actions
    assert f'href="{action_url(order, "shipped")}"' in actions
    assert action_url(order, "delivered") not in actions
    assert "<form" not in actions


def test_nobody_adds_edits_or_deletes_orders_in_the_admin(support_client, superuser_client):
    order = paid_order()
    for client in (support_client, superuser_client):
        assert client.get(reverse("admin:shop_order_add")).status_code == 403
        delete = reverse("admin:shop_order_delete", args=[order.pk])
        assert client.post(delete, {"post": "yes"}).status_code == 403
        change = reverse("admin:shop_order_change", args=[order.pk])
        assert client.post(change, {"status": "delivered"}).status_code == 403
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID


# ----------------------------------------------------------------------- refunds
def test_partial_refund_goes_through_the_wallet_and_is_audited_with_the_reason(
    support_client, support_user, outbox
):
    order = paid_order(price="40.00")

    response = action(support_client, order, "refund", amount="15.00", reason="Chipped mug")

    assert messages_of(response) == [f"Refunded $15.00 on {order.number}; $25.00 left to refund."]
    refund = Refund.objects.get()
    assert refund.amount == Decimal("15.00") and refund.status == "succeeded"
    assert refund.created_by == support_user and refund.reason == "Chipped mug"
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert payment_refundable_amount(payment=order.paid_with) == Decimal("25.00")
    entry = AuditEntry.objects.get(action=AuditAction.ORDER_REFUND)
    assert entry.actor == support_user and entry.order_number == order.number
    assert entry.reason == "Chipped mug" and entry.details["amount"] == "15.00"
    html = response.content.decode()
    assert "Chipped mug" in html and 'id="bz-audit"' in html


def test_refund_of_the_rest_refunds_the_order(support_client):
    order = paid_order(price="40.00")
    action(support_client, order, "refund", amount="10.00", reason="Part")

    action(support_client, order, "refund", amount="30.00", reason="The rest")

    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED
    assert AuditEntry.objects.filter(action=AuditAction.ORDER_REFUND).count() == 2


def test_refund_above_what_is_left_is_refused_and_changes_nothing(support_client):
    order = paid_order(price="40.00")
    action(support_client, order, "refund", amount="30.00", reason="Part")

    response = action(support_client, order, "refund", amount="10.01", reason="Too much")

    assert messages_of(response) == [
        "Refund: $10.01 is more than is left to refund ($10.00); nothing was refunded."
    ]
    assert Refund.objects.count() == 1
    assert AuditEntry.objects.filter(action=AuditAction.ORDER_REFUND).count() == 1


def test_wallet_refuses_a_refund_above_the_remainder_even_if_the_form_is_bypassed(
    support_client, monkeypatch
):
    from support.admin import forms

    monkeypatch.setattr(forms.RefundForm, "clean_amount", lambda self: self.cleaned_data["amount"])
    order = paid_order(price="40.00")

    response = action(support_client, order, "refund", amount="40.01", reason="Too much")

    assert messages_of(response) == [
        f"Refund on {order.number}: Refused: At most $40.00 can be refunded. Nothing was changed."
    ]
    assert not Refund.objects.exists()
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            {"amount": "5.00", "reason": "  "},
            "Refund: Write the message to the customer: it is the refund's reason on their "
            "order page.",
        ),
        ({"amount": "0", "reason": "x"}, "Ensure this value is greater than or equal to 0.01."),
        ({"amount": "abc", "reason": "x"}, "Refund: Enter an amount like 12.50."),
        (
            {"amount": "5", "reason": "card 4242 4242 4242 4242"},
            "Refund: Don't put card numbers in the reason.",
        ),
    ],
)
def test_refund_with_bad_input_gets_a_clear_message(support_client, data, expected):
    order = paid_order()

    response = action(support_client, order, "refund", **data)

    assert response.status_code == 200
    assert expected in messages_of(response)[0]
    assert not Refund.objects.exists()


def test_a_refused_refund_keeps_the_typed_amount_and_reason_next_to_the_error(support_client):
    order = paid_order(price="40.00")
    action(support_client, order, "refund", amount="30.00", reason="Part")

    response = action(support_client, order, "refund", amount="10.01", reason="Lid & handle")

    html = response.content.decode()
    refund_box = html.split('aria-label="Refund"')[1].split("</form>")[0]
    assert response.status_code == 200
    assert response.redirect_chain == []
    assert 'name="amount" value="10.01"' in refund_box
    assert "Lid &amp; handle</textarea>" in refund_box
    assert "$10.01 is more than is left to refund ($10.00); nothing was refunded." in refund_box
    assert 'aria-invalid="true"' in refund_box
    assert Refund.objects.count() == 1
    assert AuditEntry.objects.filter(action=AuditAction.ORDER_REFUND).count() == 1
    assert payment_refundable_amount(payment=order.paid_with) == Decimal("10.00")


def test_a_refund_without_a_reason_keeps_the_amount_and_asks_for_the_reason(support_client):
    order = paid_order(price="40.00")

    response = action(support_client, order, "refund", amount="12.50", reason=" ")

    refund_box = response.content.decode().split('aria-label="Refund"')[1].split("</form>")[0]
    assert 'value="12.50"' in refund_box
    assert "Write the message to the customer" in refund_box
    assert not Refund.objects.exists()


def test_a_refund_refused_by_the_wallet_keeps_the_typed_values(support_client, monkeypatch):
    from support.admin import forms

    monkeypatch.setattr(forms.RefundForm, "clean_amount", lambda self: self.cleaned_data["amount"])
    order = paid_order(price="40.00")

    response = action(support_client, order, "refund", amount="40.01", reason="Whole lot")

    refund_box = response.content.decode().split('aria-label="Refund"')[1].split("</form>")[0]
    assert 'value="40.01"' in refund_box and "Whole lot</textarea>" in refund_box
    assert "At most $40.00 can be refunded." in messages_of(response)[0]
    assert not Refund.objects.exists()


def test_a_reason_with_a_card_number_is_not_echoed_back(support_client):
    order = paid_order()

    response = action(support_client, order, "refund", amount="5", reason="card 4242424242424242")

    html = response.content.decode()
    assert "4242424242424242" not in html
    assert 'value="5"' in html.split('aria-label="Refund"')[1].split("</form>")[0]
    assert not Refund.objects.exists()


def test_a_cancel_without_a_reason_is_refused_on_its_page(support_client):
    order = paid_order()

    response = action(support_client, order, "cancel", reason="")

    cancel_box = response.content.decode().split('aria-label="Cancel order"')[1]
    assert "Give a reason: it goes into the audit log." in cancel_box.split("</form>")[0]
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID


def test_a_double_submitted_refund_form_refunds_once_and_logs_once(support_client):
    order = paid_order(price="40.00")

    first, again = [
        action(support_client, order, "refund", amount="5.00", reason="Once", token="tok-1")
        for _ in range(2)
    ]

    assert messages_of(first) == [f"Refunded $5.00 on {order.number}; $35.00 left to refund."]
    assert messages_of(again) == [
        f"This refund on {order.number} was already made (the form was sent twice); "
        "nothing more was refunded."
    ]
    assert Refund.objects.count() == 1
    assert AuditEntry.objects.filter(action=AuditAction.ORDER_REFUND).count() == 1
    assert order.events.filter(reason__startswith="Partly refunded").count() == 1


def test_refund_of_an_unpaid_order_is_refused(support_client):
    order = waiting_transfer_order()

    response = action(support_client, order, "refund", amount="5.00", reason="No")

    assert "can't be refunded while waiting for payment" in messages_of(response)[0]
    assert not Refund.objects.exists()


# ----------------------------------------------------------------------- cancel
def test_cancel_a_paid_order_refunds_it_in_full_and_is_audited(support_client, support_user):
    order = paid_order(price="40.00")

    response = action(support_client, order, "cancel", reason="Customer asked by phone")

    assert messages_of(response) == [
        f"{order.number} is cancelled: $40.00 refunded to Visa •••• 4242."
    ]
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert Refund.objects.get().amount == order.total
    entry = AuditEntry.objects.get(action=AuditAction.ORDER_CANCEL)
    assert entry.reason == "Customer asked by phone" and entry.actor == support_user
    assert order.events.last().actor == support_user


def test_cancel_a_delivered_order_is_refused_clearly_and_changes_nothing(support_client):
    order = paid_order()
    order_mark_shipped(order=order)
    order_mark_delivered(order=order)

    response = action(support_client, order, "cancel", reason="Too late")

    assert messages_of(response) == [
        f"Cancel order on {order.number}: Order {order.number} can't be cancelled while "
        "delivered. Nothing was changed."
    ]
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
    assert not Refund.objects.exists()
    assert not AuditEntry.objects.exists()


def test_cancel_needs_a_reason(support_client):
    order = paid_order()

    response = action(support_client, order, "cancel", reason="")

    assert messages_of(response) == ["Cancel order: Give a reason: it goes into the audit log."]
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID


# ----------------------------------------------------- transfers, shipping, delivery
def test_mark_bank_transfer_received_pays_the_order_and_is_audited(support_client, support_user):
    order = waiting_transfer_order()

    response = action(support_client, order, "bank-transfer-received", reason="Seen on statement")

    assert messages_of(response) == [f"Bank transfer of $15.00 received: {order.number} is paid."]
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    payment = Payment.objects.get(reference=order.number)
    assert payment.status == PaymentStatus.SUCCEEDED and payment.confirmed_by == support_user
    entry = AuditEntry.objects.get(action=AuditAction.BANK_TRANSFER_RECEIVED)
    assert entry.reason == "Seen on statement"


def test_mark_bank_transfer_received_without_a_transfer_is_refused(support_client):
    order = paid_order()

    response = action(support_client, order, "bank-transfer-received")

    assert "has no bank transfer waiting" in messages_of(response)[0]
    assert not AuditEntry.objects.exists()


def test_mark_shipped_then_delivered_follow_the_state_machine(support_client):
    order = paid_order()

    early = action(support_client, order, "delivered")
    assert "can't move from paid to delivered" in messages_of(early)[0]
    action(support_client, order, "shipped", reason="DHL 123")
    action(support_client, order, "delivered")

    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
    assert list(AuditEntry.objects.order_by("id").values_list("action", flat=True)) == [
        AuditAction.ORDER_SHIPPED,
        AuditAction.ORDER_DELIVERED,
    ]


def test_list_actions_mark_shipped_and_report_refusals(support_client):
    paid = paid_order()
    waiting = waiting_transfer_order()

    response = support_client.post(
        reverse(CHANGELIST),
        {"action": "mark_shipped", "_selected_action": [paid.pk, waiting.pk]},
        follow=True,
    )

    shown = messages_of(response)
    assert f"Marked shipped: {paid.number}." in shown
    assert any(waiting.number in m and "refused" in m for m in shown)
    assert Order.objects.get(pk=paid.pk).status == OrderStatus.SHIPPED
    assert Order.objects.get(pk=waiting.pk).status == OrderStatus.PENDING_PAYMENT


def test_list_action_marks_delivered_only_what_has_shipped_and_logs_each(support_client):
    shipped = paid_order()
    order_mark_shipped(order=shipped)
    paid = paid_order()

    response = support_client.post(
        reverse(CHANGELIST),
        {"action": "mark_delivered", "_selected_action": [shipped.pk, paid.pk]},
        follow=True,
    )

    shown = messages_of(response)
    assert f"Marked delivered: {shipped.number}." in shown
    assert any(paid.number in m and "refused" in m for m in shown)
    assert Order.objects.get(pk=shipped.pk).status == OrderStatus.DELIVERED
    assert Order.objects.get(pk=paid.pk).status == OrderStatus.PAID
    entries = AuditEntry.objects.filter(action=AuditAction.ORDER_DELIVERED)
    assert list(entries.values_list("order_number", flat=True)) == [shipped.number]


def test_list_action_marks_bank_transfers_received(support_client):
    waiting = waiting_transfer_order()

    support_client.post(
        reverse(CHANGELIST),
        {"action": "mark_bank_transfer_received", "_selected_action": [waiting.pk]},
    )

    assert Order.objects.get(pk=waiting.pk).status == OrderStatus.PAID
    entry = AuditEntry.objects.get(action=AuditAction.BANK_TRANSFER_RECEIVED)
    assert entry.order_number == waiting.number


def test_staff_without_the_support_permissions_cannot_run_actions(client):
    from django.contrib.auth.models import Permission

    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_order"))
    client.force_login(viewer)
    order = paid_order()

    response = client.post(action_url(order, "refund"), {"amount": "1.00", "reason": "x"})
    form = client.get(action_url(order, "refund"))
    page = client.get(reverse("admin:shop_order_change", args=[order.pk]))

    assert response.status_code == 403
    assert form.status_code == 403
    assert action_url(order, "refund") not in page.content.decode()
    assert not Refund.objects.exists()


def test_order_action_urls_refuse_unknown_actions_and_orders(support_client):
    order = paid_order()
    actions = reverse("admin:shop_order_change", args=[order.pk]).replace("change/", "actions/")

    unknown = support_client.post(f"{actions}explode/")
    missing = support_client.post(reverse("admin:shop_order_shipped", args=[999999]))
    missing_page = support_client.get(reverse("admin:shop_order_refund", args=[999999]))

    assert unknown.status_code == 404
    assert missing.status_code == 404
    assert missing_page.status_code == 404


# -------------------------------------------------------------------- dashboard
def test_dashboard_shows_todays_orders_awaiting_payments_and_recent_failures(support_client):
    from wallet.exceptions import PaymentDeclined

    paid = paid_order()
    transfer = waiting_transfer_order()
    declined_order = order_placed(product=ProductFactory(stock=3))
    with pytest.raises(PaymentDeclined):
        order_pay(
            order=declined_order,
            method="new_card",
            card_data=card_data("4000000000009995"),
            idempotency_key=uuid.uuid4().hex,
        )

    response = support_client.get(reverse("admin:index"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Bazaar support" in html
    today = html.split('id="bz-orders-today"')[1].split("</section>")[0]
    awaiting = html.split('id="bz-awaiting"')[1].split("</section>")[0]
    failed = html.split('id="bz-failed"')[1].split("</section>")[0]
    assert paid.number in today and transfer.number in today and "(3)" in today
    assert transfer.number in awaiting and "Bank transfer" in awaiting
    assert paid.number not in awaiting
    assert declined_order.number in failed and "Declined: insufficient funds" in failed
    assert "insufficient_funds" not in failed


def test_dashboard_for_a_shopperless_day_says_so(support_client):
    response = support_client.get(reverse("admin:index"))

    html = response.content.decode()
    assert "No orders yet today." in html
    assert "Nothing is waiting." in html
    assert "No failed payments." in html
