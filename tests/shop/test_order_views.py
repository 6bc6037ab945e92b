"""Order pages: list, detail, payment page, step-up challenge and cancelling."""

import re
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.pagination import HEAD_COUNT_CAP
from shop.exceptions import IllegalOrderTransition
from shop.models import Order, OrderStatus, Product
from shop.services import checkout as checkout_services
from shop.services import (
    order_cancel,
    order_mark_bank_transfer_received,
    order_mark_shipped,
    order_pay,
    order_pay_with_saved_card,
)
from tests.factories import (
    CardFactory,
    OrderFactory,
    ProductFactory,
    SellerFactory,
    UserFactory,
    card_data,
    order_placed,
    orders_in_bulk,
    payment_recorded,
)
from wallet.exceptions import PaymentDeclined
from wallet.gateways.models import SimulatedCharge
from wallet.models import Card, Payment, PaymentStatus

pytestmark = pytest.mark.django_db

VISA = "4242 4242 4242 4242"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def mug():
    return ProductFactory(title="Stoneware Mug", price=Decimal("18.50"), stock=5)


@pytest.fixture
def order(user, mug):
    return order_placed(user=user, product=mug)


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def _payment_service_broke(**kwargs):
    raise RuntimeError("the payment service broke")


def _pay_token(client, order) -> str:
    page = client.get(reverse("shop:order-pay", args=[order.number])).content.decode()
    return re.search(r'name="token" value="([0-9a-f]{32})"', page).group(1)


def _pay(client, order, **fields):
    data = {"token": _pay_token(client, order), **fields}
    return client.post(reverse("shop:order-pay", args=[order.number]), data)


def _new_card(number=VISA, **extra):
    return {
        "method": "new",
        "number": number,
        "name": "Ada Lovelace",
        "expiry": "12/39",
        "cvc": "7351" if number.startswith("3") else "123",
        **extra,
    }


# ---------------------------------------------------------------- payment page


def test_payment_page_offers_every_way_to_pay(user_client, user, order):
    card = CardFactory(owner=user)
    page = user_client.get(reverse("shop:order-pay", args=[order.number])).content.decode()
    for field in (
        'autocomplete="cc-number"',
        'autocomplete="cc-name"',
        'autocomplete="cc-exp"',
        'autocomplete="cc-csc"',
    ):
        assert field in page
    assert re.search(r'<input[^>]*name="save_card"(?![^>]*checked)[^>]*>', page)
    assert ">Save card</label>" in page
    assert f'value="card-{card.pk}"' in page
    assert 'value="bank_transfer"' in page
    assert ">Pay</button>" in page
    # Save card sits right under the card data: after the CVC, before bank transfer.
    assert (
        page.index('autocomplete="cc-csc"') < page.index("Save card") < page.index("Bank transfer")
    )


def test_save_card_ticked_links_the_card_to_the_wallet(user_client, user, order):
    response = _pay(user_client, order, **_new_card("5555 5555 5555 4444", save_card="on"))
    assert response.url == order.get_absolute_url()
    card = Card.objects.get(owner=user)
    assert card.last4 == "4444"
    assert card.payment_address["line1"] == order.shipping_address.line1


def test_save_card_unticked_keeps_no_card(user_client, user, order):
    _pay(user_client, order, **_new_card())
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID
    assert not Card.objects.filter(owner=user).exists()


def test_paying_with_another_saved_card_never_changes_the_default(user_client, user, order):
    default = CardFactory(owner=user)
    other = CardFactory(owner=user, number="5555555555554444")
    _pay(user_client, order, method=f"card-{other.pk}")
    assert Order.objects.get(pk=order.pk).paid_with.card == other
    assert Card.objects.get(owner=user, is_default=True) == default


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("4000 0000 0000 0002", "Your card was declined."),
        ("4000 0000 0000 9995", "insufficient funds"),
        ("4000 0000 0000 0069", "Your card has expired."),
        ("4000 0000 0000 0127", "The security code (CVC) is incorrect."),
        ("4000 0000 0000 9987", "Your card was declined."),
        ("4000 0000 0000 9979", "Your card was declined."),
        ("4000 0000 0000 6975", "tried too many times"),
        ("4000 0000 0000 0119", "no money was taken"),
    ],
)
def test_a_decline_shows_its_reason_and_never_echoes_the_card(
    user_client, order, mug, number, message
):
    page = _pay(user_client, order, **_new_card(number, save_card="on"))
    # The payment page again, the reason on top and what was typed kept, but never the
    # card's number or CVC.
    assert page.status_code == 200
    content = page.content.decode()
    assert any(message in m for m in _messages(page))
    digits = number.replace(" ", "")
    assert digits not in content and number not in content
    assert 'value="123"' not in content
    assert page.context["card_form"]["name"].value() == "Ada Lovelace"
    assert page.context["card_form"]["expiry"].value() == "12/39"
    assert page.context["method_form"]["save_card"].value() is True
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PENDING_PAYMENT
    assert Product.objects.get(pk=mug.pk).stock == 4


