"""The simulated processor's ``PaymentGateway``: tokens, charges, step-up and refunds.

Outcomes come from the test card table (``test_cards.py``); faults from ``faults.py``. All state
lives in the gateways tables (``wallet.gateways.models``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.db import savepoint_if_nested
from core.sql import CompiledQuery
from wallet.card_numbers import CardData
from wallet.exceptions import (
    GatewayRequestError,
    IdempotencyConflict,
    PaymentDeclined,
    ProcessingError,
    RefundExceedsCaptured,
)
from wallet.gateways.base import (
    CardUpdate,
    ChargeResult,
    PaymentGateway,
    RefundResult,
    TokenResult,
)
from wallet.gateways.models import (
    Behaviour,
    Outcome,
    SimulatedCharge,
    SimulatedRefund,
    SimulatedToken,
)
from wallet.gateways.simulated.faults import fail_after, fail_before
from wallet.gateways.simulated.test_cards import (
    REISSUE_YEARS,
    REISSUED_LAST4,
    card_problem,
    scenario_for,
)

logger = logging.getLogger("wallet.gateways.simulated")

PROCESSOR_MESSAGES = {
    Outcome.SUCCESS: "Approved.",
    Outcome.REQUIRES_AUTH: "The issuer requires authentication.",
    Outcome.PROCESSING_ERROR: "An error occurred while processing the card.",
}


# A charge looks its token and its key up: each lookup compiled once per process.
_TOKEN, _KEY = "\x00token", "\x00key"
_token_named = CompiledQuery(
    "simulated token",
    SimulatedToken,
    lambda alias: (SimulatedToken.objects.filter(token=_TOKEN).order_by(), {"token": _TOKEN}),
)
_charge_keyed = CompiledQuery(
    "simulated charge by key",
    SimulatedCharge,
    lambda alias: (
        SimulatedCharge.objects.filter(idempotency_key=_KEY).order_by(),
        {"idempotency_key": _KEY},
    ),
)


def _hash(params: dict) -> str:
    return hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()


class SimulatedGateway(PaymentGateway):
    """The built-in processor. Stateless object; all state lives in the gateways tables."""

    supports_card_updates = True

    # ------------------------------------------------------------------ tokens

    def tokenize(self, card: CardData) -> TokenResult:
        fail_before("tokenize")
        problem = card_problem(card)
        if problem:
            raise PaymentDeclined(code=problem)
        scenario = scenario_for(card.number)
        if scenario.outcome == Outcome.PROCESSING_ERROR:
            raise ProcessingError()
        if scenario.outcome == Outcome.DECLINE and not scenario.links:
            logger.info("simulated gateway: card ending %s refused: %s", card.last4, scenario)
            raise PaymentDeclined(code=scenario.decline_code)
        token = SimulatedToken.objects.create(
            token=f"tok_sim_{secrets.token_hex(16)}",
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

    def card_updates(self, *, tokens: Sequence[str]) -> list[CardUpdate]:
        """Cards of the reissue test numbers are reissued by their issuer the first time
        anyone asks (three more years; 5514 also gets a new number ending 5522) and then
        reported with their new details every time."""
        fail_before("card_updates")
        reissuable = SimulatedToken.objects.filter(
            token__in=list(tokens),
            deleted_at__isnull=True,
            behaviour__in=(Behaviour.REISSUED_EXPIRY, Behaviour.REISSUED_NUMBER),
        )
        updates = []
        for stored in reissuable:
            if stored.reissued_at is None:
                stored.exp_year += REISSUE_YEARS
                if stored.behaviour == Behaviour.REISSUED_NUMBER:
                    stored.last4 = REISSUED_LAST4
                    stored.fingerprint = _hash({"reissued": stored.fingerprint})
                stored.reissued_at = timezone.now()
                stored.save(update_fields=["exp_year", "last4", "fingerprint", "reissued_at"])
            updates.append(
                CardUpdate(
                    token=stored.token,
                    exp_month=stored.exp_month,
                    exp_year=stored.exp_year,
                    last4=stored.last4,
                    fingerprint=stored.fingerprint,
                    reason="new_number"
                    if stored.behaviour == Behaviour.REISSUED_NUMBER
                    else "new_expiry",
                )
            )
        return updates

    def delete_token(self, token: str) -> None:
        fail_before("delete_token")
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
        fail_before("charge")
        if not isinstance(amount_minor, int) or amount_minor <= 0:
            raise GatewayRequestError(code="invalid_amount")
        if not idempotency_key:
            raise GatewayRequestError(code="idempotency_key_required")
        currency = currency.upper()
        # A token's row is read once, for the request's card and (a new charge) its outcome.
        stored = self._stored_token(source)
        request_hash = _hash(
            {
                # The card, not the token: a retry that had to tokenize the same card
                # again is still the same request.
                "card": stored.fingerprint if stored is not None else source.fingerprint,
                "amount_minor": amount_minor,
                "currency": currency,
                "description": description,
            }
        )
        # A new key's charge is made at once, as the common case is (one statement); the
        # unique key refuses a replay's, which then finds the charge made first. A token
        # deleted since makes no new charge, but its charges made before still replay.
        charge = None
        if stored is None or stored.deleted_at is None:
            charge = self._charge_new(
                source,
                stored,
                idempotency_key=idempotency_key,
                request_hash=request_hash,
                amount_minor=amount_minor,
                currency=currency,
                description=description[:255],
                reference=reference[:64],
            )
        if charge is None:
            charge = _charge_keyed.first(idempotency_key=idempotency_key)
            if charge is None:  # a deleted token, never charged under this key
                raise GatewayRequestError(code="no_such_token")
        if charge.request_hash != request_hash:
            raise IdempotencyConflict()
        fail_after("charge")
        return self._result(charge, raise_processing_error=True)

    def _charge_new(
        self, source: str | CardData, token: SimulatedToken | None, **request: object
    ) -> SimulatedCharge | None:
        """The charge ``request`` makes on ``source`` (``token``: its stored token when it
        is one), recorded with its outcome; None when a charge has its key already (a
        replay, or a concurrent request that recorded it first)."""
        fields = self._decide(source, token)
        try:
            with savepoint_if_nested():
                charge = SimulatedCharge.objects.create(
                    charge_id=f"ch_sim_{secrets.token_hex(16)}", **request, **fields
                )
        except IntegrityError:
            return None
        logger.info(
            "%s simulated charge %s: %s %s",
            charge.reference or "-",
            charge.charge_id,
            charge.status,
            charge.decline_code,
        )
        return charge

    @staticmethod
    def _stored_token(source: str | CardData) -> SimulatedToken | None:
        """The token ``source`` names (deleted or not), None for card data; an unknown
        token is refused (``no_such_token``)."""
        if not isinstance(source, str):
            return None
        token = _token_named.first(token=source)
        if token is None:
            raise GatewayRequestError(code="no_such_token")
        return token

    def _decide(self, source: str | CardData, token: SimulatedToken | None) -> dict:
        """The charge row's fields for a new charge on ``source`` (``token``: its stored
        token when it is one)."""
        if isinstance(source, str):
            if token is None or token.deleted_at is not None:
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
            problem = card_problem(source)
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
        fail_before("confirm_authentication")
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
        fail_after("confirm_authentication")
        return self._result(charge)

    def cancel_charge(self, *, charge_id: str) -> ChargeResult:
        fail_before("cancel_charge")
        with transaction.atomic():
            charge = self._locked_charge(charge_id)
            if charge.status == SimulatedCharge.Status.REQUIRES_ACTION:
                self._settle(charge, SimulatedCharge.Status.CANCELED, "")
        fail_after("cancel_charge")
        return self._result(charge)

    def retrieve_charge(self, *, idempotency_key: str) -> ChargeResult | None:
        fail_before("retrieve_charge")
        charge = _charge_keyed.first(idempotency_key=idempotency_key)
        return self._result(charge) if charge else None

    def list_charges(self, *, reference: str) -> list[ChargeResult]:
        fail_before("list_charges")
        charges = SimulatedCharge.objects.filter(reference=reference).order_by("created_at", "id")
        return [self._result(charge, with_key=True) for charge in charges]

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
    def _result(
        charge: SimulatedCharge, *, raise_processing_error: bool = False, with_key: bool = False
    ) -> ChargeResult:
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
            idempotency_key=charge.idempotency_key if with_key else "",
            reference=charge.reference if with_key else "",
        )

    # ----------------------------------------------------------------- refunds

    def refund(
        self, *, charge_id: str, amount_minor: int, idempotency_key: str, reason: str = ""
    ) -> RefundResult:
        fail_before("refund")
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
                        refund_id=f"re_sim_{secrets.token_hex(16)}",
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
        fail_after("refund")
        return self._refund_result(refund)

    def retrieve_refund(self, *, idempotency_key: str) -> RefundResult | None:
        fail_before("retrieve_refund")
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
