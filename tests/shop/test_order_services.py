"""Order services with the real simulated gateway: placing, paying, the state machine,
cancelling, refunds, bank transfers and expiry."""

import re
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Address
from shop.exceptions import CheckoutError, IllegalOrderTransition, OrderNotPayable
from shop.models import CartLine, Order, OrderEvent, OrderStatus, Product
from shop.services import (
    cart_add_item,
    cart_get_or_create_for_user,
    checkout_lines_signature,
    expiry,
    order_cancel,
    order_confirm_step_up,
    order_expire_if_due,
    order_expire_unpaid,
    order_mark_bank_transfer_received,
    order_mark_delivered,
    order_mark_shipped,
    order_money,
    order_pay,
    order_pay_with_saved_card,
    order_place,
    order_refund,
    order_set_status,
)
from tests.factories import (
    AddressFactory,
    CardFactory,
    ProductFactory,
    SellerFactory,
    UserFactory,
    card_data,
    order_placed,
    payment_recorded,
)
from wallet import services as wallet_services
from wallet.exceptions import (
    AuthenticationRequired,
    CardNotUsable,
    GatewayUnavailable,
    PaymentDeclined,
    PaymentInProgress,
)
from wallet.gateways.models import SimulatedCharge
from wallet.models import Card, Payment, PaymentStatus

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def shopper():
    return UserFactory()


@pytest.fixture
def seller():
    return SellerFactory(shipping_fee=Decimal("5.00"), free_shipping_threshold=Decimal("100.00"))


@pytest.fixture
def mug(seller):
    return ProductFactory(seller=seller, title="Mug", price=Decimal("12.50"), stock=3)


def _cart_with(user, product, quantity=1):
    cart = cart_get_or_create_for_user(user=user)
    cart_add_item(cart=cart, product=product, quantity=quantity)
    return cart


def test_placing_an_order_snapshots_prices_reserves_stock_and_empties_those_cart_lines(
    shopper, mug, seller
):
    other_seller_product = ProductFactory(title="Lamp")
    cart = _cart_with(shopper, mug, 2)
    cart_add_item(cart=cart, product=other_seller_product, quantity=1)
    address = AddressFactory(user=shopper)

    order, created = order_place(
        user=shopper, cart=cart, seller=seller, address=address, token="tok-1"
    )

    assert created
    assert re.fullmatch(r"BZ-\d{6}", order.number)
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert (order.subtotal, order.shipping_fee, order.total) == (
        Decimal("25.00"),
        Decimal("5.00"),
        Decimal("30.00"),
    )
    line = order.lines.get()
    assert (line.title, line.unit_price, line.quantity) == ("Mug", Decimal("12.50"), 2)
    assert order.shipping_address.line1 == address.line1
    mug.refresh_from_db()
    assert mug.stock == 1
    assert list(CartLine.objects.filter(cart=cart).values_list("product", flat=True)) == [
        other_seller_product.pk
    ]
    address.refresh_from_db()
    assert address.last_used_at is not None
    assert OrderEvent.objects.get(order=order).to_status == OrderStatus.PENDING_PAYMENT


def test_later_price_and_address_changes_do_not_touch_a_placed_order(shopper, mug):
    order = order_placed(user=shopper, product=mug)
    Product.objects.filter(pk=mug.pk).update(price=Decimal("99.00"), title="Renamed")
    Address.objects.filter(user=shopper).update(line1="Elsewhere 1")

    order.refresh_from_db()
    line = order.lines.get()
    assert (line.title, line.unit_price) == ("Mug", Decimal("12.50"))
    assert order.shipping_address.line1 != "Elsewhere 1"


def test_order_numbers_are_unique_and_follow_the_pattern(shopper, mug):
    numbers = {order_placed(user=shopper, product=mug).number for _ in range(3)}
    assert len(numbers) == 3
    assert all(re.fullmatch(r"BZ-\d{6}", n) for n in numbers)


