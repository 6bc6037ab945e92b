"""The order page (``/orders/<number>/``) draws its heavy parts in Python (the payments and
refunds, the totals, the ship-to address and the "Placed" line: shop/templatetags/
order_tags.py); these tests hold the whole page content equal to the template-language page
it replaced (order_detail_in_template_language.html), in English and Russian, for every
state of an order and of its payments and refunds, and check what the shopper reads."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.utils import timezone, translation

from shop.models import Order, OrderStatus
from shop.services import (
    order_cancel,
    order_mark_shipped,
    order_pay,
    order_pay_with_saved_card,
    order_refund,
)
from shop.templatetags.order_tags import order_totals, ship_address
from tests.factories import (
    AddressFactory,
    CardFactory,
    ProductFactory,
    SellerFactory,
    card_data,
    order_placed,
    payment_recorded,
)
from tests.template_copies import TemplateCopy, squeezed
from wallet.exceptions import AuthenticationRequired, PaymentDeclined
from wallet.models import Payment, PaymentStatus, Refund, RefundStatus

pytestmark = pytest.mark.django_db

PAGE = TemplateCopy(
    __file__,
    "order_detail_in_template_language.html",
    re.compile(r'<title>.*?</title>|<nav class="bz-steps mb-2".*</aside></div>'),
    squeezed(
        "li", "div", "section", "ul", "ol", "dl", "dt", "dd", "p", "h1", "h2", "nav", "aside",
        "address", "form",
    ),
)  # fmt: skip
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _refund(payment, amount: str, reason: str, status: str) -> Refund:
    return Refund.objects.create(
        payment=payment,
        amount=Decimal(amount),
        currency=payment.currency,
        reason=reason,
        status=status,
        idempotency_key=f"test-{payment.reference}-{amount}-{status}",
    )


@pytest.fixture
def orders(user):
    """An order in every state its page shows, in dollars and in euros (a seller and an
    address with markup in them)."""
    visa = CardFactory(owner=user, make_default=True)
    odd = SellerFactory(
        name='Tea & "Co" <b>',
        currency="EUR",
        shipping_fee=Decimal("4.50"),
        free_shipping_threshold=Decimal("5000"),
    )
    euro = ProductFactory(seller=odd, currency="EUR", price=Decimal("1234.50"))
    home = AddressFactory(
        user=user, full_name='Ada <b>"Lovelace"</b>', line2="Flat <2>", phone="", region=""
    )

    def placed(**kwargs):
        return order_placed(user=user, **kwargs)

    made = {}
    made["paid"] = order_pay_with_saved_card(order=placed(), card=visa, idempotency_key="paid")
    made["paid in euros, shipped"] = order_mark_shipped(
        order=order_pay_with_saved_card(
            order=placed(product=euro, quantity=2, address=home), card=visa, idempotency_key="eur"
        )
    )

    partly = order_pay_with_saved_card(
        order=placed(quantity=3), card=visa, idempotency_key="partly"
    )
    order_refund(order=partly, amount=Decimal("1.00"), reason='Scratched <b>lid</b> & "box"')
    _refund(partly.paid_with, "2.00", "Late delivery", RefundStatus.PENDING)
    _refund(partly.paid_with, "3.00", "Wrong colour", RefundStatus.FAILED)
    made["partly refunded"] = partly

    refunded = order_pay_with_saved_card(order=placed(), card=visa, idempotency_key="refunded")
    made["refunded in full"] = order_refund(
        order=refunded, amount=refunded.total, reason="Damaged in transit"
    )
    made["cancelled by the shopper"] = order_cancel(
        order=order_pay_with_saved_card(order=placed(), card=visa, idempotency_key="cancelled")
    )

    pending = order_pay_with_saved_card(order=placed(), card=visa, idempotency_key="pending")
    Order.objects.filter(pk=pending.pk).update(status=OrderStatus.REFUND_PENDING)
    _refund(pending.paid_with, str(pending.total), "Cancelled by the shopper.", "pending")
    made["refund pending"] = pending
    unpaid = placed()
    Order.objects.filter(pk=unpaid.pk).update(status=OrderStatus.REFUND_PENDING)
    made["refund pending, nothing paid"] = unpaid

    def new_card_refused(number, refusal, key):
        order = placed()
        with pytest.raises(refusal):
            order_pay(
                order=order,
                method="new_card",
                card_data=card_data(number),
                idempotency_key=key,
                human_verified=True,
            )
        return order

    insufficient_funds = "4000 0000 0000 9995"
    made["declined, waiting for payment"] = new_card_refused(
        insufficient_funds, PaymentDeclined, "declined"
    )
    made["declined, then paid with another card"] = order_pay_with_saved_card(
        order=new_card_refused(insufficient_funds, PaymentDeclined, "declined-first"),
        card=visa,
        idempotency_key="then-paid",
    )
    made["waiting for the bank's confirmation"] = new_card_refused(
        "4000 0025 0000 3155", AuthenticationRequired, "step-up"
    )

    processing = placed()
    payment_recorded(processing, key="processing", card_brand="mastercard", card_last4="4444")
    made["payment processing"] = processing

    transfer = placed(product=euro, address=home)
    made["waiting for a bank transfer"] = order_pay(
        order=transfer, method="bank_transfer", idempotency_key="transfer"
    )
    switched = placed()
    Payment.objects.create(
        user=user,
        reference=switched.number,
        method=Payment.Method.BANK_TRANSFER,
        amount=switched.total,
        currency=switched.currency,
        idempotency_key="called-off",
        status=PaymentStatus.CANCELED,
    )
    made["transfer called off, paid by card"] = order_pay_with_saved_card(
        order=switched, card=visa, idempotency_key="switched"
    )

    overdue = placed()
    Order.objects.filter(pk=overdue.pk).update(created_at=timezone.now() - timedelta(days=3))
    made["not paid in time"] = overdue
    made["waiting, no payment"] = placed()
    return made


def _content(user_client, order, language: str) -> tuple[str, str]:
    """The order page's title and content as drawn, and as its template-language copy
    draws them."""
    user_client.cookies["django_language"] = language
    response = user_client.get(order.get_absolute_url())
    assert response.status_code == 200
    [title, content] = PAGE.pieces(response.content.decode())
    drawn = f"{title}{content}"
    token = TOKEN.search(drawn)
    context = {
        "order": response.context["order"],
        "detail": response.context["detail"],
        "payment_deadline": response.context["payment_deadline"],
        "csrf_token": token[1] if token else "",
    }
    return drawn, "".join(PAGE.drawn(context, language))


STATE_WORDS = {
    "paid": (
        "<title>Order BZ-",
        '<span class="text-nowrap">Visa •••• 4242</span> · ',
        '<span class="text-success">Paid</span>',
        '/cancel/">Cancel order</a>',
    ),
    "paid in euros, shipped": (
        "€2,473.50",
        "€4.50",
        "Tea &amp; &quot;Co&quot; &lt;b&gt;",
        "Ada &lt;b&gt;&quot;Lovelace&quot;&lt;/b&gt;<br>",
        "<br>Flat &lt;2&gt;<br>",
    ),
    "partly refunded": (
        "Partly refunded",
        "Scratched &lt;b&gt;lid&lt;/b&gt; &amp; &quot;box&quot;",
        '<span class="text-success text-nowrap">+$1.00</span></span>',
        '+$2.00</span> · <span class="text-warning-emphasis">Refund pending</span>',
        '<span class="text-danger">Refund failed: our team will send it again</span>',
    ),
    "refunded in full": ("bz-status-refunded", "Damaged in transit"),
    "cancelled by the shopper": (
        "bz-status-cancelled",
        # The refund's reason names the order, its number on one line ("BZ-" | "000001").
        'Order <span class="text-nowrap">BZ-',
        " cancelled.</span>",
        "+$15.00",
    ),
    "refund pending": ('data-testid="refund-pending"', "to Visa •••• 4242 and are waiting"),
    "refund pending, nothing paid": ("to refund your payment", "No payment yet."),
    "declined, waiting for payment": (
        '<span class="text-danger">Not paid</span>',
        "Your card has insufficient funds. Please use another card.",
        "Your items are reserved until",
    ),
    # Why the attempt failed, without the advice to try again: the order is paid.
    "declined, then paid with another card": (
        '<div class="text-muted">Your card had insufficient funds.</div>',
        '<span class="text-success">Paid</span>',
    ),
    "waiting for the bank's confirmation": ("Waiting for authentication", "Confirm with your"),
    "payment processing": ("Mastercard •••• 4444", "Processing", 'name="csrfmiddlewaretoken"'),
    "waiting for a bank transfer": ("Waiting for the transfer", "Quote the reference"),
    "transfer called off, paid by card": ('<span class="text-muted">Cancelled</span>',),
    "not paid in time": ('data-testid="order-overdue"', "No payment yet."),
    "waiting, no payment": ("No payment yet.", "Pay now"),
}


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_order_page_is_the_template_language_page_in_every_state(user_client, orders, language):
    assert set(orders) == set(STATE_WORDS)
    for state, order in orders.items():
        drawn, expected = _content(user_client, order, language)

        assert drawn == expected, state
        assert "<b>" not in drawn, state
        if language == "en":  # the states really are the ones named
            for words in STATE_WORDS[state]:
                assert words in drawn, (state, words)


def test_the_russian_order_page_reads_russian(user_client, orders):
    drawn, _ = _content(user_client, orders["partly refunded"], "ru")

    for words in ("Оплачено", "Возврат", "Возврат в обработке", "\u00a0$"):
        assert words in drawn, words


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.parametrize(
    ("subtotal", "fee", "currency"),
    [("18.50", "0", "USD"), ("1234.50", "6.90", "EUR"), ("7", "0.00", "")],
)
def test_order_totals_are_the_totals_partial(language, subtotal, fee, currency):
    values = {
        "subtotal": Decimal(subtotal),
        "shipping_fee": Decimal(fee),
        "total": Decimal(subtotal) + Decimal(fee),
        "currency": currency,
    }
    with translation.override(language):
        partial = render_to_string("shop/_order_totals.html", values)
        drawn = order_totals(**values)

    assert drawn == partial


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"line2": "Flat <2>", "full_name": 'Ada <b>"L"</b>', "phone": ""},
        {"region": "", "postal_code": "", "country": "RU"},
    ],
)
def test_the_ship_to_address_is_the_address_partial(user, fields):
    address = AddressFactory(user=user, **fields)
    for language in ("en", "ru"):
        with translation.override(language):
            partial = render_to_string("shop/_ship_address.html", {"address": address})
            assert ship_address(address) == partial
