"""A simulated card processor that behaves like a real one, with its state in the database.

Outcomes follow the test card table in DESIGN.md (``TEST_CARDS`` below). Linking a card
(``tokenize``) runs a zero-amount verification, as real processors do when a card is
attached: cards that decline for a reason tied to the card itself (generic, expired,
incorrect CVC, lost, stolen, velocity) are refused there with their code, while
4000 0000 0000 9995 (insufficient funds: a zero-amount check needs no funds) and
4000 0000 0000 0341 (links fine) link and then decline on every charge. Step-up cards link
fine and ask for authentication on every charge.

Any other Luhn-valid number of a supported brand succeeds. A one-time card that fails the
card rules (Luhn, brand length, expiry, CVC length) is declined with ``incorrect_number``,
``expired_card`` or ``incorrect_cvc``.

Fault injection (``settings.SIMULATED_GATEWAY_FAULT``, read on every call, for tests):

- ``"timeout"``: ``charge``, ``confirm_authentication``, ``cancel_charge`` and ``refund`` do
  their work and record it, then the answer is "lost" and ``GatewayUnavailable`` is raised,
  as when a real processor times out after charging; the other calls raise before doing
  anything. A retry with the same key, or ``retrieve_charge``, finds what happened.
- ``"unreachable"``: every call raises ``GatewayUnavailable`` before doing anything.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from wallet import cards
from wallet.cards import CardData
from wallet.exceptions import (
    GatewayRequestError,
    GatewayUnavailable,
    IdempotencyConflict,
    PaymentDeclined,
    ProcessingError,
    RefundExceedsCaptured,
)
from wallet.gateways.base import ChargeResult, PaymentGateway, RefundResult, TokenResult
from wallet.gateways.models import (
    Behaviour,
    Outcome,
    SimulatedCharge,
    SimulatedRefund,
    SimulatedToken,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CardScenario:
    """What a test card number does."""

    label: str
    outcome: Outcome = Outcome.SUCCESS
    decline_code: str = ""
    links: bool = True
    behaviour: Behaviour = Behaviour.STANDARD


SUCCESS = CardScenario("success")

# The test card table from DESIGN.md, number -> scenario.
TEST_CARDS: dict[str, CardScenario] = {
    "4242424242424242": CardScenario("success (Visa)"),
    "5555555555554444": CardScenario("success (Mastercard)"),
    "378282246310005": CardScenario("success (American Express)"),
    "2200000000000004": CardScenario("success (Mir)"),
    "4000000000000002": CardScenario(
        "declined (generic)", Outcome.DECLINE, "generic_decline", links=False
    ),
    "4000000000009995": CardScenario(
        "declined: insufficient funds", Outcome.DECLINE, "insufficient_funds", links=True
    ),
    "4000000000000069": CardScenario(
        "declined: expired card", Outcome.DECLINE, "expired_card", links=False
    ),
    "4000000000000127": CardScenario(
        "declined: incorrect CVC", Outcome.DECLINE, "incorrect_cvc", links=False
    ),
    "4000002500003155": CardScenario("requires authentication", Outcome.REQUIRES_AUTH),
    "4000000000000119": CardScenario("processing error", Outcome.PROCESSING_ERROR),
    "4000000000009987": CardScenario(
        "declined: lost card", Outcome.DECLINE, "lost_card", links=False
    ),
    "4000000000009979": CardScenario(
        "declined: stolen card", Outcome.DECLINE, "stolen_card", links=False
    ),
    "4000000000006975": CardScenario(
        "declined: too many attempts", Outcome.DECLINE, "card_velocity_exceeded", links=False
    ),
    "4000000000000341": CardScenario(
        "links fine, every later charge is declined",
        Outcome.DECLINE,
        "generic_decline",
        links=True,
        behaviour=Behaviour.DECLINE_AFTER_LINK,
    ),
    "4000008400001629": CardScenario(
        "requires authentication, then declined", Outcome.REQUIRES_AUTH_THEN_DECLINE
    ),
}

PROCESSOR_MESSAGES = {
    Outcome.SUCCESS: "Approved.",
    Outcome.REQUIRES_AUTH: "The issuer requires authentication.",
    Outcome.PROCESSING_ERROR: "An error occurred while processing the card.",
}


def scenario_for(digits: str) -> CardScenario:
    return TEST_CARDS.get(digits, SUCCESS)


def _fault() -> str:
    return getattr(settings, "SIMULATED_GATEWAY_FAULT", "") or ""


def _fail_before(operation: str) -> None:
    """Raise at once when the fault setting says the processor can't be reached."""
    fault = _fault()
    if fault == "unreachable" or (fault == "timeout" and operation in _TIMES_OUT_BEFORE):
        logger.warning("simulated gateway: %s failed before reaching the processor", operation)
        raise GatewayUnavailable(code="timeout")


