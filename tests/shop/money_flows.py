"""The rows of the money fault matrix (tests/shop/test_money_fault_matrix.py): each way money
moves, driven through the pages a shopper or a support agent uses, one small object each.

A flow is cut around its one step that talks to the processor (``Flow.step``, the
``SimulatedGateway`` method a fault hits): ``prepare`` gets there without faults, ``open``
loads the page that step is submitted from and ``submit`` sends it (the cell applies the
fault around it), ``complete`` finishes what the person does next without noticing anything,
``retry`` is what they do once the fault is gone (pay again from a fresh payment page, press
Cancel again, send the same admin form again, confirm again), ``pay_again`` is one more
payment for an order still waiting after reconciliation, and ``told`` checks that what the
person was shown after the fault is the truth.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.test import Client
from django.urls import reverse

from core.models import AuditAction, AuditEntry
from shop.models import Order, OrderStatus
from tests.factories import CardFactory

VISA = "4242 4242 4242 4242"
STEP_UP_VISA = "4000 0025 0000 3155"
PARTIAL_REFUND = Decimal("10.00")

# The faults (columns).
TIMEOUT_BEFORE = "timeout_before"  # times out before the processor acts
ANSWER_LOST = "timeout"  # the processor acts, then its answer is lost
UNREACHABLE = "unreachable"  # connection refused: nothing reaches the processor
SLOW_SECOND_TAB = "slow_second_tab"  # 1 s per processor call; a second tab 0.2 s later
CRASH = "crash"  # the process dies between the commit and the processor call
FAULTS = (TIMEOUT_BEFORE, ANSWER_LOST, UNREACHABLE, SLOW_SECOND_TAB, CRASH)
# The shopper's browser can't tell these two apart: both are a request that never came back.
NO_ANSWER = (TIMEOUT_BEFORE, ANSWER_LOST)

CHECKING_WITH_THE_BANK = "We are checking with your bank; you will not be charged twice"
BEING_PROCESSED = "Your payment is being processed"


# --------------------------------------------------------------------------- pages


def text(response) -> str:
    """The page as a person reads it (entities decoded)."""
    return html.unescape(response.content.decode())


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def shown_messages(response) -> list[str]:
    """The messages on a page, read from its HTML (a page rendered in another thread can't be
    told apart in ``response.context``)."""
    page = response.content.decode()
    found = re.findall(
        r'<div class="alert [^"]*" role="(?:alert|status)"[^>]*>\s*(.*?)\s*<button', page, re.S
    )
    for box in re.findall(r'<ul class="messagelist">(.*?)</ul>', page, re.S):
        found += re.findall(r"<li[^>]*>(.*?)</li>", box, re.S)
    return [html.unescape(message) for message in found]


def main_text(page: str) -> str:
    """The visible words of a page's main part, for failure messages."""
    main = page.split("<main", 1)[-1].split("</main>", 1)[0]
    return " ".join(re.sub(r"<[^>]+>", " ", main.split(">", 1)[-1]).split())


def offers_pay(page: str) -> bool:
    return 'data-testid="pay"' in page


def shows_processing(page: str) -> bool:
    return 'data-testid="payment-processing"' in page and BEING_PROCESSED in page


def pay_url(order: Order) -> str:
    return reverse("shop:order-pay", args=[order.number])


def authenticate_url(order: Order) -> str:
    return reverse("shop:order-authenticate", args=[order.number])


def cancel_url(order: Order) -> str:
    return reverse("shop:order-cancel", args=[order.number])


def admin_order_url(order: Order) -> str:
    return reverse("admin:shop_order_change", args=[order.pk])


def admin_action_url(order: Order, action: str) -> str:
    """The page of one of support's order actions ("refund", "bank-transfer-received")."""
    return reverse(f"admin:shop_order_{action.replace('-', '_')}", args=[order.pk])