def test_the_same_checkout_token_places_one_order(shopper, mug, seller):
    cart = _cart_with(shopper, mug)
    address = AddressFactory(user=shopper)
    first, created = order_place(user=shopper, cart=cart, seller=seller, address=address, token="t")
    again, created_again = order_place(
        user=shopper, cart=cart, seller=seller, address=address, token="t"
    )
    assert created and not created_again
    assert first.pk == again.pk
    assert Order.objects.count() == 1


def test_stock_running_out_before_accept_and_pay_changes_nothing(shopper, mug, seller):
    cart = _cart_with(shopper, mug, 2)
    Product.objects.filter(pk=mug.pk).update(stock=1)

    with pytest.raises(CheckoutError, match="Only 1 left of Mug"):
        order_place(
            user=shopper, cart=cart, seller=seller, address=AddressFactory(user=shopper), token="t"
        )

    assert Order.objects.count() == 0
    assert CartLine.objects.get(cart=cart).quantity == 2
    assert Product.objects.get(pk=mug.pk).stock == 1


def test_sold_out_product_is_refused_with_a_clear_message(shopper, mug, seller):
    cart = _cart_with(shopper, mug)
    Product.objects.filter(pk=mug.pk).update(stock=0)
    with pytest.raises(CheckoutError, match="Mug is sold out"):
        order_place(
            user=shopper, cart=cart, seller=seller, address=AddressFactory(user=shopper), token="t"
        )
    assert Order.objects.count() == 0


def test_a_cart_changed_since_the_page_was_shown_is_refused(shopper, mug, seller):
    cart = _cart_with(shopper, mug, 1)
    shown = checkout_lines_signature([(mug.pk, 1, mug.price)])
    CartLine.objects.filter(cart=cart).update(quantity=2)

    with pytest.raises(CheckoutError, match="cart changed"):
        order_place(
            user=shopper,
            cart=cart,
            seller=seller,
            address=AddressFactory(user=shopper),
            token="t",
            expected_lines=shown,
        )
    assert Order.objects.count() == 0


def test_another_users_address_is_refused(shopper, mug, seller):
    cart = _cart_with(shopper, mug)
    with pytest.raises(CheckoutError):
        order_place(user=shopper, cart=cart, seller=seller, address=AddressFactory(), token="t")
    assert Order.objects.count() == 0
    assert Product.objects.get(pk=mug.pk).stock == 3


def test_a_new_address_joins_the_address_book_and_becomes_the_default(shopper, mug, seller):
    cart = _cart_with(shopper, mug)
    new = {
        "full_name": "Ada Lovelace",
        "line1": "1 New Street",
        "line2": "",
        "city": "Berlin",
        "region": "",
        "postal_code": "10115",
        "country": "DE",
        "phone": "",
    }
    order, _ = order_place(user=shopper, cart=cart, seller=seller, new_address=new, token="t")
    assert order.shipping_address.line1 == "1 New Street"
    assert Address.objects.get(user=shopper).last_used_at is not None


# ------------------------------------------------------------------------- paying


def test_paying_with_a_saved_card_marks_the_order_paid_and_emails_a_confirmation(
    shopper, mug, django_capture_on_commit_callbacks, mailoutbox
):
    card = CardFactory(owner=shopper)
    order = order_placed(user=shopper, product=mug)
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        order = order_pay_with_saved_card(order=order, card=card, idempotency_key="k1")

    assert order.status == OrderStatus.PAID
    assert order.paid_with.status == PaymentStatus.SUCCEEDED
    assert [m.subject for m in mailoutbox] == [f"Your Bazaar order {order.number} is confirmed"]
    body = mailoutbox[0].body + mailoutbox[0].alternatives[0][0]
    assert "Visa •••• 4242" in body
    assert "4242424242424242" not in body and "4242 4242" not in body


