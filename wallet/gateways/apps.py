from django.apps import AppConfig


class GatewaysConfig(AppConfig):
    """The simulated card processor's own tables, kept apart from the wallet's."""

    name = "wallet.gateways"
    label = "gateways"
    verbose_name = "Simulated gateway"