def _fail_after(operation: str) -> None:
    """Raise after the work is recorded: the processor acted but its answer was lost."""
    if _fault() == "timeout":
        logger.warning("simulated gateway: %s timed out after the processor acted", operation)
        raise GatewayUnavailable(code="timeout")


_TIMES_OUT_BEFORE = {"tokenize", "retrieve_charge", "retrieve_refund", "delete_token"}


def _hash(params: dict) -> str:
    return hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()


def _card_problem(card: CardData) -> str:
    """The decline code for a card that breaks the card rules, or ""."""
    try:
        _digits, brand = cards.validate_number(card.number)
    except ValidationError:
        return "incorrect_number"
    if not 1 <= card.exp_month <= 12 or cards.is_expired(card.exp_month, card.exp_year):
        return "expired_card"
    try:
        cards.validate_cvc(card.cvc, brand)
    except ValidationError:
        return "incorrect_cvc"
    return ""


class SimulatedGateway(PaymentGateway):
    """The built-in processor. Stateless object; all state lives in the gateways tables."""

    # ------------------------------------------------------------------ tokens

    def tokenize(self, card: CardData) -> TokenResult:
        _fail_before("tokenize")
        problem = _card_problem(card)
        if problem:
            raise PaymentDeclined(code=problem)
        scenario = scenario_for(card.number)
        if scenario.outcome == Outcome.PROCESSING_ERROR:
            raise ProcessingError()
        if scenario.outcome == Outcome.DECLINE and not scenario.links:
            logger.info("simulated gateway: card ending %s refused: %s", card.last4, scenario)
            raise PaymentDeclined(code=scenario.decline_code)
        token = SimulatedToken.objects.create(
            token=f"tok_sim_{secrets.token_hex(12)}",
            fingerprint=card.fingerprint,
            brand=card.brand,
            last4=card.last4,
            exp_month=card.exp_month,
            exp_year=card.exp_year,
            behaviour=scenario.behaviour,
            outcome=scenario.outcome,
            decline_code=scenario.decline_code,
        )
        return TokenResult(
            token=token.token,
            brand=token.brand,
            last4=token.last4,
            exp_month=token.exp_month,
            exp_year=token.exp_year,
            fingerprint=token.fingerprint,
        )

    def delete_token(self, token: str) -> None:
        _fail_before("delete_token")
        SimulatedToken.objects.filter(token=token, deleted_at__isnull=True).update(
            deleted_at=timezone.now()
        )

    # ----------------------------------------------------------------- charges

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
        _fail_before("charge")
        if not isinstance(amount_minor, int) or amount_minor <= 0:
            raise GatewayRequestError(code="invalid_amount")
        if not idempotency_key:
            raise GatewayRequestError(code="idempotency_key_required")
        currency = currency.upper()
        request_hash = _hash(
            {
                # The card, not the token: a retry that had to tokenize the same card
                # again is still the same request.
                "card": self._source_fingerprint(source),
                "amount_minor": amount_minor,
                "currency": currency,
                "description": description,
            }
        )
        charge = SimulatedCharge.objects.filter(idempotency_key=idempotency_key).first()
        if charge is None:
            fields = self._decide(source)
            try:
                with transaction.atomic():
                    charge = SimulatedCharge.objects.create(
                        charge_id=f"ch_sim_{secrets.token_hex(12)}",
                        idempotency_key=idempotency_key,
                        request_hash=request_hash,
                        amount_minor=amount_minor,
                        currency=currency,
                        description=description[:255],
                        reference=reference[:64],
                        **fields,
                    )
            except IntegrityError:
                # A concurrent request with the same key won the insert: replay its result.
                charge = SimulatedCharge.objects.get(idempotency_key=idempotency_key)
            else:
                logger.info(
                    "%s simulated charge %s: %s %s",
                    reference or "-",
                    charge.charge_id,
                    charge.status,
                    charge.decline_code,
                )
        if charge.request_hash != request_hash:
            raise IdempotencyConflict()
        _fail_after("charge")
        return self._result(charge, raise_processing_error=True)

    @staticmethod
    def _source_fingerprint(source: str | CardData) -> str:
        if not isinstance(source, str):
            return source.fingerprint
        fingerprint = (
            SimulatedToken.objects.filter(token=source)
            .values_list("fingerprint", flat=True)
            .first()
        )
        if fingerprint is None:
            raise GatewayRequestError(code="no_such_token")
        return fingerprint

    def _decide(self, source: str | CardData) -> dict:
        """The charge row's fields for a new charge on ``source``."""
        if isinstance(source, str):
            token = SimulatedToken.objects.filter(token=source, deleted_at__isnull=True).first()
            if token is None:
                raise GatewayRequestError(code="no_such_token")
            card_fields = {
                "token": token,
                "fingerprint": token.fingerprint,
                "brand": token.brand,
                "last4": token.last4,
            }
            outcome, decline_code = Outcome(token.outcome), token.decline_code
        else:
            card_fields = {
                "fingerprint": source.fingerprint,
                "brand": source.brand or "",
                "last4": source.last4,
            }
            problem = _card_problem(source)
            scenario = scenario_for(source.number)
            if problem:
                outcome, decline_code = Outcome.DECLINE, problem
            elif scenario.behaviour == Behaviour.DECLINE_AFTER_LINK:
                outcome, decline_code = Outcome.SUCCESS, ""  # only later charges decline
            else:
                outcome, decline_code = scenario.outcome, scenario.decline_code
        status = {
            Outcome.SUCCESS: SimulatedCharge.Status.SUCCEEDED,
            Outcome.DECLINE: SimulatedCharge.Status.FAILED,
            Outcome.PROCESSING_ERROR: SimulatedCharge.Status.FAILED,
            Outcome.REQUIRES_AUTH: SimulatedCharge.Status.REQUIRES_ACTION,
            Outcome.REQUIRES_AUTH_THEN_DECLINE: SimulatedCharge.Status.REQUIRES_ACTION,
        }[outcome]
        if outcome == Outcome.PROCESSING_ERROR:
            decline_code = "processing_error"
        return {
            **card_fields,
            "status": status,
            "outcome": outcome,
            "decline_code": decline_code,
            "captured": status == SimulatedCharge.Status.SUCCEEDED,
            "message": PROCESSOR_MESSAGES.get(outcome, f"Declined: {decline_code}."),
        }

    def confirm_authentication(self, *, charge_id: str, approved: bool) -> ChargeResult:
        _fail_before("confirm_authentication")
        with transaction.atomic():
            charge = self._locked_charge(charge_id)
            if charge.status == SimulatedCharge.Status.REQUIRES_ACTION:
                if not approved:
                    self._settle(charge, SimulatedCharge.Status.FAILED, "authentication_failed")
                elif charge.outcome == Outcome.REQUIRES_AUTH:
                    self._settle(charge, SimulatedCharge.Status.SUCCEEDED, "")
                else:
                    self._settle(charge, SimulatedCharge.Status.FAILED, "generic_decline")
                logger.info(
                    "%s simulated charge %s authenticated (approved=%s): %s",
                    charge.reference or "-",
                    charge.charge_id,
                    approved,
                    charge.status,
                )
        _fail_after("confirm_authentication")
        return self._result(charge)

    def cancel_charge(self, *, charge_id: str) -> ChargeResult:
        _fail_before("cancel_charge")
        with transaction.atomic():
            charge = self._locked_charge(charge_id)
            if charge.status == SimulatedCharge.Status.REQUIRES_ACTION:
                self._settle(charge, SimulatedCharge.Status.CANCELED, "")
        _fail_after("cancel_charge")
        return self._result(charge)

    def retrieve_charge(self, *, idempotency_key: str) -> ChargeResult | None:
        _fail_before("retrieve_charge")
        charge = SimulatedCharge.objects.filter(idempotency_key=idempotency_key).first()
        return self._result(charge) if charge else None

    def _locked_charge(self, charge_id: str) -> SimulatedCharge:
        charge = SimulatedCharge.objects.select_for_update().filter(charge_id=charge_id).first()
        if charge is None:
            raise GatewayRequestError(code="no_such_charge")
        return charge

    @staticmethod
    def _settle(charge: SimulatedCharge, status: str, decline_code: str) -> None:
        charge.status = status
        charge.decline_code = decline_code
        charge.captured = status == SimulatedCharge.Status.SUCCEEDED
        charge.message = "Approved." if charge.captured else f"Not approved: {decline_code}."
        charge.save(update_fields=["status", "decline_code", "captured", "message", "updated_at"])

    @staticmethod
    def _result(charge: SimulatedCharge, *, raise_processing_error: bool = False) -> ChargeResult:
        if raise_processing_error and charge.decline_code == "processing_error":
            raise ProcessingError()
        return ChargeResult(
            id=charge.charge_id,
            status=charge.status,
            amount_minor=charge.amount_minor,
            currency=charge.currency,
            brand=charge.brand,
            last4=charge.last4,
            decline_code=charge.decline_code,
            message=charge.message,
            captured=charge.captured,
            amount_refunded_minor=charge.amount_refunded_minor,
        )

    # ----------------------------------------------------------------- refunds

    def refund(
        self, *, charge_id: str, amount_minor: int, idempotency_key: str, reason: str = ""
    ) -> RefundResult:
        _fail_before("refund")
        if not isinstance(amount_minor, int) or amount_minor <= 0:
            raise GatewayRequestError(code="invalid_amount")
        request_hash = _hash({"charge": charge_id, "amount_minor": amount_minor})
        try:
            with transaction.atomic():
                # The charge row lock serialises refunds of one charge: the check below and
                # the insert see every earlier refund.
                charge = self._locked_charge(charge_id)
                refund = (
                    SimulatedRefund.objects.select_related("charge")
                    .filter(idempotency_key=idempotency_key)
                    .first()
                )
                if refund is None:
                    if not charge.captured:
                        raise GatewayRequestError(code="charge_not_captured")
                    if amount_minor > charge.amount_minor - charge.amount_refunded_minor:
                        raise RefundExceedsCaptured()
                    refund = SimulatedRefund.objects.create(
                        refund_id=f"re_sim_{secrets.token_hex(12)}",
                        idempotency_key=idempotency_key,
                        request_hash=request_hash,
                        charge=charge,
                        amount_minor=amount_minor,
                        reason=reason[:255],
                    )
                    charge.amount_refunded_minor += amount_minor
                    charge.save(update_fields=["amount_refunded_minor", "updated_at"])
                    logger.info(
                        "%s simulated refund %s of %s: %s",
                        charge.reference or "-",
                        refund.refund_id,
                        charge.charge_id,
                        amount_minor,
                    )
        except IntegrityError:
            refund = SimulatedRefund.objects.select_related("charge").get(
                idempotency_key=idempotency_key
            )
        if refund.request_hash != request_hash:
            raise IdempotencyConflict()
        _fail_after("refund")
        return self._refund_result(refund)

    def retrieve_refund(self, *, idempotency_key: str) -> RefundResult | None:
        _fail_before("retrieve_refund")
        refund = (
            SimulatedRefund.objects.select_related("charge")
            .filter(idempotency_key=idempotency_key)
            .first()
        )
        return self._refund_result(refund) if refund else None

    @staticmethod
    def _refund_result(refund: SimulatedRefund) -> RefundResult:
        return RefundResult(
            id=refund.refund_id,
            charge_id=refund.charge.charge_id,
            amount_minor=refund.amount_minor,
            currency=refund.charge.currency,
        )
