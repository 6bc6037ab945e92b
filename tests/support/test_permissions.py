"""The Support group: exactly what support needs, and nothing that edits people or money."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from support.permissions import SUPPORT_GROUP, SUPPORT_PERMISSIONS, support_group_sync

pytestmark = pytest.mark.django_db

# Support's order and card actions: permissions hung on the audit log's model.
SUPPORT_ACTIONS = {
    ("core", "refund_order"),
    ("core", "cancel_order"),
    ("core", "fulfil_order"),
    ("core", "confirm_bank_transfer"),
    ("core", "disable_card"),
    ("core", "lock_account"),
}


def _codes(permissions) -> set[str]:
    return {f"{p.content_type.app_label}.{p.codename}" for p in permissions}


def test_migrations_create_the_support_group_with_exactly_its_permissions():
    group = Group.objects.get(name=SUPPORT_GROUP)

    assert _codes(group.permissions.select_related("content_type")) == {
        f"{app}.{code}" for app, code in SUPPORT_PERMISSIONS
    }


def test_the_support_group_holds_exactly_these_permissions():
    # Written out by hand (not read from SUPPORT_PERMISSIONS) so that widening the group
    # is a deliberate change to this list too.
    group = Group.objects.get(name=SUPPORT_GROUP)

    assert _codes(group.permissions.select_related("content_type")) == {
        "accounts.view_user",
        "accounts.view_address",
        "shop.view_order",
        "shop.view_orderline",
        "shop.view_orderevent",
        "shop.view_seller",
        "shop.view_product",
        "wallet.view_payment",
        "wallet.view_refund",
        "wallet.view_card",
        "wallet.view_walletaccount",
        "wallet.view_walletevent",
        "wallet.view_blockedcard",
        "core.view_auditentry",
        "core.view_letter",
        "core.view_securityevent",
        "core.lock_account",
        "core.refund_order",
        "core.cancel_order",
        "core.fulfil_order",
        "core.confirm_bank_transfer",
        "core.disable_card",
    }


def test_support_permissions_are_view_only_plus_the_support_actions():
    for app, code in SUPPORT_PERMISSIONS:
        assert code.startswith("view_") or (app, code) in SUPPORT_ACTIONS, f"{app}.{code}"
    assert not {code for _app, code in SUPPORT_PERMISSIONS} & {
        "delete_order",
        "delete_payment",
        "change_user",
        "change_permission",
        "change_group",
        "add_user",
    }


def test_group_sync_restores_a_tampered_group_and_is_idempotent():
    group = Group.objects.get(name=SUPPORT_GROUP)
    group.permissions.add(Permission.objects.get(codename="delete_user"))
    group.permissions.remove(Permission.objects.get(codename="view_card"))

    support_group_sync()
    support_group_sync()

    assert Group.objects.filter(name=SUPPORT_GROUP).count() == 1
    assert _codes(group.permissions.select_related("content_type")) == {
        f"{app}.{code}" for app, code in SUPPORT_PERMISSIONS
    }


def test_support_user_is_staff_but_not_superuser_and_cannot_delete_or_grant(support_user):
    assert support_user.is_staff and not support_user.is_superuser
    for perm in [
        "shop.delete_order",
        "shop.change_order",
        "wallet.delete_payment",
        "wallet.change_payment",
        "wallet.delete_refund",
        "wallet.change_card",
        "accounts.change_user",
        "auth.change_group",
        "auth.change_permission",
        "shop.change_product",
    ]:
        assert not support_user.has_perm(perm), perm
    assert support_user.has_perm("core.refund_order")
    assert support_user.has_perm("wallet.view_payment")


def test_a_shopper_cannot_reach_the_admin(user_client):
    for url in [
        "/admin/",
        "/admin/shop/order/",
        "/admin/wallet/payment/",
        "/admin/accounts/user/",
        "/admin/core/auditentry/",
    ]:
        response = user_client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


def test_a_shopper_cannot_log_in_to_the_admin(client, user):
    from tests.factories import DEFAULT_PASSWORD

    response = client.post(
        reverse("admin:login"), {"username": user.email, "password": DEFAULT_PASSWORD}
    )

    assert response.status_code == 200
    assert "staff account" in response.content.decode()
    assert client.get("/admin/").status_code == 302


def test_support_cannot_open_a_users_password_form(support_client, user):
    url = reverse("admin:auth_user_password_change", args=[user.pk])

    assert support_client.get(url).status_code == 403
    assert (
        support_client.post(url, {"password1": "x1y2z3w4v5", "password2": "x1y2z3w4v5"}).status_code
        == 403
    )


def test_support_cannot_open_group_or_permission_editing(support_client):
    assert support_client.get(reverse("admin:auth_group_changelist")).status_code == 403
    group = Group.objects.get(name=SUPPORT_GROUP)
    assert (
        support_client.get(reverse("admin:auth_group_change", args=[group.pk])).status_code == 403
    )


def test_support_sees_the_catalog_read_only(support_client):
    from tests.factories import ProductFactory

    product = ProductFactory(title="Read Only Lamp")
    url = reverse("admin:shop_product_change", args=[product.pk])

    page = support_client.get(url)
    post = support_client.post(url, {"title": "Renamed", "seller": product.seller_id})

    assert page.status_code == 200
    assert "Read Only Lamp" in page.content.decode()
    assert 'name="title"' not in page.content.decode()
    assert post.status_code == 403
    assert support_client.get(reverse("admin:shop_product_add")).status_code == 403
