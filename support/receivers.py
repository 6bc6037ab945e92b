"""Signal receivers: each one only hands over to a function that does the work."""

from support.permissions import support_group_sync


def support_group_sync_after_migrate(sender, using="default", apps=None, **kwargs) -> None:
    """Keep the Support group in step after `migrate` and after test database flushes."""
    if apps is None or not apps.is_installed("django.contrib.auth"):
        return
    try:
        apps.get_model("support", "AuditEntry")
    except LookupError:  # our own tables aren't migrated yet
        return
    support_group_sync(apps=apps, using=using)