def _field(page: str, pattern: str) -> str:
    match = re.search(pattern, page)
    assert match, f"no field matching {pattern!r} on the page"
    return html.unescape(match.group(1))


@dataclass
class Shop:
    """One cell's world: a shopper with an address, a product in stock, a support agent, and
    each one's browser (``tab``, ``desk``)."""

    shopper: object
    agent: object
    seller: object
    product: object
    tab: Client
    desk: Client
    card: object = None
    # The form the faulted step was sent with (support re-submits the very same one).
    form: dict = field(default_factory=dict)

    @property
    def order(self) -> Order:
        return Order.objects.select_related("paid_with").get(user=self.shopper)

    def another_tab(self) -> Client:
        """A second browser session of the shopper."""
        client = Client()
        client.force_login(self.shopper)
        return client

    def another_desk(self) -> Client:
        client = Client()
        client.force_login(self.agent)
        return client

    # ------------------------------------------------------------ shopper steps
    def add_to_cart(self) -> None:
        response = self.tab.post(reverse("shop:cart-add", args=[self.product.pk]), {"quantity": 1})
        assert response.status_code == 302

    def checkout_form(self, client: Client, *, payment: str | None = None) -> dict:
        """The order page, as the form the browser sends on Accept and pay."""
        response = client.get(reverse("shop:checkout", args=[self.seller.slug]))
        assert response.status_code == 200
        page = response.content.decode()
        return {
            "token": _field(page, r'name="token" value="([0-9a-f]{32})"'),
            "lines": _field(page, r'name="lines" value="([^"]*)"'),
            "address": _field(page, r'name="address"[^>]*value="(\d+)"[^>]*checked'),
            "payment": payment or _field(page, r'name="payment"[^>]*value="([^"]+)"[^>]*checked'),
        }

    def accept_and_pay(self, client: Client, form: dict):
        return client.post(reverse("shop:checkout", args=[self.seller.slug]), form, follow=True)

    def place_order_to_pay_later(self) -> Order:
        """Accept with Other payment methods: the order waits on its payment page."""
        self.add_to_cart()
        response = self.accept_and_pay(self.tab, self.checkout_form(self.tab, payment="other"))
        order = self.order
        assert response.redirect_chain[-1][0] == pay_url(order)
        return order

    def place_paid_order(self) -> Order:
        """Accept and pay with a saved card, no faults: a paid order."""
        self.card = CardFactory(owner=self.shopper)
        self.add_to_cart()
        response = self.accept_and_pay(self.tab, self.checkout_form(self.tab))
        order = self.order
        assert f"Thank you! Order {order.number} is paid." in messages_of(response)
        return order

    def payment_page(self, client: Client | None = None):
        return (client or self.tab).get(pay_url(self.order), follow=True)

    def check_now(self):
        return self.tab.post(reverse("shop:order-pay-check", args=[self.order.number]), follow=True)

    # ------------------------------------------------------------- support steps
    def admin_page(self, client: Client | None = None) -> str:
        response = (client or self.desk).get(admin_order_url(self.order))
        assert response.status_code == 200
        return text(response)

    def admin_action_page(self, action: str, client: Client | None = None) -> str:
        """The action's page, reached from its link on the order page: its form."""
        url = admin_action_url(self.order, action)
        assert f'href="{url}"' in self.admin_page(client), f"no {action} link on the order page"
        response = (client or self.desk).get(url)
        assert response.status_code == 200
        return text(response)

    def admin_action(self, client: Client, action: str, form: dict):
        # As the action's confirmation page sends it.
        confirmed = {"step": "confirm", **form}
        return client.post(admin_action_url(self.order, action), confirmed, follow=True)


@dataclass(frozen=True)
class Outcome:
    """How a cell must end: the order's status, what the shop keeps of the order's money and
    the refunds the processor made (amounts)."""

    status: str
    kept: Decimal
    refunds: tuple[Decimal, ...] = ()
    charged_by_card: bool = True
    # Cards in the shopper's wallet at the end (None: not this row's business).
    saved_cards: int | None = None


