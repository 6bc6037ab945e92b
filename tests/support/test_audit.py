"""The audit log: written for staff actions and admin edits, read-only for everyone."""

import pytest
from django.contrib.admin.models import LogEntry
from django.db import IntegrityError, transaction
from django.urls import reverse

from core.audit import AuditAction, AuditEntry, audit_record
from tests.factories import ProductFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_audit_record_keeps_who_what_when_and_why_and_nothing_else():
    staff = UserFactory(email="staff@example.com", is_staff=True)
    target = UserFactory(email="customer@example.com")

    entry = audit_record(
        actor=staff,
        action=AuditAction.CARD_DISABLE,
        target=target,
        reason="  Reported   stolen ",
        summary="Disabled a card.",
        order_number="BZ-000001",
    )

    assert entry.actor_email == "staff@example.com"
    assert entry.reason == "Reported stolen"
    assert entry.created_at is not None
    assert entry.target_repr == "customer@example.com"
    # One record of a staff decision: the audit log (and the order page) show it, so no
    # Django admin LogEntry is written beside it.
    assert not LogEntry.objects.exists()


def test_actions_that_move_money_need_a_reason_in_the_service_and_the_database():
    staff = UserFactory(is_staff=True)

    with pytest.raises(ValueError):
        audit_record(actor=staff, action=AuditAction.ORDER_REFUND, reason="   ")
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEntry.objects.create(actor_email="x@example.com", action=AuditAction.ORDER_CANCEL)
    assert not AuditEntry.objects.exists()


def test_a_superuser_edit_in_the_admin_is_audited(superuser_client):
    product = ProductFactory(title="Old title", stock=3)
    url = reverse("admin:shop_product_change", args=[product.pk])
    data = {
        "seller": product.seller_id,
        "title": "New title",
        "slug": product.slug,
        "description": product.description,
        "price": "10.00",
        "currency": "USD",
        "stock": "3",
        "is_active": "on",
    }

    response = superuser_client.post(url, data)

    assert response.status_code == 302
    entry = AuditEntry.objects.get(action=AuditAction.ADMIN_CHANGE)
    assert entry.actor_email == "root@example.com"
    assert entry.target_repr == "New title"
    assert "Title" in entry.summary


def test_audit_log_is_read_only_even_for_superusers(superuser_client):
    entry = audit_record(
        actor=UserFactory(is_staff=True), action=AuditAction.ORDER_SHIPPED, summary="x"
    )

    assert superuser_client.get(reverse("admin:core_auditentry_changelist")).status_code == 200
    assert superuser_client.get(reverse("admin:core_auditentry_add")).status_code == 403
    delete = reverse("admin:core_auditentry_delete", args=[entry.pk])
    assert superuser_client.post(delete, {"post": "yes"}).status_code == 403
    change = reverse("admin:core_auditentry_change", args=[entry.pk])
    assert superuser_client.post(change, {"reason": "rewritten"}).status_code == 403
    assert AuditEntry.objects.get().summary == "x"


def test_support_can_read_and_search_the_audit_log(support_client):
    staff = UserFactory(email="someone@example.com", is_staff=True)
    audit_record(
        actor=staff,
        action=AuditAction.ORDER_REFUND,
        order_number="BZ-000007",
        reason="Broken handle",
    )
    audit_record(
        actor=staff,
        action=AuditAction.ORDER_CANCEL,
        order_number="BZ-000008",
        reason="Duplicate order",
    )

    response = support_client.get(reverse("admin:core_auditentry_changelist"), {"q": "BZ-000007"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Broken handle" in html
    assert "Duplicate order" not in html


def test_audit_log_page_counts_its_rows_as_audit_entries(support_client):
    staff = UserFactory(is_staff=True)
    url = reverse("admin:core_auditentry_changelist")
    audit_record(actor=staff, action=AuditAction.ORDER_SHIPPED, summary="x")

    one = support_client.get(url).content.decode()
    for _ in range(2):
        audit_record(actor=staff, action=AuditAction.ORDER_SHIPPED, summary="x")
    three = support_client.get(url).content.decode()

    paginator = three.split('<p class="paginator">')[1].split("</p>")[0]
    assert " ".join(paginator.split()) == "3 audit entries"
    assert "1 audit entry\n" in one.split('<p class="paginator">')[1]
    assert "<h1>Audit log</h1>" in three and "<title>Audit log |" in three
    assert "Audit entries" in support_client.get(reverse("admin:index")).content.decode()


def test_every_admin_page_is_audited_or_read_only():
    """Every staff change in the admin lands in the audit log and the security log: each
    registered ModelAdmin either audits its edits or allows none."""
    from django.contrib import admin

    from support.admin.tools import AuditedAdminMixin, LedgerAdminMixin

    unaudited = [
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if not isinstance(model_admin, AuditedAdminMixin | LedgerAdminMixin)
    ]
    assert unaudited == []
