"""The payment gateway contract, run against every gateway implementation.

To add an adapter, add a ``GatewayHarness`` to ``HARNESSES``: its dotted path, the test
card numbers that produce each scenario in its sandbox, and how to force a timeout.
Every test below then runs against it. Two checks at the end keep that true: every concrete
``PaymentGateway`` in ``wallet.gateways`` (and the configured one) has a harness, and every
contract test takes the ``harness`` (or ``gateway``) fixture.
"""

import importlib
import inspect
import pkgutil
import sys
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.conf import settings as django_settings
from django.utils.module_loading import import_string

import wallet.gateways
from tests.factories import card_data
from wallet.exceptions import (
    GatewayRequestError,
    GatewayUnavailable,
    IdempotencyConflict,
    PaymentDeclined,
    ProcessingError,
    RefundExceedsCaptured,
)
from wallet.gateways import get_gateway
from wallet.gateways.base import (
    CardUpdate,
    ChargeResult,
    ChargeStatus,
    PaymentGateway,
    RefundResult,
    TokenResult,
)


@dataclass(frozen=True)
class GatewayHarness:
    path: str
    # scenario -> card number in this gateway's sandbox
    cards: dict[str, str]
    # Make the gateway's next calls time out (after acting where it can); undo with "".
    set_timeout: Callable[[object, bool], None]


def _simulated_timeout(settings, on: bool) -> None:
    settings.SIMULATED_GATEWAY_FAULT = "timeout" if on else ""


HARNESSES = [
    pytest.param(
        GatewayHarness(
            path="wallet.gateways.simulated.SimulatedGateway",
            cards={
                "success": "4242424242424242",
                "success_other": "5555555555554444",
                "declined_at_link": "4000000000000002",
                "declined_on_charge": "4000000000009995",
                "requires_auth": "4000002500003155",
                "requires_auth_then_decline": "4000008400001629",
                "processing_error": "4000000000000119",
                "reissued": "4000000000005506",
            },
            set_timeout=_simulated_timeout,
        ),
        id="simulated",
    ),
]


@pytest.fixture(params=HARNESSES)
def harness(request, settings, db):
    settings.PAYMENT_GATEWAY = request.param.path
    request.param.set_timeout(settings, False)
    return request.param


@pytest.fixture
def gateway(harness) -> PaymentGateway:
    return get_gateway()


@pytest.fixture
def keys():
    counter = iter(range(1, 10_000))
    return lambda: f"contract-{next(counter)}"


def charge(gateway, source, key, amount_minor=1250, currency="USD", description="Order BZ-1"):
    return gateway.charge(
        source=source,
        amount_minor=amount_minor,
        currency=currency,
        idempotency_key=key,
        description=description,
        reference="BZ-1",
    )


def test_registry_builds_the_configured_gateway(harness, gateway):
    assert isinstance(gateway, PaymentGateway)
    assert type(gateway) is import_string(harness.path)


def test_tokenize_returns_a_token_that_is_not_the_number(harness, gateway):
    number = harness.cards["success"]
    result = gateway.tokenize(card_data(number))
    assert isinstance(result, TokenResult)
    assert number not in result.token
    assert result.last4 == number[-4:]
    assert result.brand == "visa"
    assert result.fingerprint == gateway.tokenize(card_data(number)).fingerprint
    assert (
        result.fingerprint
        != gateway.tokenize(card_data(harness.cards["success_other"])).fingerprint
    )


def test_tokenize_refuses_a_card_the_issuer_declines(harness, gateway):
    with pytest.raises(PaymentDeclined) as info:
        gateway.tokenize(card_data(harness.cards["declined_at_link"]))
    assert info.value.code


def test_charging_a_token_succeeds_and_captures(harness, gateway, keys):
    token = gateway.tokenize(card_data(harness.cards["success"])).token
    result = charge(gateway, token, keys())
    assert isinstance(result, ChargeResult)
    assert result.status == ChargeStatus.SUCCEEDED
    assert result.captured
    assert (result.amount_minor, result.currency) == (1250, "USD")
    assert result.last4 == harness.cards["success"][-4:]


def test_charging_a_one_time_card_succeeds(harness, gateway, keys):
    result = charge(gateway, card_data(harness.cards["success"]), keys())
    assert result.status == ChargeStatus.SUCCEEDED


def test_declined_charge_fails_with_a_decline_code(harness, gateway, keys):
    token = gateway.tokenize(card_data(harness.cards["declined_on_charge"])).token
    result = charge(gateway, token, keys())
    assert result.status == ChargeStatus.FAILED
    assert result.decline_code
    assert not result.captured


