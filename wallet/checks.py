"""System checks for the wallet's payment settings."""

from django.conf import settings
from django.core.checks import Error, register


@register()
def check_settle_window(app_configs, **kwargs):
    """A payment is declared "never received" only after the settle window: a window no
    longer than the gateway timeout could give up on a request still in flight."""
    window = settings.PAYMENT_SETTLE_WINDOW_SECONDS
    timeout = settings.PAYMENT_GATEWAY_TIMEOUT_SECONDS
    if window > timeout:
        return []
    return [
        Error(
            f"PAYMENT_SETTLE_WINDOW_SECONDS ({window}) must be longer than "
            f"PAYMENT_GATEWAY_TIMEOUT_SECONDS ({timeout}).",
            hint="A charge could still reach the processor after it was declared never "
            "received; make the window at least a few times the timeout.",
            id="wallet.E001",
        )
    ]
