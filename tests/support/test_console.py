"""The support console (issue 14): the order page says what happened to the money first,
the order list tells waiting orders apart, and Check with processor turns a lost-answer
charge into a paid order through the money services, on record."""

import re
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from core.models import AuditAction, AuditEntry
from shop.models import Order, OrderStatus
from shop.services import order_pay, order_pay_with_saved_card, order_refund
from tests.factories import CardFactory, ProductFactory, SellerFactory, card_data, order_placed
from wallet.exceptions import GatewayUnavailable, PaymentDeclined
from wallet.models import Payment, PaymentStatus

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SIMULATED_GATEWAY_FAULT = ""


def _placed(price="30.50"):
    seller = SellerFactory(shipping_fee=Decimal("0.00"), name="Harbour Pottery")
    return order_placed(product=ProductFactory(price=Decimal(price), stock=5, seller=seller))


def lost_answer_order(settings) -> Order:
    """A saved-card charge the processor took, whose answer was lost: Processing."""
    order = _placed()
    card = CardFactory(owner=order.user)
    settings.SIMULATED_GATEWAY_FAULT = "timeout"
    with pytest.raises(GatewayUnavailable):
        order_pay_with_saved_card(order=order, card=card, idempotency_key=uuid.uuid4().hex)
    settings.SIMULATED_GATEWAY_FAULT = ""
    return order


def declined_order(number="4000000000009995") -> Order:
    order = _placed()
    with pytest.raises(PaymentDeclined):
        order_pay(
            order=order,
            method="new_card",
            card_data=card_data(number),
            idempotency_key=uuid.uuid4().hex,
        )
    return order


def later():
    """Past the processor client's timeout: the answer counts as lost."""
    return time_machine.travel(timezone.now() + timedelta(minutes=1), tick=False)


def test_the_order_page_says_what_happened_to_the_money_before_anything_else(
    support_client, settings
):
    order = declined_order()
    page = support_client.get(reverse("admin:shop_order_change", args=[order.pk]))
    html = page.content.decode()

    assert page.status_code == 200
    money = html.index('id="bz-money"')
    assert money < html.index('id="bz-order-actions"') < html.index('id="order_form"')
    assert "Declined: insufficient funds" in html
    assert "Not enough money on the card" in html
    assert "insufficient_funds" not in html
    assert "$30.50" in html[money:]


def test_a_lost_answer_reads_as_such_and_waits_on_the_dashboard(support_client, settings):
    order = lost_answer_order(settings)
    with later():
        page = support_client.get(reverse("admin:shop_order_change", args=[order.pk]))
        dashboard = support_client.get(reverse("admin:index")).content.decode()
    html = page.content.decode()

    assert "Processing — the processor&#x27;s answer was lost" in html or (
        "Processing — the processor's answer was lost" in html
    )
    assert "Check with processor" in html
    awaiting = dashboard[dashboard.index('id="bz-awaiting"') :]
    assert order.number in awaiting[: awaiting.index("</section>")]
    assert "Answer lost: Check with processor" in awaiting[: awaiting.index("</section>")]


def test_the_order_list_tells_waiting_orders_apart(support_client, settings):
    declined = declined_order()
    lost = lost_answer_order(settings)
    transfer = _placed()
    order_pay(order=transfer, method="bank_transfer", idempotency_key=uuid.uuid4().hex)

    with later():
        html = support_client.get(reverse("admin:shop_order_changelist")).content.decode()

    rows = {o.number: html[html.index(o.number) :] for o in (declined, lost, transfer)}
    assert "Declined: insufficient funds" in rows[declined.number][:1500]
    assert "answer was lost" in rows[lost.number][:1500]
    assert "Waiting for the customer&#x27;s bank transfer" in rows[transfer.number][:1500]


def test_check_with_processor_turns_a_lost_answer_charge_into_a_paid_order(
    support_client, support_user, settings
):
    order = lost_answer_order(settings)
    url = reverse("admin:shop_order_check_with_processor", args=[order.pk])
    with later():
        confirm = support_client.get(url).content.decode()
        # GET never writes: the page only says what the button will do.
        assert Payment.objects.get(reference=order.number).status == PaymentStatus.PROCESSING
        assert not AuditEntry.objects.exists()
        done = support_client.post(url, {"step": "confirm"}, follow=True)

    assert "$30.50" in confirm and "nothing is charged again" in confirm
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    payment = Payment.objects.get(reference=order.number)
    assert payment.status == PaymentStatus.SUCCEEDED
    assert order.paid_with_id == payment.pk
    message = str(next(iter(done.context["messages"])))
    assert message == f"The $30.50 charge on {payment.method_display} went through: " + (
        f"{order.number} is paid."
    )
    entry = AuditEntry.objects.get(action=AuditAction.PAYMENT_CHECK)
    assert entry.actor == support_user
    assert entry.order_number == order.number
    assert "$30.50" in entry.summary and "now paid" in entry.summary
    assert entry.details["amount"] == "30.50"


