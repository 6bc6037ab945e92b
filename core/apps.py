from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Small pieces every app uses: money formatting, minor-unit conversion, absolute links,
    the security log and the staff audit log."""

    name = "core"
    # The admin shows core's one page, the audit log, under this heading.
    verbose_name = "Audit"

    def ready(self) -> None:
        from core import checks  # noqa: F401  (registers the deployment checks)
