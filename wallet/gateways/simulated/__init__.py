"""A simulated card processor that behaves like a real one, with its state in the database.

Split by concern: ``test_cards`` (the test card table and the card rules), ``faults`` (fault
injection), ``gateway`` (``SimulatedGateway``, the ``PaymentGateway`` itself). Import from
``wallet.gateways.simulated``; ``settings.PAYMENT_GATEWAY`` names
``wallet.gateways.simulated.SimulatedGateway``.

Outcomes follow the test card table in DESIGN.md (``TEST_CARDS``). Linking a card
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

from wallet.gateways.simulated.gateway import SimulatedGateway
from wallet.gateways.simulated.test_cards import TEST_CARDS, CardScenario, scenario_for

__all__ = ["TEST_CARDS", "CardScenario", "SimulatedGateway", "scenario_for"]
