"""The order page and Accept and pay, through the client like a shopper."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.models import Address
from shop.models import CartLine, Order, OrderStatus, Product
from shop.services import cart_add_item, cart_get_or_create_for_user
from tests.factories import (
    AddressFactory,
    CardFactory,
    ProductFactory,
    SellerFactory,
    UserFactory,
)
from wallet.gateways.models import SimulatedCharge
from wallet.models import Card, Payment
from wallet.services import card_disable

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def seller():
    return SellerFactory(
        name="Nordic Home",
        slug="nordic-home",
        shipping_fee=Decimal("6.90"),
        free_shipping_threshold=Decimal("60.00"),
    )


@pytest.fixture
def mug(seller):
    return ProductFactory(seller=seller, title="Stoneware Mug", price=Decimal("18.50"), stock=5)


@pytest.fixture
def shopper(user, mug):
    AddressFactory(user=user, full_name="Ada Lovelace", line1="1 Main St")
    cart_add_item(cart=cart_get_or_create_for_user(user=user), product=mug, quantity=2)
    return user


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def _page_fields(content: str) -> dict[str, str]:
    """The hidden and checked fields of the order page, as a browser would submit them."""
    fields = {}
    for name in ("token", "lines"):
        match = re.search(rf'name="{name}" value="([^"]*)"', content)
        if match:
            fields[name] = match.group(1).replace("&#x27;", "'")
    for name in ("address", "payment"):
        match = re.search(rf'name="{name}"[^>]*value="([^"]+)"[^>]*checked', content)
        if match:
            fields[name] = match.group(1)
        elif name == "payment" and 'name="payment" value="other"' in content:
            fields[name] = "other"
    return fields


def _open_order_page(client, seller):
    response = client.get(reverse("shop:checkout", args=[seller.slug]))
    assert response.status_code == 200
    return response, _page_fields(response.content.decode())


def test_order_page_shows_lines_address_shipping_total_and_the_default_card(
    client, shopper, seller
):
    CardFactory(owner=shopper, number="5555555555554444")
    default = CardFactory(owner=shopper, make_default=True)
    client.force_login(shopper)

    response, fields = _open_order_page(client, seller)
    content = response.content.decode()

    assert "Stoneware Mug" in content
    assert "1 Main St" in content
    assert "$37.00" in content and "$6.90" in content and "$43.90" in content
    assert "Way of payment" in content
    assert (
        f'<span class="text-nowrap">Visa •••• 4242</span>, expires {default.expiry_display}'
        in content
    )
    assert "Mastercard •••• 4444" in content
    assert "Other payment methods" in content
    assert "Accept and pay" in content
    assert fields["payment"] == f"card-{default.pk}"


def _ship_to_badges(content: str) -> dict[str, bool]:
    """Each address choice on the order page (by its first line) and whether it says Last used."""
    choices = content.split('data-testid="address-choices"')[1].split('id="address-new"')[0]
    return {
        re.search(r"<br>\s*([^,<]+)", label).group(1).strip(): "Last used" in label
        for label in choices.split('class="form-check-label small"')[1:]
    }


def test_last_used_shows_only_on_an_address_that_was_used(client, shopper, seller, mug):
    AddressFactory(user=shopper, full_name="Ada Lovelace", line1="2 Newer Rd")
    client.force_login(shopper)

    response, fields = _open_order_page(client, seller)
    assert _ship_to_badges(response.content.decode()) == {"2 Newer Rd": False, "1 Main St": False}

    client.post(
        reverse("shop:checkout", args=[seller.slug]),
        {**fields, "address": str(shopper.addresses.get(line1="1 Main St").pk)},
    )
    assert Order.objects.get().shipping_address.line1 == "1 Main St"
    cart_add_item(cart=cart_get_or_create_for_user(user=shopper), product=mug, quantity=1)

    response, fields = _open_order_page(client, seller)
    assert _ship_to_badges(response.content.decode()) == {"1 Main St": True, "2 Newer Rd": False}
    assert fields["address"] == str(shopper.addresses.get(line1="1 Main St").pk)


def test_the_address_of_the_last_order_is_not_written_again_and_stays_the_default(
    client, shopper, seller, mug
):
    used = shopper.addresses.get(line1="1 Main St")
    used_at = timezone.now() - timedelta(days=3)
    Address.objects.filter(pk=used.pk).update(last_used_at=used_at)
    newer = AddressFactory(user=shopper, full_name="Ada Lovelace", line1="2 Newer Rd")
    checkout_url = reverse("shop:checkout", args=[seller.slug])
    client.force_login(shopper)

    _response, fields = _open_order_page(client, seller)
    assert fields["address"] == str(used.pk)  # the last order's address comes first
    client.post(checkout_url, fields)

    assert Order.objects.get().shipping_address.line1 == "1 Main St"
    used.refresh_from_db()
    assert used.last_used_at == used_at  # marking it used again would change nothing

    # Another address chosen becomes the default, as ever.
    cart_add_item(cart=cart_get_or_create_for_user(user=shopper), product=mug, quantity=1)
    _response, fields = _open_order_page(client, seller)
    assert fields["address"] == str(used.pk)
    client.post(checkout_url, {**fields, "address": str(newer.pk)})
    assert Order.objects.latest("id").shipping_address.line1 == "2 Newer Rd"
    cart_add_item(cart=cart_get_or_create_for_user(user=shopper), product=mug, quantity=1)
    _response, fields = _open_order_page(client, seller)
    assert fields["address"] == str(newer.pk)


def test_a_first_order_to_the_only_address_marks_it_used(client, shopper, seller):
    # First in the address book but never used: it is marked, and shown as the last used.
    client.force_login(shopper)
    _response, fields = _open_order_page(client, seller)
    client.post(reverse("shop:checkout", args=[seller.slug]), fields)

    assert Order.objects.get().shipping_address.line1 == "1 Main St"
    assert shopper.addresses.get().last_used_at is not None


def test_a_card_blocked_after_the_order_page_leaves_the_order_placed_and_nothing_charged(
    client, shopper, seller
):
    CardFactory(owner=shopper, make_default=True)
    client.force_login(shopper)
    _response, fields = _open_order_page(client, seller)
    # Support disables the same card in another account: blocked for every account.
    elsewhere = CardFactory(owner=UserFactory())
    card_disable(card=elsewhere, by=UserFactory(is_staff=True), reason="fraud report")

    response = client.post(reverse("shop:checkout", args=[seller.slug]), fields)

    order = Order.objects.get(user=shopper)
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert response.status_code == 302
    assert response["Location"] == reverse("shop:order-pay", args=[order.number])
    assert not Payment.objects.exists()
    assert not SimulatedCharge.objects.exists()
    assert not CartLine.objects.filter(cart__user=shopper).exists()


def test_order_page_without_saved_cards_says_the_card_comes_next(client, shopper, seller):
    client.force_login(shopper)
    response, fields = _open_order_page(client, seller)
    assert "You'll enter your card on the next page." in response.content.decode()
    assert fields["payment"] == "other"


def test_expired_cards_are_shown_but_cannot_be_chosen(client, shopper, seller):
    card = CardFactory(owner=shopper)
    Card.objects.filter(pk=card.pk).update(exp_month=1, exp_year=2020)
    client.force_login(shopper)

    response, fields = _open_order_page(client, seller)
    content = response.content.decode()
    assert re.search(rf'value="card-{card.pk}"[^>]*disabled', content)
    assert "update it in your wallet" in content.lower()
    fields["payment"] = f"card-{card.pk}"
    response = client.post(reverse("shop:checkout", args=[seller.slug]), fields)

    assert response.status_code == 200
    assert "Choose a way of payment." in response.content.decode()
    assert Order.objects.count() == 0


def test_two_steps_from_cart_to_a_paid_order_with_a_saved_card(client, shopper, seller, mug):
    CardFactory(owner=shopper)
    client.force_login(shopper)
    cart = client.get(reverse("shop:cart")).content.decode()
    checkout_url = reverse("shop:checkout", args=[seller.slug])
    assert f'href="{checkout_url}" aria-label="Order from this seller: {seller.name}"' in cart

    hops = []
    response = client.get(checkout_url)  # 1: Order from this seller
    hops.append(response.status_code)
    fields = _page_fields(response.content.decode())
    response = client.post(checkout_url, fields)  # 2: Accept and pay
    hops.append(response.status_code)

    order = Order.objects.get()
    assert hops == [200, 302]
    assert response.url == reverse("shop:order-detail", args=[order.number])
    assert order.status == OrderStatus.PAID
    page = client.get(response.url)
    assert f"Thank you! Order {order.number} is paid." in _messages(page)
    assert Product.objects.get(pk=mug.pk).stock == 3
    assert not CartLine.objects.filter(cart__user=shopper).exists()


def test_three_steps_without_a_saved_card(client, shopper, seller):
    client.force_login(shopper)
    checkout_url = reverse("shop:checkout", args=[seller.slug])
    actions = []
    response, fields = _open_order_page(client, seller)  # 1: Order from this seller
    actions.append(response.status_code)
    response = client.post(checkout_url, fields)  # 2: Accept and pay
    actions.append(response.status_code)
    order = Order.objects.get()
    assert response.url == reverse("shop:order-pay", args=[order.number])
    response = client.get(response.url)  # the browser follows the redirect: no click
    assert "Save card" in response.content.decode()
    token = re.search(r'name="token" value="([0-9a-f]+)"', response.content.decode()).group(1)
    response = client.post(  # 3: Pay
        reverse("shop:order-pay", args=[order.number]),
        {
            "token": token,
            "method": "new",
            "number": "4242 4242 4242 4242",
            "name": "Ada Lovelace",
            "expiry": "12/39",
            "cvc": "123",
        },
    )
    actions.append(response.status_code)
    assert actions == [200, 302, 302]
    assert response.url == reverse("shop:order-detail", args=[order.number])
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert not Card.objects.filter(owner=shopper).exists()


def test_other_payment_methods_with_a_default_card_goes_to_the_payment_page(
    client, shopper, seller
):
    card = CardFactory(owner=shopper)
    client.force_login(shopper)
    response, fields = _open_order_page(client, seller)
    fields["payment"] = "other"
    response = client.post(reverse("shop:checkout", args=[seller.slug]), fields)
    order = Order.objects.get()
    assert response.url == reverse("shop:order-pay", args=[order.number]) + "?way=other"
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert SimulatedCharge.objects.count() == 0
    card.refresh_from_db()
    assert card.is_default and card.is_active
    # The saved card was passed over: the payment page preselects a new card, not it.
    page = client.get(response.url)
    assert page.context["method_form"]["method"].initial == "new"
    assert page.context["method_form"].cards  # the saved card is still offered


def test_paying_with_another_saved_card_at_checkout_keeps_the_default(client, shopper, seller):
    default = CardFactory(owner=shopper)
    other = CardFactory(owner=shopper, number="5555555555554444")
    client.force_login(shopper)
    _response, fields = _open_order_page(client, seller)
    fields["payment"] = f"card-{other.pk}"
    client.post(reverse("shop:checkout", args=[seller.slug]), fields)
    order = Order.objects.get()
    assert order.status == OrderStatus.PAID
    assert order.paid_with.card == other
    default.refresh_from_db()
    assert default.is_default


def test_double_submit_of_accept_and_pay_places_one_order_and_charges_once(client, shopper, seller):
    CardFactory(owner=shopper)
    client.force_login(shopper)
    _response, fields = _open_order_page(client, seller)
    url = reverse("shop:checkout", args=[seller.slug])
    first = client.post(url, fields)
    second = client.post(url, fields)
    order = Order.objects.get()
    assert first.url == second.url == order.get_absolute_url()
    assert SimulatedCharge.objects.count() == 1
    assert Payment.objects.count() == 1


def test_stock_running_out_shows_a_clear_message_and_charges_nothing(client, shopper, seller, mug):
    CardFactory(owner=shopper)
    client.force_login(shopper)
    response, fields = _open_order_page(client, seller)
    Product.objects.filter(pk=mug.pk).update(stock=1)

    response = client.post(reverse("shop:checkout", args=[seller.slug]), fields)

    assert response.status_code == 200
    assert "Only 1 left of Stoneware Mug." in response.content.decode()
    assert Order.objects.count() == 0
    assert SimulatedCharge.objects.count() == 0
    assert CartLine.objects.get(cart__user=shopper).quantity == 2


def test_another_users_card_id_is_refused_with_no_side_effects(client, shopper, seller, mug):
    stranger_card = CardFactory(owner=UserFactory())
    client.force_login(shopper)
    response, fields = _open_order_page(client, seller)
    fields["payment"] = f"card-{stranger_card.pk}"
    response = client.post(reverse("shop:checkout", args=[seller.slug]), fields)
    assert response.status_code == 200
    assert "Choose a way of payment." in response.content.decode()
    assert Order.objects.count() == 0
    assert Payment.objects.count() == 0
    assert Product.objects.get(pk=mug.pk).stock == 5


def test_another_users_address_id_is_refused(client, shopper, seller):
    stranger_address = AddressFactory()
    client.force_login(shopper)
    response, fields = _open_order_page(client, seller)
    fields["address"] = str(stranger_address.pk)
    response = client.post(reverse("shop:checkout", args=[seller.slug]), fields)
    assert "Choose where to ship the order." in response.content.decode()
    assert Order.objects.count() == 0


def test_another_sellers_slug_orders_nothing(client, shopper, seller):
    other = SellerFactory(slug="tokyo-tea")
    client.force_login(shopper)
    response, fields = _open_order_page(client, seller)
    response = client.post(reverse("shop:checkout", args=[other.slug]), fields)
    assert response.status_code == 302
    assert response.url == reverse("shop:cart")
    assert Order.objects.count() == 0
    assert CartLine.objects.filter(cart__user=shopper).count() == 1


@pytest.mark.parametrize("tampered", ["-1", "0", "99"])
def test_a_tampered_quantity_is_refused_with_no_side_effects(
    client, shopper, seller, mug, tampered
):
    client.force_login(shopper)
    response, fields = _open_order_page(client, seller)
    fields["lines"] = f"{mug.pk}:{tampered}:{mug.price}"
    response = client.post(reverse("shop:checkout", args=[seller.slug]), fields)
    assert response.status_code == 200
    assert "Your cart changed since this page was shown" in response.content.decode()
    assert Order.objects.count() == 0
    assert Product.objects.get(pk=mug.pk).stock == 5


def test_a_bad_token_is_refused(client, shopper, seller):
    client.force_login(shopper)
    response, fields = _open_order_page(client, seller)
    fields["token"] = "<script>"
    response = client.post(reverse("shop:checkout", args=[seller.slug]), fields)
    assert response.status_code == 200
    assert "This page is out of date" in response.content.decode()
    assert Order.objects.count() == 0


def test_a_form_without_what_the_page_showed_is_refused(client, shopper, seller, mug):
    client.force_login(shopper)
    _response, fields = _open_order_page(client, seller)
    del fields["lines"]
    response = client.post(reverse("shop:checkout", args=[seller.slug]), fields)
    assert response.status_code == 200
    assert "This page is out of date" in response.content.decode()
    assert Order.objects.count() == 0
    assert Product.objects.get(pk=mug.pk).stock == 5


def test_the_page_shown_again_after_a_bad_token_can_be_submitted(client, shopper, seller):
    CardFactory(owner=shopper)
    client.force_login(shopper)
    _response, fields = _open_order_page(client, seller)
    response = client.post(
        reverse("shop:checkout", args=[seller.slug]), {**fields, "token": "<script>"}
    )
    assert "This page is out of date" in response.content.decode()
    again = _page_fields(response.content.decode())
    assert re.fullmatch(r"[0-9a-f]{32}", again["token"]) and again["lines"] == fields["lines"]

    response = client.post(reverse("shop:checkout", args=[seller.slug]), again)

    assert Order.objects.get().status == OrderStatus.PAID
    assert SimulatedCharge.objects.count() == 1


def test_a_new_address_typed_inline_is_used_and_saved(client, shopper, seller):
    client.force_login(shopper)
    _response, fields = _open_order_page(client, seller)
    fields.update(
        {
            "address": "new",
            "shipping-full_name": "Grace Hopper",
            "shipping-line1": "7 Navy Yard",
            "shipping-city": "Arlington",
            "shipping-region": "VA",
            "shipping-postal_code": "22201",
            "shipping-country": "US",
        }
    )
    client.post(reverse("shop:checkout", args=[seller.slug]), fields)
    order = Order.objects.get()
    assert order.shipping_address.full_name == "Grace Hopper"
    assert shopper.addresses.count() == 2


def test_a_missing_new_address_field_shows_the_error(client, shopper, seller):
    client.force_login(shopper)
    response, fields = _open_order_page(client, seller)
    fields.update({"address": "new", "shipping-full_name": "Grace Hopper"})
    response = client.post(reverse("shop:checkout", args=[seller.slug]), fields)
    assert response.status_code == 200
    assert response.context["address_form"].has_error("line1", "required")
    assert Order.objects.count() == 0


def test_an_empty_cart_sends_the_shopper_back_to_the_cart(user_client, seller):
    response = user_client.get(reverse("shop:checkout", args=[seller.slug]))
    assert response.status_code == 302
    assert response.url == reverse("shop:cart")


def test_a_seller_with_nothing_in_the_cart_is_named_on_the_cart_page(client, shopper, seller):
    other = SellerFactory(name="Tokyo <Tea>", slug="tokyo-tea")
    client.force_login(shopper)

    response = client.get(reverse("shop:checkout", args=[other.slug]), follow=True)

    assert response.redirect_chain == [(reverse("shop:cart"), 302)]
    assert _messages(response) == ["There is nothing from Tokyo <Tea> in your cart."]
    assert "Tokyo &lt;Tea&gt;" in response.content.decode()


def test_back_to_the_order_page_after_paying_leads_to_the_order_placed(
    client, shopper, seller, settings
):
    CardFactory(owner=shopper)
    client.force_login(shopper)
    url = reverse("shop:checkout", args=[seller.slug])
    _response, fields = _open_order_page(client, seller)
    paid = client.post(url, fields, follow=True)
    order = Order.objects.get()
    assert _messages(paid) == [f"Thank you! Order {order.number} is paid."]

    back = client.get(url, follow=True)

    assert back.redirect_chain == [(order.get_absolute_url(), 302)]
    assert _messages(back) == [
        f"You ordered from Nordic Home: here is order {order.number}. Nothing more from them "
        "is in your cart."
    ]
    # Later than an order may wait for payment, the page is only empty again.
    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        later = client.get(url, follow=True)
    assert later.redirect_chain == [(reverse("shop:cart"), 302)]
    assert _messages(later) == ["There is nothing from Nordic Home in your cart."]


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_unknown_seller_is_a_404(client, shopper, method):
    client.force_login(shopper)

    response = getattr(client, method)(reverse("shop:checkout", args=["no-such-seller"]))

    assert response.status_code == 404
    assert Order.objects.count() == 0


def test_the_order_page_needs_login_and_the_login_page_says_why(client, seller):
    url = reverse("shop:checkout", args=[seller.slug])

    response = client.get(url, follow=True)

    assert response.redirect_chain == [(f"{reverse('accounts:login')}?next={url}", 302)]
    assert [str(m) for m in response.context["messages"]] == [
        "Log in to place your order: your cart comes with you, and the order page follows."
    ]


def test_a_step_up_card_at_checkout_goes_to_the_bank_challenge(client, shopper, seller):
    CardFactory(owner=shopper, number="4000002500003155")
    client.force_login(shopper)
    response, fields = _open_order_page(client, seller)
    response = client.post(reverse("shop:checkout", args=[seller.slug]), fields)
    order = Order.objects.get()
    assert response.url == reverse("shop:order-authenticate", args=[order.number])
    page = client.get(response.url).content.decode()
    assert "Approve" in page and "Fail" in page

    response = client.post(response.url, {"decision": "approve"})
    assert response.url == order.get_absolute_url()
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("4000000000009995", "Your card has insufficient funds. Please use another card."),
        ("4000000000000341", "Your card was declined. Please use another card or way of paying."),
    ],
)
def test_a_declined_saved_card_lands_on_the_payment_page_with_the_reason(
    client, shopper, seller, mug, number, message
):
    card = CardFactory(owner=shopper, number=number)
    client.force_login(shopper)
    response, fields = _open_order_page(client, seller)
    response = client.post(reverse("shop:checkout", args=[seller.slug]), fields)
    order = Order.objects.get()
    assert response.url == reverse("shop:order-pay", args=[order.number])
    page = client.get(response.url)
    assert message in _messages(page)
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert Product.objects.get(pk=mug.pk).stock == 3
    # The shopper tries another way on the same page: the declined card stays linked.
    assert f'value="card-{card.pk}"' in page.content.decode()
    assert 'value="bank_transfer"' in page.content.decode()


def test_a_step_up_failed_at_checkout_keeps_the_order_waiting_for_another_way(
    client, shopper, seller, mug
):
    CardFactory(owner=shopper, number="4000002500003155")
    client.force_login(shopper)
    response, fields = _open_order_page(client, seller)
    response = client.post(reverse("shop:checkout", args=[seller.slug]), fields)
    order = Order.objects.get()

    response = client.post(response.url, {"decision": "fail"})

    assert response.url == reverse("shop:order-pay", args=[order.number])
    page = client.get(response.url)
    assert any("Your bank could not confirm this payment." in m for m in _messages(page))
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert Product.objects.get(pk=mug.pk).stock == 3
    assert not Payment.objects.filter(status="succeeded").exists()