def test_same_key_same_request_returns_the_first_charge(harness, gateway, keys):
    token = gateway.tokenize(card_data(harness.cards["success"])).token
    key = keys()
    first = charge(gateway, token, key)
    again = charge(gateway, token, key)
    assert again.id == first.id
    # Only one charge exists: its whole amount can be refunded once, no more.
    gateway.refund(charge_id=first.id, amount_minor=1250, idempotency_key=keys())
    with pytest.raises(RefundExceedsCaptured):
        gateway.refund(charge_id=again.id, amount_minor=1, idempotency_key=keys())


def test_same_key_with_other_parameters_is_a_conflict(harness, gateway, keys):
    token = gateway.tokenize(card_data(harness.cards["success"])).token
    key = keys()
    charge(gateway, token, key)
    with pytest.raises(IdempotencyConflict):
        charge(gateway, token, key, amount_minor=9999)
    other = gateway.tokenize(card_data(harness.cards["success_other"])).token
    with pytest.raises(IdempotencyConflict):
        charge(gateway, other, key)


def test_step_up_approved_succeeds_and_confirming_again_changes_nothing(harness, gateway, keys):
    token = gateway.tokenize(card_data(harness.cards["requires_auth"])).token
    pending = charge(gateway, token, keys())
    assert pending.status == ChargeStatus.REQUIRES_ACTION
    assert not pending.captured
    done = gateway.confirm_authentication(charge_id=pending.id, approved=True)
    assert done.status == ChargeStatus.SUCCEEDED and done.captured
    again = gateway.confirm_authentication(charge_id=pending.id, approved=False)
    assert again.status == ChargeStatus.SUCCEEDED


def test_step_up_failed_is_declined(harness, gateway, keys):
    pending = charge(gateway, card_data(harness.cards["requires_auth"]), keys())
    result = gateway.confirm_authentication(charge_id=pending.id, approved=False)
    assert result.status == ChargeStatus.FAILED
    assert result.decline_code == "authentication_failed"


def test_step_up_then_decline_is_declined_even_when_approved(harness, gateway, keys):
    pending = charge(gateway, card_data(harness.cards["requires_auth_then_decline"]), keys())
    assert pending.status == ChargeStatus.REQUIRES_ACTION
    result = gateway.confirm_authentication(charge_id=pending.id, approved=True)
    assert result.status == ChargeStatus.FAILED


def test_cancel_stops_a_charge_waiting_for_authentication(harness, gateway, keys):
    pending = charge(gateway, card_data(harness.cards["requires_auth"]), keys())
    assert gateway.cancel_charge(charge_id=pending.id).status == ChargeStatus.CANCELED
    assert (
        gateway.confirm_authentication(charge_id=pending.id, approved=True).status
        == ChargeStatus.CANCELED
    )


def test_processing_error_raises_and_charges_nothing(harness, gateway, keys):
    key = keys()
    with pytest.raises(ProcessingError):
        charge(gateway, card_data(harness.cards["processing_error"]), key)
    found = gateway.retrieve_charge(idempotency_key=key)
    assert found is None or not found.captured


def test_refunds_are_capped_at_what_was_captured(harness, gateway, keys):
    result = charge(gateway, card_data(harness.cards["success"]), keys())
    first = gateway.refund(charge_id=result.id, amount_minor=1000, idempotency_key=keys())
    assert isinstance(first, RefundResult)
    assert (first.amount_minor, first.charge_id) == (1000, result.id)
    with pytest.raises(RefundExceedsCaptured):
        gateway.refund(charge_id=result.id, amount_minor=251, idempotency_key=keys())
    gateway.refund(charge_id=result.id, amount_minor=250, idempotency_key=keys())


def test_refund_retried_with_same_key_refunds_once(harness, gateway, keys):
    result = charge(gateway, card_data(harness.cards["success"]), keys())
    key = keys()
    first = gateway.refund(charge_id=result.id, amount_minor=1250, idempotency_key=key)
    assert (
        gateway.refund(charge_id=result.id, amount_minor=1250, idempotency_key=key).id == first.id
    )
    with pytest.raises(IdempotencyConflict):
        gateway.refund(charge_id=result.id, amount_minor=100, idempotency_key=key)
    assert gateway.retrieve_refund(idempotency_key=key).id == first.id


def test_a_failed_charge_cannot_be_refunded(harness, gateway, keys):
    token = gateway.tokenize(card_data(harness.cards["declined_on_charge"])).token
    result = charge(gateway, token, keys())
    with pytest.raises((GatewayRequestError, RefundExceedsCaptured)):
        gateway.refund(charge_id=result.id, amount_minor=100, idempotency_key=keys())