# --------------------------------------------------------------------------- flows


class Flow:
    """One row of the matrix. Stateless: everything of a cell lives on its ``Shop``."""

    name = ""
    # The SimulatedGateway method the faulted step calls; None: the flow never talks to the
    # processor (the fault is then on every processor call, and none may happen).
    step: str | None = None
    # The faulted step is support's admin form: the "second tab" sends the same form again.
    by_support = False

    def __repr__(self) -> str:
        return self.name

    def prepare(self, shop: Shop) -> None:
        raise NotImplementedError

    def open(self, shop: Shop, client: Client) -> dict:
        raise NotImplementedError

    def submit(self, shop: Shop, client: Client, form: dict):
        raise NotImplementedError

    def complete(self, shop: Shop) -> None:
        """Steps after the faulted one that nobody would skip (default: none)."""

    def told(self, shop: Shop, fault: str, response) -> None:
        """What the person was shown after ``fault`` (``response`` is None after a crash)."""

    def told_in_race(self, shop: Shop, responses: list) -> None:
        """What the two tabs showed when the second did the same thing 0.2 s later."""

    def retry(self, shop: Shop) -> None:
        raise NotImplementedError

    def pay_again(self, shop: Shop) -> None:
        raise AssertionError(f"{self.name}: the order should not be waiting for payment")

    def outcome(self, shop: Shop) -> Outcome:
        raise NotImplementedError

    def leaves_its_records(self, shop: Shop) -> None:
        """Records besides the money the flow must leave once it is done (default: none)."""


def _all_messages(responses) -> list[str]:
    return [message for response in responses for message in shown_messages(response)]


class _PayWaitingOrder(Flow):
    """Paying an order that waits for payment, from its payment page (/orders/<n>/pay/)."""

    step = "charge"

    def method(self, shop: Shop) -> dict:
        """What the shopper picks and types on the payment page."""
        raise NotImplementedError

    def pay_page_form(self, shop: Shop, client: Client) -> dict:
        """A fresh payment page, which must offer Pay, as the form Pay sends."""
        page = text(shop.payment_page(client))
        assert offers_pay(page), "the payment page offers no Pay button"
        assert not shows_processing(page)
        return {"token": _field(page, r'name="token" value="([0-9a-f]{32})"'), **self.method(shop)}

    def pay(self, shop: Shop, client: Client, form: dict):
        return client.post(pay_url(shop.order), form, follow=True)

    def prepare(self, shop: Shop) -> None:
        shop.place_order_to_pay_later()

    def open(self, shop: Shop, client: Client) -> dict:
        return self.pay_page_form(shop, client)

    def submit(self, shop: Shop, client: Client, form: dict):
        return self.pay(shop, client, form)

    def told(self, shop: Shop, fault: str, response) -> None:
        if fault in NO_ANSWER:
            assert any(CHECKING_WITH_THE_BANK in m for m in messages_of(response))
        if fault in (*NO_ANSWER, CRASH):
            # A charge is open: the payment page says so and offers no second Pay.
            page = text(shop.payment_page())
            assert shows_processing(page), f"not shown as processing: {main_text(page)}"
            assert not offers_pay(page), f"Pay offered while a charge is open: {main_text(page)}"
        if fault == UNREACHABLE:
            assert any("nothing was charged" in m for m in messages_of(response))
            assert offers_pay(text(shop.payment_page()))

    def told_in_race(self, shop: Shop, responses: list) -> None:
        shown = _all_messages(responses)
        assert f"Thank you! Order {shop.order.number} is paid." in shown
        assert not any("declined" in m or "no money was taken" in m for m in shown)

    def retry(self, shop: Shop) -> None:
        """Back on a fresh payment page, the shopper does what it offers: Check now while a
        payment is being processed, else Pay."""
        page = text(shop.payment_page())
        if shows_processing(page):
            assert not offers_pay(page)
            shop.check_now()
        elif offers_pay(page):
            token = _field(page, r'name="token" value="([0-9a-f]{32})"')
            self.expect_paid(shop, self.pay(shop, shop.tab, {"token": token, **self.method(shop)}))
        else:
            assert shop.order.status != OrderStatus.PENDING_PAYMENT

    def pay_again(self, shop: Shop) -> None:
        self.expect_paid(shop, self.pay(shop, shop.tab, self.pay_page_form(shop, shop.tab)))

    def expect_paid(self, shop: Shop, response) -> None:
        assert f"Thank you! Order {shop.order.number} is paid." in messages_of(response)

    def outcome(self, shop: Shop) -> Outcome:
        return Outcome(status=OrderStatus.PAID, kept=shop.order.total)


