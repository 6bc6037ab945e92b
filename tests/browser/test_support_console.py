"""The support console in a real browser, signed in as a Support-group agent (not a
superuser): one test per case support met in issue 14, each closed from the order page,
plus axe at 1280 and 768 px and the dashboard's charts and alarm after a burst of
declines."""

import re
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect

from shop.services import order_pay, order_pay_with_saved_card
from support.permissions import SUPPORT_GROUP
from tests.factories import (
    DEFAULT_PASSWORD,
    CardFactory,
    ProductFactory,
    SellerFactory,
    UserFactory,
    WalletAccountFactory,
    card_data,
    declined_card_burst,
    order_placed,
)
from wallet.exceptions import GatewayUnavailable, PaymentDeclined
from wallet.models import Payment

pytestmark = pytest.mark.django_db(transaction=True)

# The admin pages support uses, checked with axe at both widths.
AXE_WIDTHS = (1280, 768)


@pytest.fixture
def support_agent():
    agent = UserFactory(email="support@example.com", full_name="Sky Support", is_staff=True)
    agent.groups.add(Group.objects.get(name=SUPPORT_GROUP))
    return agent


@pytest.fixture
def shopper():
    ada = UserFactory(email="ada@example.com", full_name="Ada Lovelace")
    WalletAccountFactory(user=ada, confirmed_at=timezone.now())
    return ada


@pytest.fixture
def seller():
    return SellerFactory(name="Harbour Pottery", shipping_fee=Decimal("0.00"))


def _placed(shopper, seller, *, title="Stoneware Teapot", price="30.50"):
    product = ProductFactory(seller=seller, title=title, price=Decimal(price), stock=5)
    return order_placed(user=shopper, product=product)


def _paid(shopper, seller, **kwargs):
    """Paid with the shopper's saved Visa (no card attempt counted: it is on file)."""
    order = _placed(shopper, seller, **kwargs)
    card = shopper.cards.first() or CardFactory(owner=shopper)
    return order_pay_with_saved_card(order=order, card=card, idempotency_key=uuid.uuid4().hex)


def _declined(shopper, seller, number="4000000000009995", **kwargs):
    order = _placed(shopper, seller, **kwargs)
    with pytest.raises(PaymentDeclined):
        order_pay(
            order=order,
            method="new_card",
            card_data=card_data(number),
            idempotency_key=uuid.uuid4().hex,
        )
    return order


def _lost_answer(shopper, seller, settings, **kwargs):
    """A saved-card charge the processor took whose answer was lost, a minute ago."""
    order = _placed(shopper, seller, **kwargs)
    card = CardFactory(owner=shopper)
    settings.SIMULATED_GATEWAY_FAULT = "timeout"
    with pytest.raises(GatewayUnavailable):
        order_pay_with_saved_card(order=order, card=card, idempotency_key=uuid.uuid4().hex)
    settings.SIMULATED_GATEWAY_FAULT = ""
    Payment.objects.filter(reference=order.number).update(
        updated_at=timezone.now() - timedelta(minutes=1)
    )
    return order


def _transfer(shopper, seller, **kwargs):
    order = _placed(shopper, seller, **kwargs)
    return order_pay(order=order, method="bank_transfer", idempotency_key=uuid.uuid4().hex)


def _admin_login(page, email="support@example.com"):
    page.goto("/admin/")
    page.locator("#id_username").fill(email)
    page.locator("#id_password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Support dashboard")).to_be_visible()


def _open_order(page, number):
    page.goto("/admin/shop/order/")
    page.locator("#searchbar").fill(number)
    page.locator("#searchbar").press("Enter")
    page.get_by_role("link", name=number, exact=True).click()
    expect(page.locator("#bz-money")).to_be_visible()


def _action(page, label):
    page.locator("#bz-order-actions").get_by_role("link", name=label, exact=True).click()
    form = page.get_by_role("form", name=label)
    expect(form).to_be_visible()
    return form


def _review(page, label):
    page.get_by_role("button", name="Review").click()
    confirm = page.get_by_role("form", name=f"Confirm {label}")
    expect(confirm).to_be_visible()
    return confirm


def _message(page):
    return page.locator(".messagelist")


def _axe_serious(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page).response["violations"]
    return [
        f"{v['id']}: {[n['target'] for n in v['nodes'][:4]]}"
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]


# ------------------------------------------------ "I was charged but my order waits"