def test_retrieve_charge_finds_by_key_or_returns_none(harness, gateway, keys):
    key = keys()
    assert gateway.retrieve_charge(idempotency_key=key) is None
    result = charge(gateway, card_data(harness.cards["success"]), key)
    assert gateway.retrieve_charge(idempotency_key=key).id == result.id
    assert gateway.retrieve_refund(idempotency_key="never-used") is None


def test_list_charges_gives_the_processors_records_for_a_reference(harness, gateway, keys):
    assert gateway.list_charges(reference="BZ-1") == []
    first, second = keys(), keys()
    paid = charge(gateway, card_data(harness.cards["success"]), first)
    declined = charge(gateway, card_data(harness.cards["declined_on_charge"]), second)
    gateway.refund(charge_id=paid.id, amount_minor=250, idempotency_key=keys())
    charge(gateway, card_data(harness.cards["success"]), keys(), description="other")

    listed = {c.idempotency_key: c for c in gateway.list_charges(reference="BZ-1")}
    assert set(listed) >= {first, second}
    assert listed[first].id == paid.id and listed[first].reference == "BZ-1"
    assert (listed[first].captured, listed[first].amount_refunded_minor) == (True, 250)
    assert listed[second].id == declined.id and not listed[second].captured
    assert gateway.list_charges(reference="BZ-2") == []


def test_card_updates_report_reissued_cards_or_say_they_cannot(harness, gateway):
    if not gateway.supports_card_updates:
        with pytest.raises(NotImplementedError):
            gateway.card_updates(tokens=[])
        return
    plain = gateway.tokenize(card_data(harness.cards["success"]))
    reissued = gateway.tokenize(card_data(harness.cards["reissued"]))

    first = gateway.card_updates(tokens=[plain.token, reissued.token])
    again = gateway.card_updates(tokens=[plain.token, reissued.token])

    assert [update.token for update in first] == [reissued.token]
    assert first == again  # asking again reports the same details
    update = first[0]
    assert isinstance(update, CardUpdate)
    assert (update.exp_month, update.exp_year) != (reissued.exp_month, reissued.exp_year)
    assert update.reason in ("new_expiry", "new_number")
    assert gateway.card_updates(tokens=[]) == []


def test_a_deleted_token_cannot_be_charged_and_deleting_twice_is_fine(harness, gateway, keys):
    token = gateway.tokenize(card_data(harness.cards["success"])).token
    gateway.delete_token(token)
    gateway.delete_token(token)
    with pytest.raises(GatewayRequestError):
        charge(gateway, token, keys())


def test_after_a_timeout_the_outcome_can_be_looked_up_by_key(harness, gateway, keys, settings):
    token = gateway.tokenize(card_data(harness.cards["success"])).token
    key = keys()
    harness.set_timeout(settings, True)
    with pytest.raises(GatewayUnavailable):
        charge(gateway, token, key)
    harness.set_timeout(settings, False)
    found = gateway.retrieve_charge(idempotency_key=key)
    retried = charge(gateway, token, key)
    assert retried.status == ChargeStatus.SUCCEEDED
    if found is not None:
        assert found.id == retried.id


# ------------------------------------------------------- the contract covers everything


def _gateway_implementations() -> set[type]:
    """Every concrete ``PaymentGateway`` class defined in ``wallet.gateways``."""
    for module in pkgutil.walk_packages(wallet.gateways.__path__, "wallet.gateways."):
        if ".migrations" not in module.name:
            importlib.import_module(module.name)
    found, pending = set(), [PaymentGateway]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if not inspect.isabstract(cls) and cls.__module__.startswith("wallet.gateways."):
            found.add(cls)
    return found


def _harness_classes() -> set[type]:
    """The classes the harnesses' dotted paths name (a package may re-export its class)."""
    return {import_string(param.values[0].path) for param in HARNESSES}


META_CHECKS = {
    "test_every_gateway_implementation_has_a_harness",
    "test_every_contract_check_runs_against_every_harness",
}


def test_every_gateway_implementation_has_a_harness():
    implementations = _gateway_implementations()
    harnessed = _harness_classes()
    assert import_string("wallet.gateways.simulated.SimulatedGateway") in implementations
    missing = {f"{cls.__module__}.{cls.__qualname__}" for cls in implementations - harnessed}
    assert not missing, f"add a GatewayHarness for each new gateway: {sorted(missing)}"
    assert import_string(django_settings.PAYMENT_GATEWAY) in harnessed


def test_every_contract_check_runs_against_every_harness():
    checks = {
        name: function
        for name, function in vars(sys.modules[__name__]).items()
        if name.startswith("test_") and callable(function) and name not in META_CHECKS
    }
    assert len(checks) >= 15
    for name, function in checks.items():
        parameters = inspect.signature(function).parameters
        assert "harness" in parameters or "gateway" in parameters, name