def test_a_card_that_links_fine_but_declines_every_charge_on_the_payment_page(
    user_client, user, order, mug
):
    saved = CardFactory(owner=user, number="4000000000000341")
    response = _pay(user_client, order, method=f"card-{saved.pk}")
    assert response.url == reverse("shop:order-pay", args=[order.number])
    page = user_client.get(response.url)
    assert "Your card was declined. Please use another card or way of paying." in _messages(page)

    # Typed again as a new card with Save card ticked: declined, and not kept twice.
    page = _pay(user_client, order, **_new_card("4000 0000 0000 0341", save_card="on"))
    assert "Your card was declined. Please use another card or way of paying." in _messages(page)
    assert list(Card.objects.filter(owner=user)) == [saved]
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PENDING_PAYMENT
    assert Product.objects.get(pk=mug.pk).stock == 4


def _preselected_way(page) -> str:
    return re.search(r'name="method"[^>]*value="([^"]+)"[^>]*checked', page.content.decode())[1]


def test_after_a_decline_the_payment_page_preselects_another_way(user_client, user, order):
    declining = CardFactory(owner=user, number="4000000000000341")
    other = CardFactory(owner=user)
    page = user_client.get(reverse("shop:order-pay", args=[order.number]))
    assert _preselected_way(page) == f"card-{declining.pk}"  # the first card, as listed

    response = _pay(user_client, order, method=f"card-{declining.pk}")
    page = user_client.get(response.url)

    assert "Your card was declined. Please use another card or way of paying." in _messages(page)
    assert _preselected_way(page) == f"card-{other.pk}"


def test_when_every_saved_card_was_declined_a_new_card_is_preselected(user_client, user, order):
    declining = CardFactory(owner=user, number="4000000000000341")

    response = _pay(user_client, order, method=f"card-{declining.pk}")
    page = user_client.get(response.url)

    assert _preselected_way(page) == "new"
    assert f'value="card-{declining.pk}"' in page.content.decode()  # still offered


def test_card_form_errors_are_shown_without_echoing_number_or_cvc(user_client, order):
    response = _pay(user_client, order, **_new_card("4242 4242 4242 4241", cvc="999"))
    assert response.status_code == 200
    content = response.content.decode()
    assert response.context["card_form"].errors["number"]
    assert "4242 4242 4242 4241" not in content and 'value="999"' not in content
    assert "we never show a card number or CVC again: please type them again." in content
    assert Payment.objects.count() == 0


def test_the_payment_page_shown_again_with_errors_can_be_paid(user_client, order):
    url = reverse("shop:order-pay", args=[order.number])
    response = user_client.post(url, {"token": "bad", **_new_card(cvc="")})
    content = response.content.decode()
    assert response.context["method_form"].has_error("token")
    assert response.context["card_form"].has_error("cvc", "required")
    token = re.search(r'name="token" value="([0-9a-f]{32})"', content).group(1)

    response = user_client.post(url, {"token": token, **_new_card()})

    assert response.url == order.get_absolute_url()
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID


def test_step_up_challenge_approve_and_fail(user_client, user, mug):
    order = order_placed(user=user, product=mug)
    response = _pay(user_client, order, **_new_card("4000 0025 0000 3155"))
    challenge = reverse("shop:order-authenticate", args=[order.number])
    assert response.url == challenge
    response = user_client.post(challenge, {"decision": "fail"})
    assert response.url == reverse("shop:order-pay", args=[order.number])
    assert (
        "Your bank could not confirm this payment." in _messages(user_client.get(response.url))[0]
    )
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PENDING_PAYMENT

    response = _pay(user_client, order, **_new_card("4000 0025 0000 3155"))
    response = user_client.post(challenge, {"decision": "approve"})
    assert response.url == order.get_absolute_url()
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID


