from django.apps import AppConfig
from django.apps import apps as global_apps
from django.utils.translation import gettext_lazy


class SupportConfig(AppConfig):
    name = "support"
    verbose_name = gettext_lazy("Support")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from support.receivers import support_group_sync_after_migrate

        # Django sends post_migrate only to apps with a models module, which support no
        # longer has: listen to core's, whose AuditEntry carries support's permissions.
        post_migrate.connect(
            support_group_sync_after_migrate,
            sender=global_apps.get_app_config("core"),
            dispatch_uid="support.support_group_sync_after_migrate",
        )
