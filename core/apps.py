from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Small pieces every app uses: money formatting, minor-unit conversion, absolute links."""

    name = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from core import checks  # noqa: F401  (registers the deployment checks)
