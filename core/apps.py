from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Small pieces every app uses: money formatting and minor-unit conversion."""

    name = "core"
    verbose_name = "Core"
