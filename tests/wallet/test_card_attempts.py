"""Card testing is stopped: attempt limits per account and per client address, a CAPTCHA
after declines, a cap on new cards a day, one decline message, and a card support
disabled is blocked for every account. Over a limit the answer is a 429 page that says
when to try again, and the processor never hears of the attempt."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from shop.models import Order, OrderStatus
from tests.factories import (
    AddressFactory,
    CardFactory,
    ProductFactory,
    UserFactory,
    WalletAccountFactory,
    card_data,
    order_placed,
)
from tests.wallet.test_views_cards import card_post
from wallet.exceptions import PaymentDeclined
from wallet.gateways.models import SimulatedCharge
from wallet.gateways.simulated import SimulatedGateway
from wallet.models import BlockedCard, Card
from wallet.services import (
    card_block_lift,
    card_disable,
    card_link,
    card_remove,
    payment_charge_new_card,
)

pytestmark = pytest.mark.django_db

ADD_URL = "/wallet/cards/add/"
DECLINED = "4000 0000 0000 0002"


@pytest.fixture
def processor_calls(monkeypatch):
    """How many card numbers reached the processor (tokenize or a one-time charge)."""
    calls = []
    for name in ("tokenize", "charge", "confirm_authentication"):
        real = getattr(SimulatedGateway, name)

        def counted(self, *args, _real=real, _name=name, **kwargs):
            calls.append(_name)
            return _real(self, *args, **kwargs)

        monkeypatch.setattr(SimulatedGateway, name, counted)
    return calls


def shopper_client(*, address="203.0.113.7") -> tuple[Client, object]:
    user = UserFactory()
    WalletAccountFactory(user=user, confirmed_at=timezone.now())
    AddressFactory(user=user, last_used_at=timezone.now())
    client = Client(REMOTE_ADDR=address)
    client.force_login(user)
    session = client.session
    session["wallet_password_at"] = timezone.now().timestamp()
    session.save()
    return client, user


def numbers(count: int) -> list[str]:
    """``count`` different Luhn-valid test numbers that link fine."""
    from wallet.card_numbers import luhn_check_digit

    out = []
    for index in range(count):
        partial = f"42424242{index:07d}"
        out.append(partial + luhn_check_digit(partial))
    return out


# ------------------------------------------------------------------------- limits


def test_the_sixth_card_attempt_in_ten_minutes_is_a_429_and_never_reaches_the_processor(
    settings, processor_calls, security_log
):
    settings.CARD_DECLINES_BEFORE_CAPTCHA = 10**6  # only the limit speaks here
    client, _user = shopper_client()
    for _ in range(5):
        assert client.post(ADD_URL, card_post(DECLINED)).status_code == 400
    calls_before = len(processor_calls)

    response = client.post(ADD_URL, card_post(DECLINED))

    assert response.status_code == 429
    page = response.content.decode()
    assert "You have tried several cards in a short time." in page
    assert "bank transfer" not in page  # adding a card to the wallet: no other way to offer
    assert "Please try again in 10 minutes." in page
    assert page.count("Please try again") == 1  # said once, not twice
    assert f'href="{ADD_URL}">Go back<' in page  # not a dead end
    assert response["Retry-After"]
    assert len(processor_calls) == calls_before
    assert any(e["outcome"] == "rate_limited" for e in security_log.events("card.attempt"))


def test_fifteen_attempts_a_day_per_account(settings, processor_calls):
    settings.CARD_DECLINES_BEFORE_CAPTCHA = 10**6
    settings.WALLET_REAUTH_MINUTES = 24 * 60  # the password re-check is not what's tested
    client, _user = shopper_client()
    start = timezone.now()
    for attempt in range(15):
        with time_machine.travel(start + timedelta(minutes=11 * (attempt // 5))):
            assert client.post(ADD_URL, card_post(DECLINED)).status_code == 400
    with time_machine.travel(start + timedelta(minutes=40)):
        response = client.post(ADD_URL, card_post(DECLINED))
    assert response.status_code == 429
    assert "try again tomorrow" in response.content.decode()
    assert len(processor_calls) == 15


def test_twenty_attempts_an_hour_per_client_address_whatever_x_forwarded_for_says(
    settings, processor_calls
):
    settings.CARD_DECLINES_BEFORE_CAPTCHA = 10**6
    for index in range(20):
        client, _user = shopper_client(address="198.51.100.9")
        assert client.post(ADD_URL, card_post(DECLINED)).status_code == 400, index
    client, _user = shopper_client(address="198.51.100.9")

    response = client.post(
        ADD_URL, card_post(DECLINED), HTTP_X_FORWARDED_FOR=f"192.0.2.{len(processor_calls)}"
    )

    assert response.status_code == 429
    assert "from your network" in response.content.decode()
    assert len(processor_calls) == 20
    # Another address is not affected.
    other, _user = shopper_client(address="198.51.100.10")
    assert other.post(ADD_URL, card_post(DECLINED)).status_code == 400


def test_after_three_declines_the_next_card_needs_the_captcha(processor_calls):
    client, user = shopper_client()
    for _ in range(3):
        client.post(ADD_URL, card_post(DECLINED))
    page = client.get(ADD_URL).content.decode()
    assert 'data-testid="card-captcha"' in page

    refused = client.post(ADD_URL, card_post())
    assert refused.status_code == 400
    assert refused.context["captcha_form"].errors
    assert len(processor_calls) == 3
    assert not Card.objects.filter(owner=user).exists()

    passed = client.post(
        ADD_URL, {**card_post(), "human-captcha_0": "x", "human-captcha_1": "PASSED"}
    )
    assert passed.status_code == 302
    assert Card.objects.filter(owner=user).count() == 1


def test_on_the_payment_page_save_card_stays_right_under_the_card_and_the_captcha_follows(
    processor_calls,
):
    """DESIGN: the Save card tick box sits right under the card data, the CAPTCHA too
    notwithstanding; and a card typed again after an error is asked for again, saying why."""
    client, user = shopper_client()
    order = order_placed(user=user, product=ProductFactory(price=Decimal("12.00"), stock=5))
    for _ in range(3):
        client.post(reverse("shop:order-pay", args=[order.number]), _pay_page_form(client, order))

    page = client.get(reverse("shop:order-pay", args=[order.number])).content.decode()

    cvc, save, captcha = (
        page.index(mark)
        for mark in ('name="cvc"', 'name="save_card"', 'data-testid="card-captcha"')
    )
    assert cvc < save < captcha
    assert 'data-testid="card-retype-note"' not in page
    again = client.post(
        reverse("shop:order-pay", args=[order.number]), _pay_page_form(client, order)
    )
    assert 'data-testid="card-retype-note"' in again.content.decode()


def test_at_most_three_new_cards_a_day_and_removing_and_adding_again_counts(processor_calls):
    client, user = shopper_client()
    first, second, third, fourth = numbers(4)
    for number in (first, second, third):
        assert client.post(ADD_URL, card_post(number)).status_code == 302
    card_remove(card=Card.objects.get(owner=user, last4=first[-4:]))
    calls = len(processor_calls)

    again = client.post(ADD_URL, card_post(first))
    new = client.post(ADD_URL, card_post(fourth))

    assert again.status_code == 429 and new.status_code == 429
    assert "at most 3 new cards a day" in new.content.decode()
    assert len(processor_calls) == calls
    # Updating a card still in the wallet is not a new card.
    assert client.post(ADD_URL, card_post(second)).status_code == 302
    with time_machine.travel(timezone.now() + timedelta(days=1, minutes=1)):
        assert client.post(ADD_URL, card_post(fourth)).status_code == 302


def _pay_page_form(client, order) -> dict:
    page = client.get(reverse("shop:order-pay", args=[order.number])).content.decode()
    token = re.search(r'name="token" value="([0-9a-f]{32})"', page).group(1)
    return {
        "token": token,
        "method": "new",
        "number": DECLINED,
        "name": "Ada Lovelace",
        "expiry": "12/39",
        "cvc": "123",
    }


def test_the_retype_note_shows_only_when_a_number_or_cvc_was_sent(processor_calls):
    """ "Please type them again" is for a shopper whose typed number or CVC is gone from the
    page shown again; one who pressed Pay with the card fields empty is only told what is
    missing."""
    client, user = shopper_client()
    order = order_placed(user=user, product=ProductFactory(price=Decimal("12.00"), stock=5))
    url = reverse("shop:order-pay", args=[order.number])
    empty = {**_pay_page_form(client, order), "number": "", "cvc": "", "name": "", "expiry": ""}

    page = client.post(url, empty).content.decode()

    assert "Enter the card number." in page
    assert 'data-testid="card-retype-note"' not in page
    for typed in ({"number": DECLINED, "cvc": ""}, {"number": "", "cvc": "123"}):
        page = client.post(url, {**_pay_page_form(client, order), **typed}).content.decode()
        assert 'data-testid="card-retype-note"' in page, typed
    assert processor_calls == []


def test_one_time_cards_on_an_order_are_limited_too(settings, processor_calls):
    settings.CARD_DECLINES_BEFORE_CAPTCHA = 10**6
    client, user = shopper_client()
    order = order_placed(user=user, product=ProductFactory(price=Decimal("12.00"), stock=5))
    url = reverse("shop:order-pay", args=[order.number])
    for _ in range(5):
        response = client.post(url, _pay_page_form(client, order))
        assert response.status_code == 200  # the payment page again, with the decline
        assert "declined" in response.content.decode()

    response = client.post(url, _pay_page_form(client, order))

    assert response.status_code == 429
    page = response.content.decode()
    assert "You can still pay with a saved card or by bank transfer." in page  # no dead end
    assert f'href="{url}">Go back<' in page
    assert len(processor_calls) == 5
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PENDING_PAYMENT


def test_a_step_up_answer_counts_as_an_attempt(settings, processor_calls):
    settings.CARD_ATTEMPTS_PER_10_MINUTES = 1
    client, user = shopper_client()
    order = order_placed(user=user, product=ProductFactory(price=Decimal("12.00"), stock=5))
    url = reverse("shop:order-pay", args=[order.number])
    client.post(url, {**_pay_page_form(client, order), "number": "4000 0025 0000 3155"})

    response = client.post(
        reverse("shop:order-authenticate", args=[order.number]), {"decision": "approve"}
    )

    assert response.status_code == 429
    assert processor_calls.count("confirm_authentication") == 0


# -------------------------------------------------------------- one decline message


def test_the_exact_decline_reason_goes_to_the_security_log_not_the_page(security_log):
    client, user = shopper_client()

    response = client.post(ADD_URL, card_post("4000 0000 0000 0127"))

    assert "The card was declined. Check the details or use another card." in (
        response.content.decode()
    )
    assert "CVC" not in response.content.decode().split("<form")[1].split("cc-csc")[0]
    declines = [e for e in security_log.events("card.attempt") if e["outcome"] == "declined"]
    assert declines == [
        {
            **declines[0],
            "user_id": user.pk,
            "client_ip": "203.0.113.7",
            "reason": "incorrect_cvc",
            "kind": "link",
        }
    ]


# ----------------------------------------------------------- blocked everywhere


def test_a_card_support_disabled_is_refused_for_every_account_without_a_processor_call(
    processor_calls, security_log
):
    thief = UserFactory()
    card = CardFactory(owner=thief, number="4242424242424242")
    staff = UserFactory(is_staff=True)
    card_disable(card=card, by=staff, reason="Reported stolen, ticket 88")
    block = BlockedCard.objects.get()
    assert (block.last4, block.blocked_by) == ("4242", staff)
    other_client, other = shopper_client()
    same_number_elsewhere = card_post("4242 4242 4242 4242")
    calls = len(processor_calls)

    linked = other_client.post(ADD_URL, same_number_elsewhere)
    assert linked.status_code == 400
    assert "The card was declined" in linked.content.decode()

    for user, amount in ((thief, Decimal("19.99")), (other, Decimal("23.50"))):
        order = order_placed(user=user, product=ProductFactory(price=amount, stock=5))
        with pytest.raises(PaymentDeclined) as refused:
            payment_charge_new_card(
                user=user,
                card_data=card_data("4242424242424242"),
                amount=order.total,
                currency=order.currency,
                reference=order.number,
                idempotency_key=f"{order.number}:try",
                save_card=user is other,
                payment_address=AddressFactory(user=user) if user is other else None,
            )
        assert refused.value.code == "blocked_card"
        assert "declined" in refused.value.message

    assert len(processor_calls) == calls
    assert not SimulatedCharge.objects.exists()
    assert {e["outcome"] for e in security_log.events("card.attempt")} >= {"blocked"}


def test_support_lifts_a_block_with_a_reason(processor_calls):
    owner = UserFactory()
    card = CardFactory(owner=owner)
    staff = UserFactory(is_staff=True)
    card_disable(card=card, by=staff, reason="Reported stolen")
    block = BlockedCard.objects.get()

    card_block_lift(block=block, by=staff, reason="Customer found the card")

    block.refresh_from_db()
    assert block.lifted_by == staff and block.lift_reason == "Customer found the card"
    other = UserFactory()
    relinked, created = card_link(
        user=other,
        card_data=card_data("4242424242424242"),
        payment_address=AddressFactory(user=other),
    )
    assert created and relinked.owner == other


def test_support_sees_the_block_on_the_customers_page_and_lifts_it_there(support_client):
    owner = UserFactory(email="owner@example.com")
    card = CardFactory(owner=owner)
    card_disable(card=card, by=UserFactory(is_staff=True), reason="Reported stolen")
    block = BlockedCard.objects.get()

    customer = support_client.get(reverse("admin:accounts_user_change", args=[owner.pk]))
    assert "Blocked: Blocked Visa •••• 4242" in customer.content.decode()
    lift_url = reverse("admin:wallet_blockedcard_lift", args=[block.pk])
    assert support_client.get(lift_url).status_code == 200
    refused = support_client.post(lift_url, {"reason": ""})
    assert refused.status_code == 200
    BlockedCard.objects.get(lifted_at__isnull=True)

    response = support_client.post(lift_url, {"reason": "Customer found the card"}, follow=True)

    assert "is lifted" in response.content.decode()
    block.refresh_from_db()
    assert block.lifted_at is not None
    from core.models import AuditEntry

    assert AuditEntry.objects.filter(action="card_block_lift", reason="Customer found the card")