def test_charged_but_waiting_a_lost_answer_charge_becomes_a_paid_order(
    page, screenshot, settings, support_agent, shopper, seller
):
    waiting = [
        _declined(shopper, seller, title="Oak Lamp"),
        _transfer(shopper, seller, title="Wool Throw"),
        _placed(shopper, seller, title="Linen Apron"),
    ]
    lost = _lost_answer(shopper, seller, settings, title="Clay Mug")

    _admin_login(page)
    awaiting = page.locator("#bz-awaiting")
    expect(awaiting).to_contain_text(lost.number)
    expect(awaiting).to_contain_text("Answer lost: Check with processor")
    screenshot(page, "dashboard")

    page.goto("/admin/shop/order/")
    page.locator("#searchbar").fill("ada@example.com")
    page.locator("#searchbar").press("Enter")
    rows = page.locator("#result_list tbody tr")
    expect(rows.filter(has_text=waiting[0].number)).to_contain_text("Declined: insufficient funds")
    expect(rows.filter(has_text=waiting[1].number)).to_contain_text(
        "Waiting for the customer's bank transfer"
    )
    expect(rows.filter(has_text=waiting[2].number)).to_contain_text("No payment yet")
    expect(rows.filter(has_text=lost.number)).to_contain_text("the processor's answer was lost")
    screenshot(page, "orders-of-the-customer")

    awaiting_link = f"/admin/shop/order/by-number/{lost.number}/"
    page.goto("/admin/")
    page.locator("#bz-awaiting").get_by_role("link", name=lost.number).click()
    assert page.url.endswith(f"/admin/shop/order/{lost.pk}/change/"), awaiting_link
    money = page.locator("#bz-money")
    expect(money).to_contain_text("Waiting for payment")
    expect(money).to_contain_text("Visa •••• 4242 · Processing — the processor's answer was lost")
    screenshot(page, "order-lost-answer")

    form = _action(page, "Check with processor")
    expect(page.locator("#bz-action-explanation")).to_contain_text("$30.50")
    form.get_by_role("button", name="Check with processor").click()

    expect(_message(page)).to_contain_text(
        f"The $30.50 charge on Visa •••• 4242 went through: {lost.number} is paid."
    )
    expect(page.locator("#bz-money")).to_contain_text("Paid")
    expect(page.locator("#bz-audit")).to_contain_text("Check with processor")
    expect(page.locator("#bz-audit")).to_contain_text("now paid")
    screenshot(page, "order-paid-after-check")


# ------------------------------------------------------- cancelling for a customer


def test_cancelling_an_order_with_a_lost_answer_says_the_charge_is_found_and_refunded(
    page, screenshot, settings, support_agent, shopper, seller
):
    order = _lost_answer(shopper, seller, settings)

    _admin_login(page)
    _open_order(page, order.number)
    cancel = _action(page, "Cancel order")
    expect(page.locator("#bz-action-explanation")).to_contain_text(
        "Cancelling asks the processor first"
    )
    cancel.get_by_label("Internal note").fill("Customer called: ordered twice")
    cancel.get_by_label("Message to the customer (optional)").fill("Cancelled as you asked.")
    confirm = _review(page, "Cancel order")
    effects = page.locator("#bz-effects")
    expect(effects).to_contain_text("A $30.50 charge on Visa •••• 4242 was found")
    expect(effects).to_contain_text("It will be refunded in full.")
    expect(effects).to_contain_text('The customer reads on their order page: "Cancelled as you')
    screenshot(page, "cancel-confirmation")
    confirm.get_by_role("button", name="Cancel order", exact=True).click()

    expect(_message(page)).to_contain_text(
        f"{order.number} is cancelled: $30.50 refunded to Visa •••• 4242."
    )
    audit = page.locator("#bz-audit")
    expect(audit).to_contain_text("its payment of $30.50 is refunded in full")
    expect(audit).to_contain_text("Customer called: ordered twice")
    expect(page.locator("#bz-money")).to_contain_text("Cancelled")
    screenshot(page, "cancelled")


# ------------------------------------------------------------------ partial refund


