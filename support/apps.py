from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "support"
    verbose_name = "Support"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from support.receivers import support_group_sync_after_migrate

        post_migrate.connect(
            support_group_sync_after_migrate,
            sender=self,
            dispatch_uid="support.support_group_sync_after_migrate",
        )
