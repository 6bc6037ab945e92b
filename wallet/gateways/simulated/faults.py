"""Fault injection for the simulated processor: ``settings.SIMULATED_GATEWAY_FAULT``.

The setting is read on every call, so tests can flip it between calls.
"""

from __future__ import annotations

import logging

from django.conf import settings

from wallet.exceptions import GatewayUnavailable

logger = logging.getLogger("wallet.gateways.simulated")

# With "timeout", these calls fail before doing anything; the others act, then time out.
TIMES_OUT_BEFORE = {"tokenize", "retrieve_charge", "retrieve_refund", "delete_token"}


def fault() -> str:
    return getattr(settings, "SIMULATED_GATEWAY_FAULT", "") or ""


def fail_before(operation: str) -> None:
    """Raise at once when the fault setting says the processor can't be reached."""
    current = fault()
    if current == "unreachable" or (current == "timeout" and operation in TIMES_OUT_BEFORE):
        logger.warning("simulated gateway: %s failed before reaching the processor", operation)
        raise GatewayUnavailable(code="timeout")


def fail_after(operation: str) -> None:
    """Raise after the work is recorded: the processor acted but its answer was lost."""
    if fault() == "timeout":
        logger.warning("simulated gateway: %s timed out after the processor acted", operation)
        raise GatewayUnavailable(code="timeout")
