"""The simulated processor: the DESIGN.md test card table, its own tables, fault injection."""

import pytest

from tests.factories import card_data
from wallet.exceptions import (
    GatewayRequestError,
    GatewayUnavailable,
    IdempotencyConflict,
    PaymentDeclined,
    ProcessingError,
)
from wallet.gateways.base import ChargeStatus
from wallet.gateways.models import Behaviour, SimulatedCharge, SimulatedRefund, SimulatedToken
from wallet.gateways.simulated import TEST_CARDS, SimulatedGateway

pytestmark = pytest.mark.django_db


@pytest.fixture
def gateway(gateway_fault):
    return SimulatedGateway()


def one_time(gateway, number, key="k1", amount_minor=500):
    return gateway.charge(
        source=card_data(number), amount_minor=amount_minor, currency="USD", idempotency_key=key
    )


def test_table_matches_design_md_and_the_readmes_reissued_cards():
    assert set(TEST_CARDS) == {
        # README, "Test cards": reissued by their issuer
        "4000000000005506",
        "4000000000005514",
        # DESIGN.md
        "4242424242424242",
        "5555555555554444",
        "378282246310005",
        "2200000000000004",
        "4000000000000002",
        "4000000000009995",
        "4000000000000069",
        "4000000000000127",
        "4000002500003155",
        "4000000000000119",
        "4000000000009987",
        "4000000000009979",
        "4000000000006975",
        "4000000000000341",
        "4000008400001629",
    }


@pytest.mark.parametrize(
    "number",
    ["4242424242424242", "5555555555554444", "378282246310005", "2200000000000004"],
)
def test_success_cards_are_charged(gateway, number):
    assert one_time(gateway, number).status == ChargeStatus.SUCCEEDED


def test_any_other_luhn_valid_number_succeeds(gateway):
    assert one_time(gateway, "4111111111111111").status == ChargeStatus.SUCCEEDED
    assert one_time(gateway, "6011111111111117", key="k2").status == ChargeStatus.SUCCEEDED


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("4000000000000002", "generic_decline"),
        ("4000000000009995", "insufficient_funds"),
        ("4000000000000069", "expired_card"),
        ("4000000000000127", "incorrect_cvc"),
        ("4000000000009987", "lost_card"),
        ("4000000000009979", "stolen_card"),
        ("4000000000006975", "card_velocity_exceeded"),
    ],
)
def test_decline_cards_are_declined_with_their_code(gateway, number, code):
    result = one_time(gateway, number)
    assert (result.status, result.decline_code) == (ChargeStatus.FAILED, code)


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("4000000000000002", "generic_decline"),
        ("4000000000000069", "expired_card"),
        ("4000000000000127", "incorrect_cvc"),
        ("4000000000009987", "lost_card"),
        ("4000000000009979", "stolen_card"),
        ("4000000000006975", "card_velocity_exceeded"),
    ],
)
def test_cards_declined_for_the_card_itself_cannot_be_linked(gateway, number, code):
    with pytest.raises(PaymentDeclined) as info:
        gateway.tokenize(card_data(number))
    assert info.value.code == code
    assert not SimulatedToken.objects.exists()


def test_insufficient_funds_card_links_and_then_declines(gateway):
    token = gateway.tokenize(card_data("4000000000009995")).token
    result = gateway.charge(source=token, amount_minor=100, currency="USD", idempotency_key="a")
    assert result.decline_code == "insufficient_funds"


def test_0341_links_fine_and_every_later_charge_is_declined(gateway):
    token = gateway.tokenize(card_data("4000 0000 0000 0341")).token
    row = SimulatedToken.objects.get(token=token)
    assert row.behaviour == Behaviour.DECLINE_AFTER_LINK
    for key in ("a", "b"):
        result = gateway.charge(source=token, amount_minor=100, currency="USD", idempotency_key=key)
        assert result.status == ChargeStatus.FAILED


def test_0341_as_a_one_time_card_is_charged(gateway):
    assert one_time(gateway, "4000000000000341").status == ChargeStatus.SUCCEEDED


def test_3155_requires_authentication_then_approve_or_fail(gateway):
    first = one_time(gateway, "4000002500003155", key="a")
    second = one_time(gateway, "4000002500003155", key="b")
    assert first.status == second.status == ChargeStatus.REQUIRES_ACTION
    approved = gateway.confirm_authentication(charge_id=first.id, approved=True)
    failed = gateway.confirm_authentication(charge_id=second.id, approved=False)
    assert approved.status == ChargeStatus.SUCCEEDED
    assert (failed.status, failed.decline_code) == (ChargeStatus.FAILED, "authentication_failed")


def test_1629_requires_authentication_then_is_declined(gateway):
    pending = one_time(gateway, "4000008400001629")
    assert pending.status == ChargeStatus.REQUIRES_ACTION
    result = gateway.confirm_authentication(charge_id=pending.id, approved=True)
    assert (result.status, result.decline_code) == (ChargeStatus.FAILED, "generic_decline")


