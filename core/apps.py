from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class CoreConfig(AppConfig):
    """Small pieces every app uses: money formatting, minor-unit conversion, absolute links,
    the security log and the staff audit log."""

    name = "core"
    # The admin shows core's one page, the audit log, under this heading.
    verbose_name = gettext_lazy("Audit")

    def ready(self) -> None:
        from core import checks  # noqa: F401  (registers the deployment checks)
