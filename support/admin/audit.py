"""The audit log in the admin (``core.AuditEntry``), and Django's own admin log: read-only
for everyone."""

from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy

from core.models import AuditAction, AuditEntry, SecurityEvent
from support.admin.tools import LedgerAdminMixin, datetime_column


def _order_change_url(number: str) -> str | None:
    try:
        return reverse("admin:shop_order_by_number", args=[number])
    except NoReverseMatch:
        return None


def audit_target_url(entry: AuditEntry) -> str | None:
    """The admin page of what the entry is about, if it has one (not for a deletion)."""
    if entry.target_type is None or entry.action == AuditAction.ADMIN_DELETE:
        return None
    try:
        return reverse(
            f"admin:{entry.target_type.app_label}_{entry.target_type.model}_change",
            args=[entry.target_id],
        )
    except NoReverseMatch:
        return None


@admin.register(AuditEntry)
class AuditEntryAdmin(LedgerAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "actor_email", "action", "target_link", "order_link", "reason"]
    list_filter = ["action", "created_at"]
    search_fields = ["order_number", "actor_email", "target_repr", "reason", "summary"]
    list_select_related = ["target_type"]
    date_hierarchy = "created_at"
    fields = [
        "created_at",
        "actor_email",
        "action",
        "target_link",
        "order_link",
        "summary",
        "reason",
        "details",
    ]
    readonly_fields = fields

    def changelist_view(self, request, extra_context=None):
        # The page is the audit log; its rows, and the counter under them, are audit entries.
        return super().changelist_view(
            request, {"title": gettext_lazy("Audit log"), **(extra_context or {})}
        )

    @admin.display(description=gettext_lazy("object"))
    def target_link(self, entry: AuditEntry):
        url = audit_target_url(entry)
        if url is None:
            return entry.target_repr
        return format_html('<a href="{}">{}</a>', url, entry.target_repr)

    @admin.display(description=gettext_lazy("order"), ordering="order_number")
    def order_link(self, entry: AuditEntry):
        url = _order_change_url(entry.order_number) if entry.order_number else None
        if not url:
            return entry.order_number
        return format_html('<a href="{}">{}</a>', url, entry.order_number)


@admin.register(LogEntry)
class LogEntryAdmin(LedgerAdminMixin, admin.ModelAdmin):
    """Django's own record of admin edits, listed for superusers."""

    list_display = ["action_time", "user", "content_type", "object_repr", "action_flag", "message"]
    list_filter = ["action_flag", "content_type", "action_time"]
    search_fields = ["object_repr", "change_message", "user__email"]
    list_select_related = ["user", "content_type"]
    date_hierarchy = "action_time"

    @admin.display(description=gettext_lazy("change"))
    def message(self, entry: LogEntry) -> str:
        return entry.get_change_message()


@admin.register(SecurityEvent)
class SecurityEventAdmin(LedgerAdminMixin, admin.ModelAdmin):
    """The security log's stored events, read-only: what the card-testing alarm counts
    (filter by event and outcome, search by client address or the account's email)."""

    list_display = ["when", "event", "outcome", "user_link", "client_ip", "object_id", "about"]
    list_filter = ["event", "outcome", "created_at"]
    search_fields = ["=client_ip", "user__email", "event"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-id"]
    list_per_page = 50

    when = datetime_column("created_at", description=gettext_lazy("when"))

    @admin.display(description=gettext_lazy("account"))
    def user_link(self, event: SecurityEvent):
        if event.user_id is None:
            return "-"
        url = reverse("admin:accounts_user_change", args=[event.user_id])
        email = event.user.email if event.user is not None else f"#{event.user_id}"
        return format_html('<a href="{}">{}</a>', url, email)

    @admin.display(description=gettext_lazy("details"))
    def about(self, event: SecurityEvent) -> str:
        return "; ".join(f"{k}: {v}" for k, v in (event.details or {}).items())[:200]
