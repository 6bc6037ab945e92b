"""The wallet in the admin: masked cards with a Disable card action, a read-only ledger."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.models import AuditAction, AuditEntry
from tests.factories import CardFactory, UserFactory, card_data
from wallet.exceptions import PaymentDeclined
from wallet.models import Card, Payment, Refund, WalletEvent
from wallet.selectors import card_list_for_user
from wallet.services import (
    payment_charge_card,
    payment_charge_new_card,
    payment_refund,
    payment_start_bank_transfer,
)

pytestmark = pytest.mark.django_db


def charge(user, number="4242424242424242", *, reference, amount="30.00"):
    return payment_charge_new_card(
        user=user,
        card_data=card_data(number),
        amount=Decimal(amount),
        currency="USD",
        reference=reference,
        idempotency_key=f"key-{reference}-{number}",
    )


def declined(user, number, *, reference):
    with pytest.raises(PaymentDeclined) as info:
        charge(user, number, reference=reference)
    return info.value.payment


# ---------------------------------------------------------------------------- cards
def test_card_list_and_page_show_only_the_masked_card(support_client):
    card = CardFactory(owner=UserFactory(email="owner@example.com"), number="5555555555554444")

    listing = support_client.get(reverse("admin:wallet_card_changelist"))
    page = support_client.get(reverse("admin:wallet_card_change", args=[card.pk]))

    for response in (listing, page):
        html = response.content.decode()
        assert response.status_code == 200
        assert "Mastercard •••• 4444" in html
        assert "owner@example.com" in html
        assert card.expiry_display in html
        assert "5555555555554444" not in html and "5555 5555 5555 4444" not in html
    page_html = page.content.decode()
    assert card.gateway_token not in page_html
    assert card.fingerprint not in page_html
    assert "Disable card" in page_html


def test_cards_are_read_only_for_everyone(support_client, superuser_client):
    card = CardFactory()
    for client in (support_client, superuser_client):
        assert client.get(reverse("admin:wallet_card_add")).status_code == 403
        change = reverse("admin:wallet_card_change", args=[card.pk])
        assert client.post(change, {"last4": "0000"}).status_code == 403
        delete = reverse("admin:wallet_card_delete", args=[card.pk])
        assert client.post(delete, {"post": "yes"}).status_code == 403
    assert Card.objects.get(pk=card.pk).last4 == "4242"


def test_disable_card_asks_for_a_reason_then_disables_notifies_and_audits(
    support_client, support_user, on_commit, outbox
):
    owner = UserFactory(email="victim@example.com")
    card = CardFactory(owner=owner, make_default=True)
    other = CardFactory(owner=owner, number="5555555555554444")
    outbox.clear()
    url = reverse("admin:wallet_card_disable", args=[card.pk])

    form = support_client.get(url)
    missing = support_client.post(url, {"reason": " "})
    with on_commit():
        done = support_client.post(url, {"reason": "Reported stolen by phone"}, follow=True)

    assert form.status_code == 200 and "Visa •••• 4242" in form.content.decode()
    assert missing.status_code == 200
    assert missing.context["form"].has_error("reason", code="required")
    card.refresh_from_db()
    assert card.disabled_at is not None and card.disabled_by == support_user
    assert card.disabled_reason == "Reported stolen by phone"
    assert list(card_list_for_user(user=owner)) == [other]
    assert [m.to for m in outbox] == [["victim@example.com"]]
    assert "4242" in outbox[0].body
    entry = AuditEntry.objects.get(action=AuditAction.CARD_DISABLE)
    assert entry.reason == "Reported stolen by phone" and entry.actor == support_user
    assert "is disabled; the owner was notified" in str(next(iter(done.context["messages"])))
    assert WalletEvent.objects.filter(kind="card_disabled", actor=support_user).exists()


def test_disable_card_refuses_a_card_number_in_the_reason(support_client):
    card = CardFactory()

    response = support_client.post(
        reverse("admin:wallet_card_disable", args=[card.pk]),
        {"reason": "Number is 4000 0000 0000 0002"},
    )

    assert response.context["form"].has_error("reason", code="card_number")
    assert Card.objects.get(pk=card.pk).disabled_at is None
    assert "4000 0000 0000 0002" not in response.content.decode()


def test_disable_card_list_action_needs_one_reason_for_all_selected(support_client):
    cards = [CardFactory(), CardFactory()]
    url = reverse("admin:wallet_card_changelist")
    selected = {"action": "disable_cards", "_selected_action": [c.pk for c in cards]}

    ask = support_client.post(url, selected)
    done = support_client.post(url, {**selected, "apply": "1", "reason": "Fraud ring"})

    assert ask.status_code == 200 and "Fraud ring" not in ask.content.decode()
    assert done.status_code == 302
    assert Card.objects.filter(disabled_at__isnull=False).count() == 2
    assert AuditEntry.objects.filter(action=AuditAction.CARD_DISABLE).count() == 2


def test_staff_without_the_disable_permission_cannot_disable(client):
    from django.contrib.auth.models import Permission

    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_card"))
    client.force_login(viewer)
    card = CardFactory()

    response = client.post(reverse("admin:wallet_card_disable", args=[card.pk]), {"reason": "x"})
    page = client.get(reverse("admin:wallet_card_change", args=[card.pk]))

    assert response.status_code == 403
    assert "Disable card" not in page.content.decode()
    assert Card.objects.get(pk=card.pk).disabled_at is None


def test_card_search_by_owner_email_and_last4(support_client):
    mine = CardFactory(owner=UserFactory(email="mine@example.com"), number="5555555555554444")
    CardFactory(owner=UserFactory(email="theirs@example.com"))
    url = reverse("admin:wallet_card_changelist")

    by_email = support_client.get(url, {"q": "mine@"}).context["cl"].result_list
    by_last4 = support_client.get(url, {"q": "4444"}).context["cl"].result_list

    assert list(by_email) == [mine]
    assert list(by_last4) == [mine]


# ------------------------------------------------------------------ payments ledger
def test_payment_ledger_is_read_only_even_for_superusers(superuser_client, user):
    payment = charge(user, reference="BZ-000501")
    refund = payment_refund(payment=payment, amount=Decimal("5"), reason="Part")
    for name, obj in [("payment", payment), ("refund", refund)]:
        assert superuser_client.get(reverse(f"admin:wallet_{name}_add")).status_code == 403
        change = reverse(f"admin:wallet_{name}_change", args=[obj.pk])
        page = superuser_client.get(change)
        assert page.status_code == 200
        assert 'name="amount"' not in page.content.decode()
        assert superuser_client.post(change, {"amount": "1.00"}).status_code == 403
        delete = reverse(f"admin:wallet_{name}_delete", args=[obj.pk])
        assert superuser_client.post(delete, {"post": "yes"}).status_code == 403
    assert Payment.objects.get().amount == Decimal("30.00")
    assert Refund.objects.get().amount == Decimal("5.00")


def test_support_cannot_delete_payments(support_client, user):
    payment = charge(user, reference="BZ-000502")

    response = support_client.post(
        reverse("admin:wallet_payment_delete", args=[payment.pk]), {"post": "yes"}
    )

    assert response.status_code == 403
    assert Payment.objects.filter(pk=payment.pk).exists()


@pytest.mark.parametrize("field", ["reference", "email", "last4", "gateway_id"])
def test_payment_search_by_order_number_email_last4_and_gateway_id(support_client, field):
    wanted = charge(
        UserFactory(email="wanted@example.com"), "5555555555554444", reference="BZ-000777"
    )
    charge(UserFactory(email="else@example.com"), reference="BZ-000778")
    term = {
        "reference": "BZ-000777",
        "email": "wanted@example",
        "last4": "4444",
        "gateway_id": wanted.gateway_charge_id,
    }[field]

    response = support_client.get(reverse("admin:wallet_payment_changelist"), {"q": term})

    assert list(response.context["cl"].result_list) == [wanted]


def test_payment_filters_by_status_method_and_decline_code(support_client, user):
    ok = charge(user, reference="BZ-000801")
    funds = declined(user, "4000000000009995", reference="BZ-000802")
    transfer = payment_start_bank_transfer(
        user=user, amount=Decimal("9"), currency="USD", reference="BZ-000803", idempotency_key="t"
    )
    url = reverse("admin:wallet_payment_changelist")

    def found(params):
        return set(support_client.get(url, params).context["cl"].result_list)

    assert found({"status__exact": "succeeded"}) == {ok}
    assert found({"status__exact": "failed"}) == {funds}
    assert found({"method__exact": "bank_transfer"}) == {transfer}
    assert found({"decline_code": "insufficient_funds"}) == {funds}


def test_refund_search_and_filters(support_client, user):
    payment = charge(user, "5555555555554444", reference="BZ-000901")
    refund = payment_refund(payment=payment, amount=Decimal("3"), reason="Scuffed")
    other = charge(UserFactory(), reference="BZ-000902")
    payment_refund(payment=other, amount=Decimal("4"), reason="Late")
    url = reverse("admin:wallet_refund_changelist")

    for term in ["BZ-000901", user.email, "4444", refund.gateway_refund_id]:
        assert list(support_client.get(url, {"q": term}).context["cl"].result_list) == [refund]
    assert (
        len(support_client.get(url, {"status__exact": "succeeded"}).context["cl"].result_list) == 2
    )
    assert not support_client.get(url, {"status__exact": "failed"}).context["cl"].result_list
    assert support_client.get(url, {"payment__method__exact": "card"}).status_code == 200


def test_payment_page_shows_its_refunds_and_links_the_order(support_client, user):
    payment = charge(user, reference="BZ-000950")
    payment_refund(payment=payment, amount=Decimal("7.50"), reason="Dented box")

    response = support_client.get(reverse("admin:wallet_payment_change", args=[payment.pk]))

    html = response.content.decode()
    assert "Dented box" in html
    assert "Visa •••• 4242" in html
    assert reverse("admin:shop_order_by_number", args=["BZ-000950"]) in html


def test_wallet_lists_query_counts_do_not_grow_with_rows(support_client):
    urls = [
        reverse("admin:wallet_card_changelist"),
        reverse("admin:wallet_payment_changelist"),
        reverse("admin:wallet_walletevent_changelist"),
        reverse("admin:wallet_walletaccount_changelist"),
    ]

    def make(n):
        from tests.factories import WalletAccountFactory

        for i in range(n):
            owner = UserFactory()
            WalletAccountFactory(user=owner)
            card = CardFactory(owner=owner)
            payment_charge_card(
                user=owner,
                card=card,
                amount=Decimal("5"),
                currency="USD",
                reference=f"BZ-{owner.pk:06d}",
                idempotency_key=f"q-{owner.pk}-{i}",
            )

    def counts():
        result = []
        for url in urls:
            with CaptureQueriesContext(connection) as ctx:
                assert support_client.get(url).status_code == 200
            result.append(len(ctx))
        return result

    make(1)
    few = counts()
    make(10)
    assert counts() == few


def test_wallet_activity_and_account_pages_render_for_support(support_client, user):
    from tests.factories import WalletAccountFactory

    account = WalletAccountFactory(user=user)
    CardFactory(owner=user)

    activity = support_client.get(
        reverse("admin:wallet_walletevent_changelist"), {"user__id__exact": user.pk}
    )
    page = support_client.get(reverse("admin:wallet_walletaccount_change", args=[account.pk]))

    assert activity.status_code == 200
    assert "Card linked" in activity.content.decode()
    assert page.status_code == 200 and user.email in page.content.decode()