def test_paying_twice_with_the_same_key_charges_once(shopper, mug):
    card = CardFactory(owner=shopper)
    order = order_placed(user=shopper, product=mug)
    order_pay_with_saved_card(order=order, card=card, idempotency_key="k1")
    order_pay_with_saved_card(order=order, card=card, idempotency_key="k1")
    assert SimulatedCharge.objects.count() == 1
    assert Payment.objects.filter(reference=order.number).count() == 1


def test_paying_with_another_saved_card_keeps_the_default(shopper, mug):
    default = CardFactory(owner=shopper)
    other = CardFactory(owner=shopper, number="5555555555554444")
    order = order_placed(user=shopper, product=mug)
    order_pay_with_saved_card(order=order, card=other, idempotency_key="k")
    assert Card.objects.get(is_default=True, owner=shopper) == default
    assert Order.objects.get(pk=order.pk).paid_with.card == other


def test_another_users_card_is_refused_before_any_charge(shopper, mug):
    stranger_card = CardFactory()
    order = order_placed(user=shopper, product=mug)
    with pytest.raises(CardNotUsable):
        order_pay_with_saved_card(order=order, card=stranger_card, idempotency_key="k")
    assert Payment.objects.count() == 0
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PENDING_PAYMENT


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("4000000000000002", "generic_decline"),
        ("4000000000009995", "insufficient_funds"),
        ("4000000000000069", "expired_card"),
        ("4000000000000127", "incorrect_cvc"),
        ("4000000000009987", "lost_card"),
        ("4000000000009979", "stolen_card"),
        ("4000000000006975", "card_velocity_exceeded"),
    ],
)
def test_each_decline_keeps_the_order_waiting_with_its_stock(shopper, mug, number, code):
    order = order_placed(user=shopper, product=mug)
    with pytest.raises(PaymentDeclined) as caught:
        order_pay(order=order, method="new_card", card_data=card_data(number), idempotency_key="k")
    assert caught.value.payment.decline_code == code
    assert "4000" not in caught.value.message
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert Product.objects.get(pk=mug.pk).stock == 2


def test_a_card_that_links_but_declines_every_charge_leaves_the_order_waiting(shopper, mug):
    card = CardFactory(owner=shopper, number="4000000000000341")
    order = order_placed(user=shopper, product=mug)
    with pytest.raises(PaymentDeclined):
        order_pay_with_saved_card(order=order, card=card, idempotency_key="k")
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PENDING_PAYMENT


def test_step_up_approved_pays_the_order(shopper, mug):
    card = CardFactory(owner=shopper, number="4000002500003155")
    order = order_placed(user=shopper, product=mug)
    with pytest.raises(AuthenticationRequired):
        order_pay_with_saved_card(order=order, card=card, idempotency_key="k")
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PENDING_PAYMENT

    order = order_confirm_step_up(order=order, approved=True)
    assert order.status == OrderStatus.PAID


def test_step_up_failed_keeps_the_order_waiting(shopper, mug):
    card = CardFactory(owner=shopper, number="4000002500003155")
    order = order_placed(user=shopper, product=mug)
    with pytest.raises(AuthenticationRequired):
        order_pay_with_saved_card(order=order, card=card, idempotency_key="k")
    with pytest.raises(PaymentDeclined) as caught:
        order_confirm_step_up(order=order, approved=False)
    assert caught.value.code == "authentication_failed"
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PENDING_PAYMENT


def test_new_card_with_save_card_ticked_joins_the_wallet_with_the_order_address(shopper, mug):
    order = order_placed(user=shopper, product=mug)
    order_pay(
        order=order,
        method="new_card",
        card_data=card_data("5555555555554444"),
        save_card=True,
        idempotency_key="k",
    )
    card = Card.objects.get(owner=shopper)
    assert card.last4 == "4444"
    assert card.payment_address["line1"] == order.shipping_address.line1
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID


def test_new_card_with_save_card_unticked_is_not_kept(shopper, mug):
    order = order_placed(user=shopper, product=mug)
    order_pay(order=order, method="new_card", card_data=card_data(), idempotency_key="k")
    assert not Card.objects.filter(owner=shopper).exists()
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID


def test_bank_transfer_waits_until_staff_mark_it_received(shopper, mug):
    staff = UserFactory(is_staff=True)
    order = order_placed(user=shopper, product=mug)
    order = order_pay(order=order, method="bank_transfer", idempotency_key="ignored")
    assert order.status == OrderStatus.PENDING_PAYMENT
    transfer = Payment.objects.get(reference=order.number)
    assert transfer.status == PaymentStatus.PROCESSING

    order = order_mark_bank_transfer_received(order=order, by=staff)
    assert order.status == OrderStatus.PAID
    assert order.events.last().actor == staff


def test_card_payment_after_choosing_bank_transfer_cancels_the_transfer(shopper, mug):
    order = order_placed(user=shopper, product=mug)
    order_pay(order=order, method="bank_transfer", idempotency_key="x")
    order_pay(order=order, method="new_card", card_data=card_data(), idempotency_key="k")
    transfer = Payment.objects.get(reference=order.number, method="bank_transfer")
    assert transfer.status == PaymentStatus.CANCELED


def test_a_paid_order_is_not_payable_again(shopper, mug):
    card = CardFactory(owner=shopper)
    order = order_placed(user=shopper, product=mug)
    order_pay_with_saved_card(order=order, card=card, idempotency_key="k1")
    with pytest.raises(OrderNotPayable):
        order_pay_with_saved_card(order=order, card=card, idempotency_key="k2")
    assert SimulatedCharge.objects.count() == 1


# --------------------------------------------------------------- state machine etc.


def _paid_order(shopper, mug):
    card = CardFactory(owner=shopper)
    order = order_placed(user=shopper, product=mug)
    return order_pay_with_saved_card(order=order, card=card, idempotency_key=f"k-{order.pk}")


@pytest.mark.parametrize(
    ("start", "target"),
    [
        ("pending_payment", "shipped"),
        ("pending_payment", "refunded"),
        ("paid", "pending_payment"),
        ("paid", "delivered"),
        ("shipped", "cancelled"),
        ("cancelled", "paid"),
        ("refunded", "paid"),
        ("delivered", "shipped"),
    ],
)
def test_illegal_transitions_raise_and_change_nothing(start, target):
    from tests.factories import OrderFactory

    order = OrderFactory(status=start)
    stock = order.lines.get().product.stock
    with pytest.raises(IllegalOrderTransition):
        order_set_status(order=order, status=target)
    order.refresh_from_db()
    assert order.status == start
    assert order.events.count() == 0
    assert order.lines.get().product.stock == stock


def _order_as_placed(**fields):
    """An order as the transaction that placed it holds it: its row, with what its letters
    show loaded (what ``order_set_status(fresh=True)`` is given)."""
    from shop.selectors.orders import ORDER_LETTER_JOINS
    from tests.factories import OrderFactory

    made = OrderFactory(**fields)
    return Order.objects.select_related(*ORDER_LETTER_JOINS).get(pk=made.pk)


def test_a_fresh_order_moves_by_one_conditional_update_without_being_read(
    mailoutbox, django_capture_on_commit_callbacks
):
    order = _order_as_placed(status=OrderStatus.PENDING_PAYMENT)
    payment = payment_recorded(order, key="paid", status=PaymentStatus.SUCCEEDED)

    with (
        django_capture_on_commit_callbacks(execute=True),
        CaptureQueriesContext(connection) as queries,
    ):
        moved = order_set_status(
            order=order, status=OrderStatus.PAID, reason="Paid.", paid_with=payment, fresh=True
        )

    sql = [query["sql"] for query in queries.captured_queries]
    assert not [q for q in sql if re.search(r'FROM "shop_order"(\s|$)', q)]  # never read
    (update,) = [q for q in sql if q.startswith('UPDATE "shop_order"')]
    assert re.search(r'WHERE .*"status" = .pending_payment.', update)  # only if still waiting
    assert moved is order and order.status == OrderStatus.PAID and order.paid_with == payment
    stored = Order.objects.get(pk=order.pk)
    assert (stored.status, stored.paid_with_id, stored.paid_at) == (
        OrderStatus.PAID,
        payment.pk,
        order.paid_at,
    )
    assert list(stored.events.values_list("from_status", "to_status", "reason")) == [
        (OrderStatus.PENDING_PAYMENT, OrderStatus.PAID, "Paid.")
    ]
    assert [m.subject for m in mailoutbox] == [f"Your Bazaar order {order.number} is confirmed"]