def test_0119_is_a_processing_error_on_charge_and_link(gateway):
    with pytest.raises(ProcessingError):
        one_time(gateway, "4000000000000119")
    with pytest.raises(ProcessingError):
        one_time(gateway, "4000000000000119")  # the retry replays the stored error
    assert SimulatedCharge.objects.get().decline_code == "processing_error"
    with pytest.raises(ProcessingError):
        gateway.tokenize(card_data("4000000000000119"))


def test_one_time_card_breaking_the_rules_is_declined(gateway):
    bad_luhn = card_data("4242424242424241")
    result = gateway.charge(source=bad_luhn, amount_minor=1, currency="USD", idempotency_key="a")
    assert result.decline_code == "incorrect_number"
    expired = card_data("4242424242424242", exp_year=2020)
    result = gateway.charge(source=expired, amount_minor=1, currency="USD", idempotency_key="b")
    assert result.decline_code == "expired_card"


def test_state_is_in_the_database_so_a_new_instance_sees_it(gateway):
    token = gateway.tokenize(card_data("4242424242424242")).token
    first = SimulatedGateway().charge(
        source=token, amount_minor=700, currency="usd", idempotency_key="x"
    )
    again = SimulatedGateway().charge(
        source=token, amount_minor=700, currency="USD", idempotency_key="x"
    )
    assert first.id == again.id
    assert SimulatedCharge.objects.count() == 1


def test_a_key_replayed_answers_the_first_charge_and_another_request_under_it_is_refused(
    gateway,
):
    token = gateway.tokenize(card_data("4242424242424242")).token
    first = gateway.charge(source=token, amount_minor=700, currency="USD", idempotency_key="r")
    again = gateway.charge(source=token, amount_minor=700, currency="USD", idempotency_key="r")
    assert (again.id, again.status) == (first.id, ChargeStatus.SUCCEEDED)
    with pytest.raises(IdempotencyConflict):
        gateway.charge(source=token, amount_minor=800, currency="USD", idempotency_key="r")
    assert SimulatedCharge.objects.count() == 1


def test_a_charge_made_before_its_token_was_deleted_still_replays_under_its_key(gateway):
    token = gateway.tokenize(card_data("4242424242424242")).token
    first = gateway.charge(source=token, amount_minor=700, currency="USD", idempotency_key="d")
    gateway.delete_token(token)

    again = gateway.charge(source=token, amount_minor=700, currency="USD", idempotency_key="d")
    assert (again.id, again.status) == (first.id, ChargeStatus.SUCCEEDED)
    with pytest.raises(GatewayRequestError) as refused:
        gateway.charge(source=token, amount_minor=700, currency="USD", idempotency_key="new")
    assert refused.value.code == "no_such_token"
    assert SimulatedCharge.objects.count() == 1


def test_tables_keep_brand_last4_expiry_and_fingerprint_but_never_the_number(gateway):
    number = "4242424242424242"
    gateway.tokenize(card_data(number))
    token = SimulatedToken.objects.get()
    assert (token.brand, token.last4, token.exp_month) == ("visa", "4242", 12)
    assert len(token.fingerprint) == 64
    for row in SimulatedToken.objects.values():
        assert number not in " ".join(str(value) for value in row.values())
    field_names = {
        field.name
        for model in (SimulatedToken, SimulatedCharge, SimulatedRefund)
        for field in model._meta.get_fields()
    }
    assert not {"number", "cvc", "pan", "card_number"} & field_names


def test_timeout_fault_records_the_charge_then_loses_the_answer(gateway, gateway_fault):
    token = gateway.tokenize(card_data("4242424242424242")).token
    gateway_fault("timeout")
    with pytest.raises(GatewayUnavailable):
        gateway.charge(source=token, amount_minor=100, currency="USD", idempotency_key="t")
    with pytest.raises(GatewayUnavailable):
        gateway.retrieve_charge(idempotency_key="t")
    gateway_fault("")
    assert gateway.retrieve_charge(idempotency_key="t").status == ChargeStatus.SUCCEEDED
    assert SimulatedCharge.objects.count() == 1


def test_timeout_fault_stops_tokenize_before_anything_is_stored(gateway, gateway_fault):
    gateway_fault("timeout")
    with pytest.raises(GatewayUnavailable):
        gateway.tokenize(card_data("4242424242424242"))
    assert not SimulatedToken.objects.exists()


def test_unreachable_fault_records_nothing(gateway, gateway_fault):
    gateway_fault("unreachable")
    with pytest.raises(GatewayUnavailable):
        one_time(gateway, "4242424242424242", key="u")
    gateway_fault("")
    assert gateway.retrieve_charge(idempotency_key="u") is None


def test_refund_after_timeout_is_recorded_once(gateway, gateway_fault):
    charge = one_time(gateway, "4242424242424242", amount_minor=1000)
    gateway_fault("timeout")
    with pytest.raises(GatewayUnavailable):
        gateway.refund(charge_id=charge.id, amount_minor=400, idempotency_key="r")
    gateway_fault("")
    gateway.refund(charge_id=charge.id, amount_minor=400, idempotency_key="r")
    assert SimulatedRefund.objects.count() == 1
    assert SimulatedCharge.objects.get().amount_refunded_minor == 400