def test_check_with_processor_is_not_offered_without_an_open_charge(support_client):
    order = declined_order()
    url = reverse("admin:shop_order_check_with_processor", args=[order.pk])
    page = support_client.get(reverse("admin:shop_order_change", args=[order.pk]))
    assert "Check with processor" not in page.content.decode()
    response = support_client.post(url, {"step": "confirm"}, follow=True)
    assert response.status_code == 200
    assert "no card payment waiting" in str(next(iter(response.context["messages"])))
    assert not AuditEntry.objects.filter(action=AuditAction.PAYMENT_CHECK).exists()


def test_view_on_site_shows_the_customer_page_read_only(support_client):
    order = declined_order()
    change = support_client.get(reverse("admin:shop_order_change", args=[order.pk]))
    url = reverse("admin:shop_order_customer_view", args=[order.pk])
    assert url in change.content.decode()

    page = support_client.get(url)
    html = page.content.decode()
    assert page.status_code == 200
    assert "as " + order.user.email + " sees it" in html
    assert order.number in html
    assert "<div inert" in html


def _paid(price="40.00") -> Order:
    order = _placed(price)
    return order_pay(
        order=order,
        method="new_card",
        card_data=card_data("4242424242424242"),
        idempotency_key=uuid.uuid4().hex,
    )


def test_a_refund_is_reviewed_first_with_its_money_effects_and_nothing_moves(support_client):
    order = _paid()
    url = reverse("admin:shop_order_refund", args=[order.pk])
    form = support_client.get(url).context["form"]
    data = {
        "amount": "15.00",
        "reason": "Lid arrived chipped",
        "note": "Photo in ticket 4411",
        "token": form["token"].value(),
    }

    review = support_client.post(url, {**data, "step": "review"})
    html = review.content.decode()

    assert review.status_code == 200
    assert "$15.00 goes back to Visa •••• 4242." in html
    assert "$25.00 stays refundable; the order stays Paid." in html
    assert "Photo in ticket 4411" in html and "Lid arrived chipped" in html
    assert not order.paid_with.refunds.exists()

    done = support_client.post(url, {**data, "step": "confirm"}, follow=True)
    assert [str(m) for m in done.context["messages"]] == [
        f"Refunded $15.00 on {order.number}; $25.00 left to refund."
    ]
    refund = order.paid_with.refunds.get()
    assert refund.reason == "Lid arrived chipped"
    entry = AuditEntry.objects.get(action=AuditAction.ORDER_REFUND)
    assert entry.reason == "Photo in ticket 4411"
    assert entry.summary == (
        f'Refunded $15.00 on {order.number}. The customer reads: "Lid arrived chipped".'
    )
    assert entry.details["amount"] == "15.00"
    shopper_page = support_client.get(reverse("admin:shop_order_customer_view", args=[order.pk]))
    assert "Lid arrived chipped" in shopper_page.content.decode()
    assert "Photo in ticket 4411" not in shopper_page.content.decode()


@pytest.mark.parametrize("step", [None, "", "zzz", "CONFIRM"])
def test_a_refund_posted_without_its_confirmation_step_is_only_reviewed(support_client, step):
    order = _paid()
    url = reverse("admin:shop_order_refund", args=[order.pk])
    data = {"amount": "15.00", "reason": "Lid arrived chipped", "token": uuid.uuid4().hex}
    if step is not None:
        data["step"] = step

    page = support_client.post(url, data)

    assert page.status_code == 200
    assert "$15.00 goes back to Visa •••• 4242." in page.content.decode()  # the review
    assert not order.paid_with.refunds.exists()


@pytest.mark.parametrize("token", [None, "", "zz zz", "<b>", "x" * 65])
def test_a_refund_whose_one_time_key_came_back_damaged_is_refused(support_client, token):
    order = _paid()
    url = reverse("admin:shop_order_refund", args=[order.pk])
    data = {"amount": "15.00", "reason": "Lid arrived chipped", "step": "confirm"}
    if token is not None:
        data["token"] = token

    page = support_client.post(url, data)

    assert page.status_code == 200
    assert [str(m) for m in page.context["messages"]] == [
        "Refund: The form's one-time key is missing or damaged: check the form and send it again."
    ]
    assert not order.paid_with.refunds.exists()
    # The form comes back with a fresh key: sent again, it refunds.
    fresh = page.context["form"]["token"].value()
    done = support_client.post(url, {**data, "token": fresh}, follow=True)
    assert order.paid_with.refunds.get().amount == Decimal("15.00")
    assert done.status_code == 200