def test_a_fresh_order_whose_status_changed_meanwhile_is_read_again_and_refused(mailoutbox):
    order = _order_as_placed(status=OrderStatus.PENDING_PAYMENT)
    payment = payment_recorded(order, key="paid", status=PaymentStatus.SUCCEEDED)
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.CANCELLED)  # another request

    with pytest.raises(IllegalOrderTransition, match="can't move from cancelled to paid"):
        order_set_status(order=order, status=OrderStatus.PAID, paid_with=payment, fresh=True)

    stored = Order.objects.get(pk=order.pk)
    assert (stored.status, stored.paid_with_id, stored.paid_at) == (
        OrderStatus.CANCELLED,
        None,
        None,
    )
    assert stored.events.count() == 0
    assert mailoutbox == []


def test_a_fresh_order_moved_on_meanwhile_moves_from_where_the_database_has_it():
    # Its status as given is stale but the move is still allowed from the stored one: the
    # row is read locked and moved from there, the timeline saying from where.
    order = _order_as_placed(status=OrderStatus.PAID)
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.SHIPPED)

    order_set_status(order=order, status=OrderStatus.DELIVERED, reason="Arrived.", fresh=True)

    stored = Order.objects.get(pk=order.pk)
    assert stored.status == order.status == OrderStatus.DELIVERED
    assert list(stored.events.values_list("from_status", "to_status")) == [
        (OrderStatus.SHIPPED, OrderStatus.DELIVERED)
    ]


def test_the_happy_path_records_each_step_on_the_timeline(shopper, mug):
    staff = UserFactory(is_staff=True)
    order = _paid_order(shopper, mug)
    order_mark_shipped(order=order, by=staff)
    order_mark_delivered(order=order, by=staff)
    steps = list(order.events.values_list("from_status", "to_status"))
    assert steps == [
        ("", "pending_payment"),
        ("pending_payment", "paid"),
        ("paid", "shipped"),
        ("shipped", "delivered"),
    ]


def test_cancelling_a_paid_order_refunds_in_full_and_returns_stock(
    shopper, mug, django_capture_on_commit_callbacks, mailoutbox
):
    order = _paid_order(shopper, mug)
    assert Product.objects.get(pk=mug.pk).stock == 2
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        order = order_cancel(order=order, by=shopper, reason="Changed my mind.")

    assert order.status == OrderStatus.CANCELLED
    assert Product.objects.get(pk=mug.pk).stock == 3
    refund = order.paid_with.refunds.get()
    assert refund.amount == order.total
    assert [m.subject for m in mailoutbox] == [f"Your Bazaar order {order.number} was cancelled"]
    assert "refunded $17.50" in mailoutbox[0].body


def test_cancelling_twice_refunds_once(shopper, mug):
    order = _paid_order(shopper, mug)
    order_cancel(order=order, reason="x")
    with pytest.raises(IllegalOrderTransition):
        order_cancel(order=order, reason="x")
    assert order.paid_with.refunds.count() == 1


def test_a_shipped_order_cannot_be_cancelled(shopper, mug):
    order = _paid_order(shopper, mug)
    order_mark_shipped(order=order)
    with pytest.raises(IllegalOrderTransition):
        order_cancel(order=order)
    assert not order.paid_with.refunds.exists()