def test_step_up_then_declined_card_keeps_the_order_waiting(user_client, order):
    _pay(user_client, order, **_new_card("4000 0084 0000 1629"))
    response = user_client.post(
        reverse("shop:order-authenticate", args=[order.number]), {"decision": "approve"}
    )
    assert response.url == reverse("shop:order-pay", args=[order.number])
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PENDING_PAYMENT


def test_bank_transfer_shows_instructions_with_the_reference(user_client, order):
    response = _pay(user_client, order, method="bank_transfer")
    assert response.url == order.get_absolute_url()
    page = user_client.get(response.url).content.decode()
    assert "Bank transfer details" in page
    assert f'data-testid="transfer-reference">{order.number}<' in page
    assert "Waiting for your bank transfer" in page
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PENDING_PAYMENT


def test_double_submit_of_pay_charges_once(user_client, order):
    data = {"token": _pay_token(user_client, order), **_new_card()}
    url = reverse("shop:order-pay", args=[order.number])
    first = user_client.post(url, data)
    second = user_client.post(url, data)
    assert first.url == second.url == order.get_absolute_url()
    assert SimulatedCharge.objects.count() == 1
    assert Payment.objects.filter(status=PaymentStatus.SUCCEEDED).count() == 1


def test_another_users_card_on_the_payment_page_is_refused(user_client, order):
    stranger = CardFactory(owner=UserFactory())
    response = _pay(user_client, order, method=f"card-{stranger.pk}")
    assert response.status_code == 200
    assert response.context["method_form"].has_error("method", "invalid_choice")
    assert Payment.objects.count() == 0


def test_a_paid_order_payment_page_sends_to_the_order(user_client, user, order):
    order_pay(
        order=order,
        method="new_card",
        card_data=card_data(),
        idempotency_key="k",
    )
    response = user_client.get(reverse("shop:order-pay", args=[order.number]), follow=True)
    assert response.redirect_chain == [(order.get_absolute_url(), 302)]
    assert _messages(response) == [f"Order {order.number} is already paid."]


def test_a_cancelled_order_payment_page_says_so_as_paying_would(user_client, user, order):
    order_cancel(order=order, by=user, reason="Cancelled by the shopper.")
    response = user_client.get(reverse("shop:order-pay", args=[order.number]), follow=True)
    assert response.redirect_chain == [(order.get_absolute_url(), 302)]
    assert _messages(response) == [
        f"Order {order.number} has been cancelled, so there is nothing to pay; its items went "
        "back on sale."
    ]


# ------------------------------------------------------------------- list, detail


def test_another_users_order_is_a_404_on_every_page(client, order):
    client.force_login(UserFactory())
    for name in ("order-detail", "order-pay", "order-authenticate", "order-cancel"):
        assert client.get(reverse(f"shop:{name}", args=[order.number])).status_code == 404
    assert client.post(reverse("shop:order-cancel", args=[order.number])).status_code == 404


def test_order_pages_need_login(client, order):
    for url in (reverse("shop:order-list"), order.get_absolute_url()):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response.url


def test_order_list_is_newest_first_and_paginated(user_client, user):
    orders = [OrderFactory(user=user) for _ in range(12)]
    page = user_client.get(reverse("shop:order-list"))
    shown = [o.number for o in page.context["page_obj"]]
    assert shown == [o.number for o in reversed(orders)][:10]
    page2 = user_client.get(reverse("shop:order-list") + "?page=2")
    assert [o.number for o in page2.context["page_obj"]] == [orders[1].number, orders[0].number]
    # A page below 1 is the first (Django's get_page would show the last); past the end,
    # the last.
    for asked, number in [("0", 1), ("-1", 1), ("x", 1), ("3", 2)]:
        page = user_client.get(reverse("shop:order-list"), {"page": asked})
        assert page.context["page_obj"].number == number, asked