def test_a_partial_refund_separates_the_customer_message_from_the_internal_note(
    page, screenshot, support_agent, shopper, seller
):
    order = _paid(shopper, seller, price="40.00")

    _admin_login(page)
    _open_order(page, order.number)
    refund = _action(page, "Refund")
    expect(refund).to_contain_text("Shown word for word on the customer's order page")
    refund.get_by_label("Amount (USD)").fill("15.00")
    refund.get_by_label("Message to the customer").fill("Lid arrived chipped")
    refund.get_by_label("Internal note (optional)").fill("Photo in ticket 4411")
    confirm = _review(page, "Refund")
    effects = page.locator("#bz-effects")
    expect(effects).to_contain_text("$15.00 goes back to Visa •••• 4242.")
    expect(effects).to_contain_text("$25.00 stays refundable; the order stays Paid.")
    screenshot(page, "refund-confirmation")
    confirm.get_by_role("button", name="Refund", exact=True).click()

    expect(_message(page)).to_contain_text(
        f"Refunded $15.00 on {order.number}; $25.00 left to refund."
    )
    audit = page.locator("#bz-audit")
    expect(audit).to_contain_text("Photo in ticket 4411")
    expect(audit).to_contain_text('The customer reads: "Lid arrived chipped"')

    page.get_by_role("link", name="View on site").click()
    expect(page.locator("#bz-staff-preview")).to_contain_text(order.number)
    preview = page.locator(".bz-staff-preview")
    expect(preview).to_contain_text("Lid arrived chipped")
    expect(preview).not_to_contain_text("Photo in ticket 4411")
    screenshot(page, "customer-view-after-refund")


# ---------------------------------------------------- seeing what the customer sees


def test_view_on_site_shows_the_customer_page_and_activity_read_only(
    page, screenshot, support_agent, shopper, seller
):
    order = _declined(shopper, seller)

    _admin_login(page)
    _open_order(page, order.number)
    page.get_by_role("link", name="View on site").click()
    banner = page.locator("#bz-staff-preview")
    expect(banner).to_contain_text(f"order {order.number} as ada@example.com sees it")
    expect(page.locator(".bz-staff-preview")).to_contain_text(order.number)
    assert page.locator(".bz-staff-preview").get_attribute("inert") is not None
    screenshot(page, "customer-order-view")

    banner.get_by_role("link", name="Back to the order in the admin").click()
    expect(page.locator("#bz-money")).to_be_visible()
    page.locator(".field-customer_link").get_by_role("link").click()
    page.get_by_role("link", name="Payment activity as the customer sees it").click()
    expect(page.locator("#bz-staff-preview")).to_contain_text("ada@example.com")
    screenshot(page, "customer-activity-view")


# --------------------------------------------------------------------- navigation


def test_links_go_to_the_thing(page, screenshot, support_agent, shopper, seller):
    orders = [_paid(shopper, seller, title=f"Bowl {n}") for n in range(6)]
    declined = _declined(shopper, seller, title="Vase")
    payment = Payment.objects.get(reference=declined.number)

    _admin_login(page)
    page.goto(f"/admin/wallet/payment/{payment.pk}/change/")
    expect(page.locator("#content h2").first).to_contain_text(f"{declined.number} · Visa •••• 9995")
    page.locator(".field-order_link").get_by_role("link", name=declined.number).click()
    expect(page.locator("#bz-money")).to_contain_text("Declined: insufficient funds")

    page.locator(".field-seller_link").get_by_role("link", name="Harbour Pottery").click()
    expect(page.locator("#result_list tbody tr")).to_have_count(7)

    page.goto("/admin/shop/order/?q=Harbour")
    expect(page.locator("#result_list tbody tr")).to_have_count(7)
    page.goto("/admin/shop/order/?q=9995")
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    expect(page.locator("#result_list")).to_contain_text(declined.number)

    page.goto(f"/admin/accounts/user/{shopper.pk}/change/")
    recent = page.locator(".bz-recent-orders")
    expect(recent.locator("tbody tr")).to_have_count(5)
    expect(recent).to_contain_text(declined.number)
    expect(recent).not_to_contain_text(orders[0].number)
    screenshot(page, "customer-page")
    recent.get_by_role("link", name=declined.number).click()
    expect(page.locator("#bz-money")).to_be_visible()


# ------------------------------------------------------------------------- labels