def test_a_partial_refund_keeps_the_status_and_a_full_one_makes_it_refunded(shopper, mug):
    staff = UserFactory(is_staff=True)
    order = _paid_order(shopper, mug)
    order_mark_shipped(order=order, by=staff)

    order_refund(order=order, amount=Decimal("5.00"), reason="Dented", by=staff)
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED
    assert "Partly refunded $5.00" in order.events.last().reason

    order_refund(order=order, amount=Decimal("12.50"), reason="Returned", by=staff)
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED


def test_an_unpaid_order_cannot_be_refunded(shopper, mug):
    order = order_placed(user=shopper, product=mug)
    with pytest.raises(IllegalOrderTransition):
        order_refund(order=order, amount=Decimal("1.00"), reason="x")


# ------------------------------------------------------------------------- expiry


def test_an_unpaid_order_expires_after_the_timeout_and_releases_stock(shopper, mug, settings):
    settings.ORDER_PAYMENT_TIMEOUT_MINUTES = 30
    order = order_placed(user=shopper, product=mug)
    assert order_expire_if_due(order=order).status == OrderStatus.PENDING_PAYMENT

    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        order = order_expire_if_due(order=order)

    assert order.status == OrderStatus.CANCELLED
    assert Product.objects.get(pk=mug.pk).stock == 3


def test_expire_unpaid_orders_command_cancels_only_overdue_unpaid_orders(shopper, mug, capsys):
    old = order_placed(user=shopper, product=mug)
    paid = _paid_order(shopper, mug)
    with time_machine.travel(timezone.now() + timedelta(minutes=45)):
        fresh = order_placed(user=shopper, product=mug)
        call_command("expire_unpaid_orders")

    statuses = dict(Order.objects.values_list("pk", "status"))
    assert statuses == {
        old.pk: OrderStatus.CANCELLED,
        paid.pk: OrderStatus.PAID,
        fresh.pk: OrderStatus.PENDING_PAYMENT,
    }
    assert "1" in capsys.readouterr().out


def test_an_expired_order_cannot_be_paid(shopper, mug):
    card = CardFactory(owner=shopper)
    order = order_placed(user=shopper, product=mug)
    with (
        time_machine.travel(timezone.now() + timedelta(hours=1)),
        pytest.raises(OrderNotPayable, match="not paid in time"),
    ):
        order_pay_with_saved_card(order=order, card=card, idempotency_key="k")
    assert SimulatedCharge.objects.count() == 0


def test_a_waiting_bank_transfer_keeps_the_order_past_the_card_timeout(shopper, mug):
    order = order_placed(user=shopper, product=mug)
    order_pay(order=order, method="bank_transfer", idempotency_key="x")
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        assert order_expire_if_due(order=order).status == OrderStatus.PENDING_PAYMENT
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        assert order_expire_if_due(order=order).status == OrderStatus.CANCELLED
    assert Payment.objects.get(reference=order.number).status == PaymentStatus.CANCELED


def _other_tab_just_before_the_deadline(order, settings, pay):
    """``pay`` as the shopper's other tab does it: its POST passed the deadline check just
    before the card deadline; it lands while the expiry job is at work."""
    deadline = order.created_at + timedelta(minutes=settings.ORDER_PAYMENT_TIMEOUT_MINUTES)
    with time_machine.travel(deadline - timedelta(seconds=1)):
        pay()