def _page_links(response) -> list[str]:
    """The page links' labels, in order (numbers, "…", Previous and Next)."""
    nav = re.search(r'<nav class="mt-4".*?</nav>', response.content.decode(), re.S)
    assert nav, "the page has no page links"
    return [
        label.replace("&hellip;", "…")
        for label in re.findall(r'class="page-link"[^>]*>([^<]+)<', nav.group(0))
    ]


@pytest.mark.parametrize(
    ("count", "first_page_links"),
    [
        # Counted whole: the last page (100) is a link.
        (HEAD_COUNT_CAP, ["Previous", "1", "2", "3", "…", "100", "Next"]),
        # One order past the count's cap: page 1 leaves its last page out, Next leads on.
        (HEAD_COUNT_CAP + 1, ["Previous", "1", "2", "3", "…", "Next"]),
    ],
)
def test_a_long_order_historys_first_page_counts_no_further_than_its_cap(
    user_client, user, count, first_page_links, django_assert_max_num_queries
):
    seller = SellerFactory()
    orders_in_bulk(user, seller, count - 1)
    newest = OrderFactory(user=user, seller=seller)
    with django_assert_max_num_queries(3):  # session, user, the page with its count
        first = user_client.get(reverse("shop:order-list"))
    assert first.context["page_obj"][0].number == newest.number
    assert _page_links(first) == first_page_links
    # Page 2 counts the whole history (101 pages past the cap) and links its last page,
    # which holds the oldest order.
    second = user_client.get(reverse("shop:order-list"), {"page": 2})
    last = (count + 9) // 10
    assert _page_links(second)[-2:] == [str(last), "Next"]
    oldest = user_client.get(reverse("shop:order-list"), {"page": last})
    assert list(oldest.context["page_obj"])[-1].pk == Order.objects.order_by("id")[0].pk


def test_order_list_query_count_does_not_grow_with_orders(
    user_client, user, django_assert_max_num_queries
):
    OrderFactory(user=user)
    with django_assert_max_num_queries(8):
        user_client.get(reverse("shop:order-list"))
    for _ in range(9):
        OrderFactory(user=user)
    with django_assert_max_num_queries(8):
        user_client.get(reverse("shop:order-list"))
    # Orders past the card-payment timeout but inside their bank-transfer wait are not
    # rechecked one by one by the lazy expiry.
    for order in Order.objects.filter(user=user):
        order_pay(order=order, method="bank_transfer", idempotency_key=f"{order.number}:bt")
    with (
        time_machine.travel(timezone.now() + timedelta(hours=1)),
        django_assert_max_num_queries(8),
    ):
        page = user_client.get(reverse("shop:order-list"))
    assert page.content.decode().count("Waiting for your bank transfer") == 10


def test_order_page_query_count_does_not_grow_with_lines_or_payments(
    user_client, user, django_assert_max_num_queries
):
    card = CardFactory(owner=user)
    products = [ProductFactory() for _ in range(1)]
    order = order_placed(user=user, product=products[0], quantity=3)
    order_pay_with_saved_card(order=order, card=card, idempotency_key="a")
    with django_assert_max_num_queries(16):
        response = user_client.get(order.get_absolute_url())
    content = response.content.decode()
    assert "Visa •••• 4242" in content
    assert "Paid" in content


def test_order_page_shows_status_timeline_lines_address_and_payments(user_client, user, mug):
    card = CardFactory(owner=user)
    order = order_placed(user=user, product=mug, quantity=2)
    order_pay_with_saved_card(order=order, card=card, idempotency_key="a")
    order_mark_shipped(order=order)
    content = user_client.get(order.get_absolute_url()).content.decode()
    assert 'data-testid="order-status">Shipped<' in content
    assert "Stoneware Mug" in content and "× 2" in content  # noqa: RUF001
    assert order.shipping_address.line1 in content
    assert "Visa •••• 4242" in content
    timeline = content.split('data-testid="order-timeline"')[1]
    steps = [timeline.index(step) for step in ("Waiting for payment", "Paid", "Shipped")]
    assert steps == sorted(steps)
    assert "Cancel order" not in content


