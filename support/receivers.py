"""Signal receivers: each one only hands over to a function that does the work."""

from django.apps import apps as global_apps

from support.permissions import support_group_sync


def support_group_sync_after_migrate(sender, using="default", apps=None, **kwargs) -> None:
    """Keep the Support group in step after `migrate` and after `flush` (which test runs
    use between transactional tests, and which sends no ``apps``: the global registry).
    Connected to core's post_migrate (see ``SupportConfig.ready``)."""
    apps = apps or global_apps
    if not apps.is_installed("django.contrib.auth"):
        return
    try:
        apps.get_model("core", "AuditEntry")
    except LookupError:  # the model carrying support's permissions isn't migrated yet
        return
    support_group_sync(apps=apps, using=using)
