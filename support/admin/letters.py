"""The outbox in the admin (``core.Letter``), read-only: every letter the site sent or is
sending, so support can tell a customer whether and when it went out and why it is late.
The text is never shown: once sent it is blanked, and before that it may hold a link (a
password reset, a wallet confirmation) that only the recipient should have."""

from django.contrib import admin
from django.utils.translation import gettext_lazy

from core.models import Letter
from support.admin.tools import LedgerAdminMixin


@admin.register(Letter)
class LetterAdmin(LedgerAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "to", "subject", "status", "attempts", "sent_at"]
    list_filter = ["status", "created_at"]
    search_fields = ["to", "subject"]
    date_hierarchy = "created_at"
    fields = [
        "to",
        "subject",
        "status",
        "attempts",
        "created_at",
        "next_attempt_at",
        "sent_at",
        "last_error",
        "dedupe_key",
    ]
    readonly_fields = fields

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(
            request, {"title": gettext_lazy("Outbox"), **(extra_context or {})}
        )