@pytest.mark.parametrize("lands", ["before the call-off", "before the lock"])
def test_a_bank_transfer_started_as_the_card_deadline_passes_keeps_the_order_waiting(
    shopper, mug, settings, monkeypatch, lands
):
    """The expiry job found no transfer awaited, then the shopper's transfer landed (they
    were shown its instructions): expiry must not call it off. Landing before expiry
    looks at the order's transfers, or after that and before it takes the order's lock,
    both keep the order waiting for the transfer, until the transfer wait runs out."""
    order = order_placed(user=shopper, product=mug)
    transfer = []

    def start_transfer():
        order_pay(order=order, method="bank_transfer", idempotency_key="bt")
        transfer.append(Payment.objects.get(reference=order.number))

    def then_the_transfer_lands(real):
        def wrapped(*args, **kwargs):
            found = real(*args, **kwargs)
            if not transfer:
                _other_tab_just_before_the_deadline(order, settings, start_transfer)
            return found

        return wrapped

    if lands == "before the call-off":  # expiry's first look at open card payments
        real = wallet_services.payment_resolve_open
        monkeypatch.setattr(wallet_services, "payment_resolve_open", then_the_transfer_lands(real))
    else:
        real = order_money._call_off_open_payment
        monkeypatch.setattr(order_money, "_call_off_open_payment", then_the_transfer_lands(real))

    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        assert order_expire_unpaid() == 0

    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert Payment.objects.get(pk=transfer[0].pk).status == PaymentStatus.PROCESSING
    assert Product.objects.get(pk=mug.pk).stock == 2
    monkeypatch.undo()
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        assert order_expire_if_due(order=order).status == OrderStatus.CANCELLED
    assert Payment.objects.get(pk=transfer[0].pk).status == PaymentStatus.CANCELED


def test_a_card_payment_that_lands_as_the_order_expires_pays_it_and_is_not_refunded(
    shopper, mug, settings, monkeypatch
):
    """The expiry job settled the order's money (nothing paid) and is about to cancel it
    when the other tab's saved-card payment goes through: the order is paid, not cancelled
    and refunded."""
    card = CardFactory(owner=shopper)
    order = order_placed(user=shopper, product=mug)
    real_cancel = expiry.order_cancel

    def pay_then_cancel(**kwargs):
        _other_tab_just_before_the_deadline(
            order,
            settings,
            lambda: order_pay_with_saved_card(order=order, card=card, idempotency_key="k"),
        )
        return real_cancel(**kwargs)

    monkeypatch.setattr(expiry, "order_cancel", pay_then_cancel)
    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        assert order_expire_if_due(order=order).status == OrderStatus.PAID

    charge = SimulatedCharge.objects.get(reference=order.number)
    assert charge.captured and charge.amount_refunded_minor == 0
    assert Product.objects.get(pk=mug.pk).stock == 2


def test_a_step_up_waiting_when_the_order_expires_is_cancelled_with_it(shopper, mug):
    card = CardFactory(owner=shopper, number="4000002500003155")
    order = order_placed(user=shopper, product=mug)
    with pytest.raises(AuthenticationRequired):
        order_pay_with_saved_card(order=order, card=card, idempotency_key="k")
    with time_machine.travel(timezone.now() + timedelta(hours=1)):
        order = order_expire_if_due(order=order)
    assert order.status == OrderStatus.CANCELLED
    assert Payment.objects.get().status == PaymentStatus.CANCELED


def test_expiry_sweep_for_one_shopper_skips_waiting_transfers_and_applies_settled_payments(
    shopper, mug, settings
):
    card = CardFactory(owner=shopper)
    waiting = order_placed(user=shopper, product=mug)
    order_pay(order=waiting, method="bank_transfer", idempotency_key="bt-1")
    settled = order_placed(user=shopper, product=mug)
    settings.SIMULATED_GATEWAY_FAULT = "timeout"
    with pytest.raises(GatewayUnavailable):
        order_pay_with_saved_card(order=settled, card=card, idempotency_key="card-1")
    # No transfer is awaited while the card's answer is unknown: it may have gone through.
    with pytest.raises(PaymentInProgress):
        order_pay(order=settled, method="bank_transfer", idempotency_key="bt-2")
    settings.SIMULATED_GATEWAY_FAULT = ""
    # The reconcile job settles the lost answer and applies it to the order.
    call_command("reconcile_payments", stdout=StringIO())
    others = order_placed(user=UserFactory(), product=mug)

    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        assert order_expire_unpaid(user=shopper) == 0

    statuses = dict(Order.objects.values_list("pk", "status"))
    assert statuses == {
        waiting.pk: OrderStatus.PENDING_PAYMENT,
        settled.pk: OrderStatus.PAID,
        others.pk: OrderStatus.PENDING_PAYMENT,
    }