def test_cancel_keeps_the_internal_note_from_the_customer(support_client):
    order = _paid()
    url = reverse("admin:shop_order_cancel", args=[order.pk])
    data = {"reason": "Fraud suspicion, see ticket 12", "message": "Cancelled at your request."}

    review = support_client.post(url, {**data, "step": "review"}).content.decode()
    assert "Its payment of $40.00 is refunded in full to Visa •••• 4242" in review
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID

    support_client.post(url, {**data, "step": "confirm"})
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    timeline = [e.reason for e in order.events.all()]
    assert "Cancelled at your request." in timeline
    assert not any("Fraud" in reason for reason in timeline)
    entry = AuditEntry.objects.get(action=AuditAction.ORDER_CANCEL)
    assert entry.reason == "Fraud suspicion, see ticket 12"
    assert "$40.00 is refunded in full" in entry.summary


def test_cancelling_an_order_with_a_lost_answer_says_a_charge_was_found_before_cancelling(
    support_client, settings
):
    order = lost_answer_order(settings)
    url = reverse("admin:shop_order_cancel", args=[order.pk])
    data = {"reason": "Customer asked by phone"}
    with later():
        explanation = support_client.get(url).content.decode()
        review = support_client.post(url, {**data, "step": "review"}).content.decode()
    assert "Cancelling asks the processor first" in explanation
    assert "A $30.50 charge on Visa •••• 4242 was found" in review
    assert "It will be refunded in full." in review
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID  # found and paid; not cancelled yet

    done = support_client.post(url, {**data, "step": "confirm"}, follow=True)
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert [str(m) for m in done.context["messages"]] == [
        f"{order.number} is cancelled: $30.50 refunded to Visa •••• 4242."
    ]
    cancel = AuditEntry.objects.get(action=AuditAction.ORDER_CANCEL)
    assert "its payment of $30.50 is refunded in full" in cancel.summary
    assert AuditEntry.objects.filter(action=AuditAction.PAYMENT_CHECK).count() == 1


def test_a_cancel_overtaken_by_the_customer_paying_says_what_may_have_changed(
    support_client, monkeypatch
):
    from shop.services import order_money

    order = _placed("15.00")
    real = order_money._call_off_open_payment

    def call_off_then_the_customer_starts_a_transfer(o, **kwargs):
        found = real(o, **kwargs)
        order_pay(order=o, method="bank_transfer", idempotency_key=uuid.uuid4().hex)
        return found

    monkeypatch.setattr(
        order_money, "_call_off_open_payment", call_off_then_the_customer_starts_a_transfer
    )
    url = reverse("admin:shop_order_cancel", args=[order.pk])
    done = support_client.post(
        url, {"reason": "Customer asked by phone", "step": "confirm"}, follow=True
    )

    [message] = [str(m) for m in done.context["messages"]]
    assert message.startswith(f"Cancel order on {order.number}: Payments for {order.number} kept")
    assert "may have been called off" in message and "Nothing was changed" not in message
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert not AuditEntry.objects.filter(action=AuditAction.ORDER_CANCEL).exists()


def test_mark_received_is_confirmed_with_the_amount(support_client):
    order = _placed("15.00")
    order_pay(order=order, method="bank_transfer", idempotency_key=uuid.uuid4().hex)
    url = reverse("admin:shop_order_bank_transfer_received", args=[order.pk])

    review = support_client.post(url, {"reason": "", "step": "review"}).content.decode()
    assert f"$15.00 is recorded as received by bank transfer for {order.number}." in review
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT

    done = support_client.post(
        url, {"reason": "On statement 30 Nov", "step": "confirm"}, follow=True
    )
    assert [str(m) for m in done.context["messages"]] == [
        f"Bank transfer of $15.00 received: {order.number} is paid."
    ]
    entry = AuditEntry.objects.get(action=AuditAction.BANK_TRANSFER_RECEIVED)
    assert entry.details["amount"] == "15.00"


def test_links_go_to_the_thing(support_client, settings):
    declined = declined_order()
    payment = Payment.objects.get(reference=declined.number)
    payment_page = support_client.get(reverse("admin:wallet_payment_change", args=[payment.pk]))
    by_number = reverse("admin:shop_order_by_number", args=[declined.number])
    assert by_number in payment_page.content.decode()
    assert support_client.get(by_number)["Location"] == reverse(
        "admin:shop_order_change", args=[declined.pk]
    )
    assert support_client.get(reverse("admin:shop_order_by_number", args=["BZ-9"])).status_code == (
        404
    )

    seller_page = support_client.get(
        reverse("admin:shop_seller_change", args=[declined.seller_id])
    ).content.decode()
    assert f"/admin/shop/order/?seller__id__exact={declined.seller_id}" in seller_page