def test_labels_are_words_not_codes(page, screenshot, support_agent, shopper, seller):
    retried = _declined(shopper, seller, title="Oak Lamp")
    order_pay(
        order=retried,
        method="new_card",
        card_data=card_data("4242424242424242"),
        idempotency_key=uuid.uuid4().hex,
    )
    _declined(shopper, seller, number="4000000000009979", title="Wool Throw")

    _admin_login(page)
    failed = page.locator("#bz-failed")
    expect(failed).to_contain_text("Declined: insufficient funds")
    expect(failed).to_contain_text("Declined: card reported stolen")
    expect(failed.locator("tr").filter(has_text=retried.number)).to_contain_text("paid later")
    body = page.locator("body")
    for code in ("insufficient_funds", "stolen_card", "requires_action", "pending_payment"):
        expect(body).not_to_contain_text(code)

    page.goto("/admin/wallet/payment/")
    expect(page.locator("#changelist-filter")).to_contain_text("Card reported stolen")
    expect(page.locator("#result_list")).to_contain_text("Declined")
    expect(page.locator("#result_list")).not_to_contain_text("Failed")
    page.goto("/admin/wallet/refund/")
    expect(page.locator("body")).not_to_contain_text("decline code")
    _open_order(page, retried.number)
    dates = page.locator("#bz-payments tbody td:first-child")
    expect(dates.first).to_have_text(re.compile(r"^\d{1,2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}$"))
    expect(page.locator(".field-created_when .readonly")).to_have_text(
        re.compile(r"^\d{1,2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}$")
    )
    screenshot(page, "labels")


# ------------------------------------------------------------------------- widths


def _overflow(page, selector="#changelist .results") -> int:
    return page.evaluate(
        f"() => {{ const r = document.querySelector('{selector}');"
        " return r.scrollWidth - r.clientWidth; }"
    )


def _in_view(page, locator) -> bool:
    box = locator.bounding_box()
    width = page.viewport_size["width"]
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width


def test_the_lists_work_on_a_tablet_with_folded_filters(
    page, screenshot, support_agent, shopper, seller
):
    for n in range(3):
        _paid(shopper, seller, title=f"Mug {n}")
    _declined(shopper, seller)
    long_email = UserFactory(email="maximilian.featherstonehaugh@correspondence.example.com")
    _transfer(long_email, seller, title="Brass Bell")

    _admin_login(page)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/admin/shop/order/")
    number = page.locator("#result_list tbody th.field-number a").first
    assert number.evaluate("a => a.getClientRects().length") == 1  # never on two lines
    screenshot(page, "orders-1280")

    for width in (1024, 768):
        page.set_viewport_size({"width": width, "height": 900})
        for url, columns in (
            ("/admin/shop/order/", ("total_column", "status_badge", "created_column")),
            ("/admin/wallet/payment/", ("amount_column", "status_badge", "created")),
        ):
            page.goto(url)
            toggle = page.get_by_role("button", name=re.compile("^Filters"))
            expect(toggle).to_be_visible()
            expect(page.locator("#changelist-filter")).to_be_hidden()
            for column in columns:
                header = page.locator(f"#result_list thead th.column-{column}")
                assert _in_view(page, header), (width, url, column)
            assert _overflow(page) == 0, (width, url)
            screenshot(page, f"{url.strip('/').replace('/', '-')}-{width}")
            toggle.click()
            expect(page.locator("#changelist-filter")).to_be_visible()
            filter_box = page.locator("#changelist-filter").bounding_box()
            results_box = page.locator("#result_list").bounding_box()
            assert filter_box["y"] < results_box["y"]  # above the list
            screenshot(page, f"{url.strip('/').replace('/', '-')}-{width}-filters-open")

    page.set_viewport_size({"width": 768, "height": 900})
    page.goto("/admin/shop/order/")
    page.locator("#result_list tbody th.field-number a").first.click()
    expect(page.locator("#nav-sidebar")).to_be_hidden()
    screenshot(page, "order-page-768")


ON_TOP_JS = """el => {
  el.scrollIntoView({block: 'center'});
  const r = el.getBoundingClientRect();
  return el.contains(document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2));
}"""