class AcceptAndPayWithSavedCard(_PayWaitingOrder):
    """Accept and pay on the order page (/checkout/<seller>/) with the saved card selected;
    a retry pays with it from the payment page."""

    name = "accept_and_pay_saved_card"

    def prepare(self, shop: Shop) -> None:
        shop.card = CardFactory(owner=shop.shopper)
        shop.add_to_cart()

    def method(self, shop: Shop) -> dict:
        return {"method": f"card-{shop.card.pk}"}

    def open(self, shop: Shop, client: Client) -> dict:
        form = shop.checkout_form(client)
        assert form["payment"] == f"card-{shop.card.pk}"
        return form

    def submit(self, shop: Shop, client: Client, form: dict):
        return shop.accept_and_pay(client, form)

    def told_in_race(self, shop: Shop, responses: list) -> None:
        super().told_in_race(shop, responses)
        # The second tab's order page: that cart was ordered already; nothing was charged.
        gone = f"There is nothing from {shop.seller.name} in your cart any more."
        assert any(gone in text(response) for response in responses)


class PayWithNewCard(_PayWaitingOrder):
    name = "pay_new_card"

    def method(self, shop: Shop) -> dict:
        return new_card(VISA)


class PayWithNewCardAndSaveIt(_PayWaitingOrder):
    """Save card ticked: the card is tokenized, then charged (the fault hits the charge, the
    call that moves money) and joins the wallet once the payment succeeds."""

    name = "pay_new_card_save"

    def method(self, shop: Shop) -> dict:
        return new_card(VISA, save_card="on")

    def outcome(self, shop: Shop) -> Outcome:
        return Outcome(status=OrderStatus.PAID, kept=shop.order.total, saved_cards=1)


class ConfirmStepUp(_PayWaitingOrder):
    """A card that needs the bank's step-up: the fault hits Approve on the challenge page;
    the retry confirms again."""

    name = "step_up_confirm"
    step = "confirm_authentication"

    def method(self, shop: Shop) -> dict:
        return new_card(STEP_UP_VISA)

    def to_the_challenge(self, shop: Shop) -> None:
        response = self.pay(shop, shop.tab, self.pay_page_form(shop, shop.tab))
        assert response.redirect_chain[-1][0] == authenticate_url(shop.order)

    def prepare(self, shop: Shop) -> None:
        super().prepare(shop)
        self.to_the_challenge(shop)

    def open(self, shop: Shop, client: Client) -> dict:
        response = client.get(authenticate_url(shop.order))
        assert response.status_code == 200 and 'data-testid="bank-challenge"' in text(response)
        return {"decision": "approve"}

    def submit(self, shop: Shop, client: Client, form: dict):
        return client.post(authenticate_url(shop.order), form, follow=True)

    def told(self, shop: Shop, fault: str, response) -> None:
        if fault in (UNREACHABLE, CRASH):
            # The approval never reached the bank: the challenge still waits for the shopper
            # and the payment page rightly says so (offering another way to pay).
            return
        super().told(shop, fault, response)

    def told_in_race(self, shop: Shop, responses: list) -> None:
        # Both tabs approved the one charge: both end on the paid order.
        order = shop.order
        assert f"Thank you! Order {order.number} is paid." in _all_messages(responses)
        assert [r.redirect_chain[-1][0] for r in responses] == [order.get_absolute_url()] * 2

    def retry(self, shop: Shop) -> None:
        """Confirm again: the challenge page, while the bank still waits, and Approve."""
        response = shop.tab.get(authenticate_url(shop.order), follow=True)
        if not response.redirect_chain:
            self.expect_paid(shop, self.submit(shop, shop.tab, {"decision": "approve"}))

    def pay_again(self, shop: Shop) -> None:
        self.to_the_challenge(shop)
        self.expect_paid(shop, self.submit(shop, shop.tab, self.open(shop, shop.tab)))


