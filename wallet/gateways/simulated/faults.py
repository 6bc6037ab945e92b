"""Fault injection and latency for the simulated processor.

``settings.SIMULATED_GATEWAY_FAULT`` picks a fault, read on every call so tests can flip it
between calls:

- ``timeout``: money movements (charge, refund, confirm, cancel) are recorded, then the
  answer is lost; lookups and tokenize time out before acting;
- ``timeout_before``: every call times out before the processor acts (the client can't tell
  this from ``timeout``: both raise ``GatewayUnavailable`` with code ``timeout``);
- ``unreachable``: the connection is refused, so nothing reaches the processor (code
  ``unreachable``: the client knows the request was never delivered).

``settings.SIMULATED_GATEWAY_LATENCY_MS`` delays every call before the processor acts, so
two requests racing each other have the window a real network gives them.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings

from wallet.exceptions import GatewayUnavailable

logger = logging.getLogger("wallet.gateways.simulated")

# With "timeout", these calls fail before doing anything; the others act, then time out.
TIMES_OUT_BEFORE = {
    "tokenize",
    "retrieve_charge",
    "retrieve_refund",
    "list_charges",
    "delete_token",
}


def fault() -> str:
    return getattr(settings, "SIMULATED_GATEWAY_FAULT", "") or ""


def fail_before(operation: str) -> None:
    """The start of every call: the network delay, then the faults that stop the request
    before the processor acts."""
    latency_ms = getattr(settings, "SIMULATED_GATEWAY_LATENCY_MS", 0) or 0
    if latency_ms > 0:
        time.sleep(latency_ms / 1000)
    current = fault()
    if current == "unreachable":
        logger.warning("simulated gateway: %s refused: the processor is unreachable", operation)
        raise GatewayUnavailable(code="unreachable")
    if current == "timeout_before" or (current == "timeout" and operation in TIMES_OUT_BEFORE):
        logger.warning("simulated gateway: %s timed out before reaching the processor", operation)
        raise GatewayUnavailable(code="timeout")


def fail_after(operation: str) -> None:
    """Raise after the work is recorded: the processor acted but its answer was lost."""
    if fault() == "timeout":
        logger.warning("simulated gateway: %s timed out after the processor acted", operation)
        raise GatewayUnavailable(code="timeout")