def test_the_dashboard_reads_from_a_phone_to_a_laptop(
    page, screenshot, support_agent, shopper, seller
):
    """Nothing lies over the dashboard's figures at any width (Recent actions once covered
    them below 1025 px), and a phone never scrolls sideways ("$21.50 (far above)" wraps)."""
    _paid(shopper, seller)
    _admin_login(page)
    for width in (390, 800, 1024, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto("/admin/")
        for selector in ("#bz-charts-title", "#bz-today", "#bz-orders-today h2"):
            assert page.locator(selector).evaluate(ON_TOP_JS), (width, selector)
        assert page.evaluate("() => document.scrollingElement.scrollWidth") <= width
        if width <= 1024:  # Recent actions: below the dashboard, across its width
            main = page.locator("#content-main").bounding_box()
            recent = page.locator("#content-related").bounding_box()
            assert recent["y"] >= main["y"] + main["height"] - 1, width
            assert abs(recent["width"] - main["width"]) <= 1, width
        screenshot(page, f"dashboard-{width}")
    page.set_viewport_size({"width": 390, "height": 900})
    page.goto("/admin/shop/")  # an app's page shows the charts too
    assert page.locator("#bz-today").evaluate(ON_TOP_JS)
    assert page.evaluate("() => document.scrollingElement.scrollWidth") <= 390


# ----------------------------------------------------------------------- refusals


def test_a_refusal_is_a_themed_page_with_a_way_back(page, screenshot, support_agent):
    _admin_login(page)
    page.goto("/admin/auth/group/")
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    expect(page.locator("#site-name")).to_contain_text("Bazaar support")
    screenshot(page, "forbidden")
    page.get_by_role("link", name="Support dashboard").last.click()
    expect(page.get_by_role("heading", name="Support dashboard")).to_be_visible()


# ---------------------------------------------------------- dashboard and alarm


def test_a_burst_of_declines_shows_on_the_charts_and_raises_the_alarm(
    page, screenshot, support_agent, shopper, seller
):
    _paid(shopper, seller)
    _admin_login(page)
    expect(page.locator("#bz-charts img")).to_have_count(5)
    expect(page.locator("#bz-alarm")).to_have_count(0)

    testers = declined_card_burst(product=ProductFactory(seller=seller, stock=50))
    page.reload()
    alarm = page.locator("#bz-alarm")
    expect(alarm).to_contain_text("15 card attempts were declined in the last hour")
    for tester in testers:
        expect(alarm).to_contain_text(tester.email)
    declines_today = page.locator("#bz-today tr").filter(has_text="Declines")
    expect(declines_today).to_contain_text("15")
    expect(declines_today).to_contain_text("far above")
    for img in page.locator("#bz-charts img").all():
        assert img.evaluate("i => i.complete && i.naturalWidth > 0")
    screenshot(page, "dashboard-alarm")

    alarm.get_by_role("link", name="Security events").first.click()
    expect(page.locator("#result_list")).to_contain_text("card.attempt")
    page.goto("/admin/")
    page.locator("#bz-alarm").get_by_role("link", name="Lock account").first.click()
    page.get_by_label("Reason").fill("Card testing: 5 declines in a minute")
    page.get_by_role("button", name="Lock account").click()
    expect(_message(page)).to_contain_text("is locked")
    page.goto("/admin/")
    expect(page.locator("#bz-alarm")).to_contain_text("locked")


# ------------------------------------------------------------------------- axe


@pytest.fixture
def axe_page(browser, live_server):
    """A page for axe alone: axe's own checks set inline styles, which our CSP refuses,
    so this context bypasses CSP (every other test here checks the CSP holds)."""
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}, bypass_csp=True
    )
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def test_the_admin_pages_support_uses_pass_axe_at_1280_and_768(
    axe_page, support_agent, shopper, seller
):
    page = axe_page
    paid = _paid(shopper, seller)
    _declined(shopper, seller)
    payment = Payment.objects.get(reference=paid.number)
    _admin_login(page)
    pages = [
        "/admin/",
        "/admin/shop/order/",
        f"/admin/shop/order/{paid.pk}/change/",
        f"/admin/shop/order/{paid.pk}/actions/refund/",
        f"/admin/shop/order/{paid.pk}/actions/cancel/",
        f"/admin/shop/order/{paid.pk}/customer-view/",
        "/admin/wallet/payment/",
        f"/admin/wallet/payment/{payment.pk}/change/",
        "/admin/wallet/refund/",
        f"/admin/accounts/user/{shopper.pk}/change/",
        f"/admin/accounts/user/{shopper.pk}/lock/",
        "/admin/core/auditentry/",
        "/admin/core/securityevent/",
        "/admin/auth/group/",
    ]
    found = {}
    for width in AXE_WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        for url in pages:
            page.goto(url)
            problems = _axe_serious(page)
            if problems:
                found[(width, url)] = problems
        # The confirmation page of a refund, reached by its form.
        page.goto(f"/admin/shop/order/{paid.pk}/actions/refund/")
        page.get_by_label("Amount (USD)").fill("1.00")
        page.get_by_label("Message to the customer").fill("Goodwill")
        _review(page, "Refund")  # axe runs on the confirmation, not mid-navigation
        problems = _axe_serious(page)
        if problems:
            found[(width, "refund confirmation")] = problems
    assert found == {}, "\n".join(f"{key}: {value}" for key, value in found.items())
