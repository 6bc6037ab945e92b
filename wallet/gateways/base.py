"""The payment gateway interface every processor adapter implements, and its registry.

The wallet services are the only callers. They speak integer minor units (converted with
``core.money.to_minor``/``from_minor`` before and after) and pass an idempotency key with
every money movement, so a retried call never moves money twice.

Contract (checked for every implementation by tests/wallet/test_gateway_contract.py):

- ``tokenize`` verifies a card and returns a reusable token; a card the issuer refuses
  raises ``PaymentDeclined``.
- ``charge`` returns a ``ChargeResult`` whose status is ``succeeded``, ``requires_action``
  (step-up authentication) or ``failed`` (a decline, with ``decline_code``). The same
  idempotency key with the same parameters returns the stored result and charges nothing;
  with other parameters it raises ``IdempotencyConflict``.
- ``confirm_authentication`` settles a ``requires_action`` charge; it is idempotent.
- ``refund`` never refunds more than captured minus already refunded
  (``RefundExceedsCaptured``); it is idempotent by key like ``charge``.
- ``retrieve_charge``/``retrieve_refund`` look a request up by idempotency key (``None`` if
  it never reached the processor), for reconciliation after a timeout.
- ``list_charges`` returns every charge the processor holds for a reference (the order
  number sent with ``charge``), with what it captured and refunded: the processor's own
  records, which ``audit_money`` holds the ledger against.
- ``card_updates`` (only where ``supports_card_updates``) reports the stored cards whose
  issuer reissued them (a new expiry, sometimes a new number), like Visa Account Updater
  and Mastercard ABU: the wallet applies them so saved cards keep working. A gateway that
  can't report updates leaves ``supports_card_updates`` false and the wallet's job skips it.
- Transport failures raise ``GatewayUnavailable``. Code ``unreachable`` means the request
  was never delivered (connection refused): nothing happened. Any other code (``timeout``)
  means the outcome is unknown until a retry with the same key or a retrieve tells.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

from wallet.card_numbers import CardData


class ChargeStatus:
    SUCCEEDED = "succeeded"
    REQUIRES_ACTION = "requires_action"
    FAILED = "failed"
    CANCELED = "canceled"


@dataclass(frozen=True)
class TokenResult:
    token: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int
    fingerprint: str


@dataclass(frozen=True)
class ChargeResult:
    id: str
    status: str
    amount_minor: int
    currency: str
    brand: str = ""
    last4: str = ""
    decline_code: str = ""
    # The processor's own wording, for logs and staff; shoppers get wallet.exceptions texts.
    message: str = ""
    captured: bool = False
    amount_refunded_minor: int = 0
    # Filled in by ``list_charges``: the key the charge was made with, and its reference.
    idempotency_key: str = ""
    reference: str = ""


@dataclass(frozen=True)
class RefundResult:
    id: str
    charge_id: str
    amount_minor: int
    currency: str
    status: str = "succeeded"


@dataclass(frozen=True)
class CardUpdate:
    """New details an issuer gave for a stored card. ``reason`` is ``new_expiry`` or
    ``new_number`` (then ``last4`` and ``fingerprint`` are the new card's)."""

    token: str
    exp_month: int
    exp_year: int
    last4: str
    fingerprint: str
    reason: str


class PaymentGateway(abc.ABC):
    """A card processor adapter. Implementations must be stateless between calls: any state
    lives with the processor (or, for the simulated one, in the database)."""

    # Whether ``card_updates`` works here (the issuers' updater service).
    supports_card_updates: bool = False

    def card_updates(self, *, tokens: Sequence[str]) -> list[CardUpdate]:
        """The current details of every card in ``tokens`` that its issuer has reissued
        since it was stored (idempotent: asking again reports the same details). Only
        where ``supports_card_updates``; raises ``NotImplementedError`` elsewhere."""
        raise NotImplementedError(f"{type(self).__name__} can't report card updates.")

    @abc.abstractmethod
    def tokenize(self, card: CardData) -> TokenResult:
        """Verify ``card`` and store it at the processor; returns a reusable token."""

    @abc.abstractmethod
    def charge(
        self,
        *,
        source: str | CardData,
        amount_minor: int,
        currency: str,
        idempotency_key: str,
        description: str = "",
        reference: str = "",
    ) -> ChargeResult:
        """Charge a token (``str``) or a one-time card. Idempotent by ``idempotency_key``."""

    @abc.abstractmethod
    def confirm_authentication(self, *, charge_id: str, approved: bool) -> ChargeResult:
        """Settle a ``requires_action`` charge after the shopper's step-up challenge."""

    @abc.abstractmethod
    def cancel_charge(self, *, charge_id: str) -> ChargeResult:
        """Cancel a charge still waiting for authentication; a settled charge is returned
        unchanged."""

    @abc.abstractmethod
    def retrieve_charge(self, *, idempotency_key: str) -> ChargeResult | None:
        """The charge made with this key, or ``None`` if no such request reached us."""

    @abc.abstractmethod
    def list_charges(self, *, reference: str) -> list[ChargeResult]:
        """Every charge made for ``reference``, oldest first, with ``idempotency_key`` and
        ``reference`` filled in."""

    @abc.abstractmethod
    def refund(
        self, *, charge_id: str, amount_minor: int, idempotency_key: str, reason: str = ""
    ) -> RefundResult:
        """Refund part or all of a captured charge. Idempotent by ``idempotency_key``."""

    @abc.abstractmethod
    def retrieve_refund(self, *, idempotency_key: str) -> RefundResult | None:
        """The refund made with this key, or ``None``."""

    @abc.abstractmethod
    def delete_token(self, token: str) -> None:
        """Forget a stored card. Deleting an unknown or deleted token is not an error."""


def get_gateway() -> PaymentGateway:
    """The gateway named by ``settings.PAYMENT_GATEWAY`` (a dotted path to a class)."""
    gateway_class = import_string(settings.PAYMENT_GATEWAY)
    return gateway_class()