def test_viewing_an_overdue_unpaid_order_shows_it_unpaid_in_time_and_writes_nothing(
    user_client, order, mug
):
    stock = Product.objects.get(pk=mug.pk).stock
    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        content = user_client.get(order.get_absolute_url()).content.decode()
        pay_page = user_client.get(reverse("shop:order-pay", args=[order.number]))
    assert 'data-testid="order-status">Not paid in time<' in content
    assert "Pay now" not in content
    assert pay_page.status_code == 302 and pay_page.url == order.get_absolute_url()
    # GET never writes: the expiry job (or the next POST on the order) cancels it.
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PENDING_PAYMENT
    assert Product.objects.get(pk=mug.pk).stock == stock
    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        call_command("expire_unpaid_orders", stdout=StringIO())
        content = user_client.get(order.get_absolute_url()).content.decode()
    assert 'data-testid="order-status">Cancelled<' in content
    assert Product.objects.get(pk=mug.pk).stock == stock + 1


def _listed_statuses(client) -> dict[str, str]:
    page = client.get(reverse("shop:order-list")).content.decode()
    rows = page.split('data-testid="order-row"')[1:]
    return {
        re.search(r"BZ-\d+", row).group(0): re.search(
            r'data-testid="order-status">([^<]+)<', row
        ).group(1)
        for row in rows
    }


def test_order_list_shows_overdue_unpaid_orders_as_not_paid_in_time(user_client, user, mug):
    overdue = order_placed(user=user, product=mug)
    transfer = order_placed(user=user, product=mug)
    _pay(user_client, transfer, method="bank_transfer")
    assert Product.objects.get(pk=mug.pk).stock == 3

    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        fresh = order_placed(user=user, product=mug)
        statuses = _listed_statuses(user_client)

    assert statuses == {
        fresh.number: "Waiting for payment",
        transfer.number: "Waiting for your bank transfer",
        overdue.number: "Not paid in time",
    }
    # Listing writes nothing.
    assert Order.objects.get(pk=overdue.pk).status == OrderStatus.PENDING_PAYMENT
    assert Product.objects.get(pk=mug.pk).stock == 2

    with time_machine.travel(timezone.now() + timedelta(days=8)):
        statuses = _listed_statuses(user_client)
    assert statuses[transfer.number] == "Not paid in time"


# -------------------------------------------------------------------- cancelling


def test_cancel_order_asks_first_then_refunds_and_returns_stock(
    user_client, user, mug, django_capture_on_commit_callbacks, mailoutbox
):
    card = CardFactory(owner=user)
    order = order_placed(user=user, product=mug)
    order = order_pay_with_saved_card(order=order, card=card, idempotency_key="a")
    detail = user_client.get(order.get_absolute_url()).content.decode()
    assert "Cancel order" in detail

    confirm = user_client.get(reverse("shop:order-cancel", args=[order.number]))
    assert confirm.status_code == 200
    assert "refund <strong>$23.50</strong> to Visa •••• 4242" in confirm.content.decode()
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = user_client.post(reverse("shop:order-cancel", args=[order.number]))

    assert response.url == order.get_absolute_url()
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert order.paid_with.refunds.get().amount == Decimal("23.50")
    assert Product.objects.get(pk=mug.pk).stock == 5
    assert len(mailoutbox) == 1 and "cancelled" in mailoutbox[0].subject
    page = user_client.get(order.get_absolute_url()).content.decode()
    assert "Refund" in page and "+$23.50" in page


def _audit_money_is_clean() -> None:
    out = StringIO()
    call_command("audit_money", stdout=out)
    assert "0 mismatches, 0 in flight" in out.getvalue()


def test_an_order_waiting_for_payment_is_cancelled_by_the_shopper_with_nothing_charged(
    user_client, user, mug, mailoutbox
):
    order = order_placed(user=user, product=mug)
    assert Product.objects.get(pk=mug.pk).stock == 4
    detail = user_client.get(order.get_absolute_url()).content.decode()
    assert "Cancel order" in detail
    assert "You can cancel it while it waits for payment; nothing has been charged." in detail

    confirm = user_client.get(reverse("shop:order-cancel", args=[order.number]))
    assert confirm.status_code == 200
    assert "nothing has been charged, and its items go back on sale." in confirm.content.decode()
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PENDING_PAYMENT

    response = user_client.post(reverse("shop:order-cancel", args=[order.number]), follow=True)

    assert _messages(response) == [f"Order {order.number} is cancelled. Nothing was charged."]
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert Product.objects.get(pk=mug.pk).stock == 5
    assert not Payment.objects.filter(reference=order.number).exists()
    assert not SimulatedCharge.objects.filter(reference=order.number).exists()
    page = response.content.decode()
    assert "Cancelled by the shopper." in page and "Cancel order" not in page
    assert mailoutbox == []
    # Cancelling again is refused, and changes nothing.
    again = user_client.post(reverse("shop:order-cancel", args=[order.number]), follow=True)
    assert _messages(again) == [f"Order {order.number} can no longer be cancelled here."]
    assert Product.objects.get(pk=mug.pk).stock == 5
    _audit_money_is_clean()


