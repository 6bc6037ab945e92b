"""Payment gateways: the interface (base.py), the registry and the simulated processor."""

from wallet.gateways.base import get_gateway

__all__ = ["get_gateway"]
