"""The simulated processor's test card table (DESIGN.md) and the card rules it enforces."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError

from wallet import card_numbers
from wallet.card_numbers import CardData
from wallet.gateways.models import Behaviour, Outcome


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
    # Beyond DESIGN.md's table: cards whose issuer reissues them (README, test cards).
    "4000000000005506": CardScenario(
        "success; the issuer reissues it with a new expiry", behaviour=Behaviour.REISSUED_EXPIRY
    ),
    "4000000000005514": CardScenario(
        "success; the issuer reissues it with a new number ending 5522",
        behaviour=Behaviour.REISSUED_NUMBER,
    ),
}

# What the issuer's reissue changes: three more years, and for a new number, its last 4.
REISSUE_YEARS = 3
REISSUED_LAST4 = "5522"


def scenario_for(digits: str) -> CardScenario:
    return TEST_CARDS.get(digits, SUCCESS)


def card_problem(card: CardData) -> str:
    """The decline code for a card that breaks the card rules, or ""."""
    try:
        _digits, brand = card_numbers.validate_number(card.number)
    except ValidationError:
        return "incorrect_number"
    if not 1 <= card.exp_month <= 12 or card_numbers.is_expired(card.exp_month, card.exp_year):
        return "expired_card"
    try:
        card_numbers.validate_cvc(card.cvc, brand)
    except ValidationError:
        return "incorrect_cvc"
    return ""