def test_cancelling_an_order_waiting_for_a_bank_transfer_calls_the_transfer_off(
    user_client, user, mug, support_user
):
    order = order_pay(
        order=order_placed(user=user, product=mug), method="bank_transfer", idempotency_key="t"
    )
    confirm = user_client.get(reverse("shop:order-cancel", args=[order.number])).content.decode()
    assert f"Please don't send the bank transfer of <strong>${order.total}</strong>" in confirm

    response = user_client.post(reverse("shop:order-cancel", args=[order.number]), follow=True)

    assert _messages(response) == [f"Order {order.number} is cancelled. Nothing was charged."]
    assert Order.objects.get(pk=order.pk).status == OrderStatus.CANCELLED
    transfer = Payment.objects.get(reference=order.number)
    assert transfer.status == PaymentStatus.CANCELED
    assert Product.objects.get(pk=mug.pk).stock == 5
    # Support can no longer mark it received.
    with pytest.raises(IllegalOrderTransition):
        order_mark_bank_transfer_received(order=order, by=support_user)
    _audit_money_is_clean()


def test_an_order_whose_card_was_declined_can_be_cancelled(user_client, user, mug):
    order = order_placed(user=user, product=mug)
    with pytest.raises(PaymentDeclined):
        order_pay(
            order=order,
            method="new_card",
            card_data=card_data("4000 0000 0000 9995"),
            idempotency_key="declined",
            human_verified=True,
        )

    response = user_client.post(reverse("shop:order-cancel", args=[order.number]), follow=True)

    assert _messages(response) == [f"Order {order.number} is cancelled. Nothing was charged."]
    assert Order.objects.get(pk=order.pk).status == OrderStatus.CANCELLED
    assert [p.status for p in Payment.objects.filter(reference=order.number)] == [
        PaymentStatus.FAILED
    ]
    assert not SimulatedCharge.objects.filter(reference=order.number, captured=True).exists()
    _audit_money_is_clean()


def test_an_order_is_not_cancelled_while_the_processor_has_not_answered_for_its_payment(
    user_client, user, mug, settings
):
    """A card payment the processor has not answered for: the order page offers no Cancel,
    and a stale cancel page changes nothing until the processor can say what became of it
    (here: it never got it, which is final once the settle window has passed); then the
    payment fails and the order is cancelled."""
    order = order_placed(user=user, product=mug)
    payment_recorded(order, key="open")
    url = reverse("shop:order-cancel", args=[order.number])
    assert "Cancel order" not in user_client.get(order.get_absolute_url()).content.decode()
    still = f"Your payment for order {order.number} is still being processed"
    assert _messages(user_client.get(url, follow=True))[0].startswith(still)

    settings.SIMULATED_GATEWAY_FAULT = "unreachable"
    response = user_client.post(url, follow=True)
    assert response.status_code == 200
    assert _messages(response)[0].startswith(still)
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PENDING_PAYMENT
    assert Product.objects.get(pk=mug.pk).stock == 4

    # Reachable again, but the processor may still be about to take it: still refused.
    settings.SIMULATED_GATEWAY_FAULT = ""
    assert _messages(user_client.post(url, follow=True))[0].startswith(still)

    # Past the settle window, "never got it" is final: the payment failed, the order is
    # cancelled.
    later = timezone.now() + timedelta(seconds=settings.PAYMENT_SETTLE_WINDOW_SECONDS + 1)
    with time_machine.travel(later):
        response = user_client.post(url, follow=True)
    assert _messages(response) == [f"Order {order.number} is cancelled. Nothing was charged."]
    assert Order.objects.get(pk=order.pk).status == OrderStatus.CANCELLED
    assert Payment.objects.get(reference=order.number).status == PaymentStatus.FAILED
    assert Product.objects.get(pk=mug.pk).stock == 5
    _audit_money_is_clean()