class BankTransfer(_PayWaitingOrder):
    """The shopper picks Bank transfer; support marks it received. No step talks to the
    processor: the fault is on every processor call, and none may happen."""

    name = "bank_transfer"
    step = None

    def method(self, shop: Shop) -> dict:
        return {"method": "bank_transfer"}

    def complete(self, shop: Shop) -> None:
        assert 'aria-label="Mark bank transfer received"' in shop.admin_action_page(
            "bank-transfer-received"
        )
        shop.form = {"reason": "Seen on the statement"}
        response = shop.admin_action(shop.desk, "bank-transfer-received", shop.form)
        done = f"Bank transfer of ${shop.order.total} received: {shop.order.number} is paid."
        assert done in messages_of(response)

    def told(self, shop: Shop, fault: str, response) -> None:
        reserved = f"Order {shop.order.number} is reserved for you until your bank transfer"
        assert any(reserved in m for m in messages_of(response))

    def told_in_race(self, shop: Shop, responses: list) -> None:
        reserved = f"Order {shop.order.number} is reserved for you until your bank transfer"
        for response in responses:
            assert any(reserved in m for m in shown_messages(response))

    def retry(self, shop: Shop) -> None:
        """Support sends the same form again: refused, nothing changes."""
        response = shop.admin_action(shop.desk, "bank-transfer-received", shop.form)
        assert "has no bank transfer waiting" in messages_of(response)[0]

    def outcome(self, shop: Shop) -> Outcome:
        return Outcome(status=OrderStatus.PAID, kept=shop.order.total, charged_by_card=False)


class ShopperCancel(Flow):
    """The shopper cancels a paid order (/orders/<n>/cancel/): a full refund."""

    name = "shopper_cancel"
    step = "refund"

    def prepare(self, shop: Shop) -> None:
        shop.place_paid_order()

    def open(self, shop: Shop, client: Client) -> dict:
        response = client.get(cancel_url(shop.order))
        assert response.status_code == 200
        return {}

    def submit(self, shop: Shop, client: Client, form: dict):
        return client.post(cancel_url(shop.order), form, follow=True)

    def told(self, shop: Shop, fault: str, response) -> None:
        if response is not None:
            assert any("the order reads Refund pending" in m for m in messages_of(response))
        page = text(shop.tab.get(shop.order.get_absolute_url()))
        assert 'data-testid="order-status">Refund pending<' in page
        assert 'data-testid="refund-pending"' in page
        assert "unchanged" not in page

    def told_in_race(self, shop: Shop, responses: list) -> None:
        shown = _all_messages(responses)
        refunded = f"Order {shop.order.number} is cancelled. We have refunded"
        assert any(m.startswith(refunded) for m in shown)
        assert not any("unchanged" in m for m in shown)

    def retry(self, shop: Shop) -> None:
        """Press Cancel again (the confirmation form sent again)."""
        self.submit(shop, shop.tab, {})

    def outcome(self, shop: Shop) -> Outcome:
        total = shop.order.total
        return Outcome(status=OrderStatus.CANCELLED, kept=Decimal("0"), refunds=(total,))