def test_order_search_matches_the_seller_name_and_card_last_4(support_client):
    order = _paid()
    other = declined_order()
    url = reverse("admin:shop_order_changelist")

    by_seller = support_client.get(url, {"q": "Harbour"}).content.decode()
    by_last4 = support_client.get(url, {"q": "4242"}).content.decode()
    by_declined_card = support_client.get(url, {"q": "9995"}).content.decode()

    assert order.number in by_seller and other.number in by_seller
    assert order.number in by_last4 and other.number not in by_last4
    assert other.number in by_declined_card and order.number not in by_declined_card


def test_the_customer_page_lists_the_last_five_orders_with_their_payment_state(support_client):
    first = declined_order()
    customer = first.user
    seller = SellerFactory(shipping_fee=Decimal("0.00"))
    later_orders = [
        order_placed(user=customer, product=ProductFactory(seller=seller, stock=5))
        for _ in range(5)
    ]
    page = support_client.get(reverse("admin:accounts_user_change", args=[customer.pk]))
    html = page.content.decode()
    recent = html.split('class="bz-recent-orders"')[1].split("</table>")[0]

    for order in later_orders:
        assert order.number in recent
    assert first.number not in recent  # the sixth-latest
    assert "No payment yet" in recent
    activity = reverse("admin:accounts_user_customer_activity", args=[customer.pk])
    assert activity in html
    activity_page = support_client.get(activity).content.decode()
    assert "Payment activity as " + customer.email + " sees it" in activity_page
    assert "<div inert" in activity_page


def test_exports_are_csv_of_the_filtered_list_with_masked_card_data_only(support_client):
    paid = _paid()
    declined = declined_order()

    order_refund(order=paid, amount=Decimal("5.00"), reason="=HYPERLINK(evil)", by=None)
    orders_url = reverse("admin:shop_order_changelist")
    listing = support_client.get(orders_url, {"status__exact": "paid"}).content.decode()
    export = reverse("admin:shop_order_export")
    assert f"{export}?status__exact=paid" in listing

    orders_csv = support_client.get(export, {"status__exact": "paid"})
    text = orders_csv.content.decode()
    assert orders_csv["Content-Type"].startswith("text/csv")
    assert text.splitlines()[0].startswith("number,customer,seller,status,total")
    assert paid.number in text and declined.number not in text
    assert "Visa •••• 4242" in text

    payments_csv = support_client.get(
        reverse("admin:wallet_payment_export"), {"decline": "insufficient_funds"}
    ).content.decode()
    assert declined.number in payments_csv and paid.number not in payments_csv
    assert "Declined,insufficient funds" in payments_csv
    everything = support_client.get(reverse("admin:wallet_payment_export")).content.decode()
    for payment in Payment.objects.all():
        assert payment.idempotency_key not in everything
        if payment.card_id:
            assert payment.card.gateway_token not in everything
            assert payment.card.fingerprint not in everything
    assert "4242424242424242" not in everything

    refunds_csv = support_client.get(reverse("admin:wallet_refund_export")).content.decode()
    assert "'=HYPERLINK(evil)" in refunds_csv
    assert ",5.00,USD,Succeeded," in refunds_csv


def test_nothing_can_be_imported(support_client):

    with pytest.raises(NoReverseMatch):
        reverse("admin:shop_order_import")


def test_the_support_console_speaks_russian():
    from pathlib import Path

    from django.utils import translation

    from support import labels

    po = Path(__file__).resolve().parents[2] / "support/locale/ru/LC_MESSAGES/django.po"
    text = po.read_text(encoding="utf-8")
    untranslated = re.findall(r'msgstr ""\n(?!")', text + "\n")
    assert text.count("msgid ") > 150
    assert untranslated == []
    assert "#, fuzzy" not in text

    class Declined:
        status = "failed"
        decline_code = "insufficient_funds"
        method = "card"

    with translation.override("ru"):
        assert labels.payment_state(Declined()) == "Отказано: недостаточно средств"
    assert labels.payment_state(Declined()) == "Declined: insufficient funds"


def test_a_processing_payment_offers_check_with_processor_on_its_order(support_client, settings):
    order = lost_answer_order(settings)
    payment = Payment.objects.get(reference=order.number)
    page = support_client.get(reverse("admin:wallet_payment_change", args=[payment.pk]))
    check = reverse("admin:shop_order_check_with_processor", args=[order.pk])
    assert check in page.content.decode()

    paid = _paid()
    paid_payment = Payment.objects.get(reference=paid.number)
    other = support_client.get(reverse("admin:wallet_payment_change", args=[paid_payment.pk]))
    assert "check-with-processor" not in other.content.decode()