@pytest.mark.parametrize(
    "way", ["saved card", "new card", "bank transfer"], ids=["saved", "new", "transfer"]
)
def test_a_payment_that_loses_the_race_to_a_cancel_never_reaches_the_processor(
    user_client, user, mug, monkeypatch, way
):
    """The other tab's Cancel order lands after this Pay found the order waiting and before
    its payment went anywhere: the payment is called off, the processor never hears of it,
    and Pay says why."""
    card = CardFactory(owner=user)
    order = order_placed(user=user, product=mug)
    form = {
        "saved card": {"method": f"card-{card.pk}"},
        "new card": _new_card(),
        "bank transfer": {"method": "bank_transfer"},
    }[way]
    token = _pay_token(user_client, order)
    real = checkout_services._payable

    def payable_then_cancelled_in_another_tab(order, idempotency_key=""):
        fresh = real(order, idempotency_key)
        order_cancel(order=fresh, by=user, reason="Cancelled by the shopper.")
        return fresh

    monkeypatch.setattr(checkout_services, "_payable", payable_then_cancelled_in_another_tab)
    response = user_client.post(
        reverse("shop:order-pay", args=[order.number]), {"token": token, **form}, follow=True
    )

    assert response.status_code == 200
    assert _messages(response) == [
        f"Order {order.number} has been cancelled, so there is nothing to pay; its items went "
        "back on sale."
    ]
    assert Order.objects.get(pk=order.pk).status == OrderStatus.CANCELLED
    assert Product.objects.get(pk=mug.pk).stock == 5  # back once
    assert not SimulatedCharge.objects.filter(reference=order.number).exists()
    assert not Payment.objects.filter(
        reference=order.number, status__in=[PaymentStatus.PROCESSING, PaymentStatus.SUCCEEDED]
    ).exists()
    _audit_money_is_clean()


def test_a_shipped_order_cannot_be_cancelled_by_the_shopper(user_client, user, mug):
    card = CardFactory(owner=user)
    order = order_placed(user=user, product=mug)
    order = order_pay_with_saved_card(order=order, card=card, idempotency_key="a")
    order_mark_shipped(order=order)
    response = user_client.post(reverse("shop:order-cancel", args=[order.number]))
    assert response.url == order.get_absolute_url()
    assert Order.objects.get(pk=order.pk).status == OrderStatus.SHIPPED
    assert not order.paid_with.refunds.exists()


# Far from _payment_service_broke: the DEBUG page quotes the source around each frame.
_TYPED_NUMBER, _TYPED_CVC = "4000 0566 5566 5556", "987"


def test_the_debug_error_page_never_shows_a_typed_card_number_or_cvc(
    settings, user, order, monkeypatch
):
    settings.DEBUG = True  # Django's own filter cleanses nothing then
    monkeypatch.setattr("shop.services.order_pay", _payment_service_broke)
    client = Client(raise_request_exception=False)
    client.force_login(user)

    response = _pay(client, order, **_new_card(_TYPED_NUMBER, cvc=_TYPED_CVC))

    assert response.status_code == 500
    page = response.content.decode()
    assert "the payment service broke" in page  # Django's DEBUG page, with the POST data
    assert "cvc" in page and "********" in page  # the fields are listed, cleansed
    assert _TYPED_NUMBER not in page and _TYPED_NUMBER.replace(" ", "") not in page
    assert f"'{_TYPED_CVC}'" not in page and f"&#x27;{_TYPED_CVC}&#x27;" not in page


def test_a_new_cards_name_starts_as_the_shoppers_own_as_on_add_a_card(user_client, user, order):
    user.full_name = "Ada Lovelace"
    user.save(update_fields=["full_name"])

    page = user_client.get(reverse("shop:order-pay", args=[order.number]))

    assert page.context["card_form"]["name"].value() == "Ada Lovelace"
    assert page.context["card_form"]["number"].value() in (None, "")