class SupportRefund(Flow):
    """Support refunds the whole amount with the admin action "refund"."""

    name = "support_full_refund"
    step = "refund"
    by_support = True

    def amount(self, order: Order) -> Decimal:
        return order.total

    def prepare(self, shop: Shop) -> None:
        shop.place_paid_order()

    def open(self, shop: Shop, client: Client) -> dict:
        page = shop.admin_action_page("refund", client)
        box = page.split('aria-label="Refund"')[1].split("</form>")[0]
        return {
            "amount": str(self.amount(shop.order)),
            "reason": "Arrived broken",
            "token": _field(box, r'name="token" value="([0-9a-f]{32})"'),
        }

    def submit(self, shop: Shop, client: Client, form: dict):
        confirmed = {"step": "confirm", **form}  # as the confirmation page sends it
        return client.post(admin_action_url(shop.order, "refund"), confirmed, follow=True)

    def told(self, shop: Shop, fault: str, response) -> None:
        if response is not None:
            assert any("The payment processor did not answer" in m for m in messages_of(response))
        state = shop.admin_page().split('id="bz-refund-state"')
        assert len(state) == 2 and "Refund pending" in state[1].split("</p>")[0]

    def told_in_race(self, shop: Shop, responses: list) -> None:
        left = shop.order.total - self.amount(shop.order)
        done = (
            f"Refunded ${self.amount(shop.order)} on {shop.order.number}; ${left} left to refund."
        )
        assert _all_messages(responses).count(done) == 1

    def retry(self, shop: Shop) -> None:
        """Support sends the same form again: nothing more is refunded, and it says so."""
        response = self.submit(shop, shop.desk, shop.form)
        assert any("nothing" in m and "refunded" in m for m in messages_of(response))

    def outcome(self, shop: Shop) -> Outcome:
        total = shop.order.total
        return Outcome(status=OrderStatus.REFUNDED, kept=Decimal("0"), refunds=(total,))

    def leaves_its_records(self, shop: Shop) -> None:
        """The refund that went through is in support's audit log, once, with who and why,
        however the processor answered (or didn't)."""
        assert self.records(shop) == self.expected_records(shop)

    def records(self, shop: Shop) -> dict:
        entries = AuditEntry.objects.filter(
            order_number=shop.order.number, action=AuditAction.ORDER_REFUND
        )
        return {"audit log": [(e.actor_id, e.reason) for e in entries]}

    def expected_records(self, shop: Shop) -> dict:
        return {"audit log": [(shop.agent.pk, "Arrived broken")]}


class SupportPartialRefund(SupportRefund):
    name = "support_partial_refund"

    def amount(self, order: Order) -> Decimal:
        return PARTIAL_REFUND

    def outcome(self, shop: Shop) -> Outcome:
        kept = shop.order.total - PARTIAL_REFUND
        return Outcome(status=OrderStatus.PAID, kept=kept, refunds=(PARTIAL_REFUND,))

    def records(self, shop: Shop) -> dict:
        # A partial refund leaves the status as it is and notes itself on the timeline.
        notes = shop.order.events.filter(reason__startswith=f"Partly refunded ${PARTIAL_REFUND}")
        return {**super().records(shop), "timeline notes": notes.count()}

    def expected_records(self, shop: Shop) -> dict:
        return {**super().expected_records(shop), "timeline notes": 1}


def new_card(number: str, **extra) -> dict:
    return {
        "method": "new",
        "number": number,
        "name": "Ada Lovelace",
        "expiry": "12/39",
        "cvc": "123",
        **extra,
    }


FLOWS = (
    AcceptAndPayWithSavedCard(),
    PayWithNewCard(),
    PayWithNewCardAndSaveIt(),
    ConfirmStepUp(),
    BankTransfer(),
    ShopperCancel(),
    SupportRefund(),
    SupportPartialRefund(),
)
