"""Step-up authentication: settle a payment after the shopper's challenge."""

from __future__ import annotations

import logging

from wallet.exceptions import GatewayUnavailable
from wallet.gateways import get_gateway
from wallet.models import Payment, PaymentStatus
from wallet.services.payments._ledger import (
    _payment_apply_result,
    _payment_outcome,
    _payment_settle,
)

logger = logging.getLogger("wallet.payments")

STEP_UP_UNREACHABLE_MESSAGE = (
    "We couldn't reach your bank, so nothing happened yet. Please answer again."
)


def payment_confirm_step_up(*, payment: Payment, approved: bool) -> Payment:
    """Settle a ``requires_action`` payment after the shopper's challenge: ``approved``
    says whether they passed it. Returns the succeeded payment or raises like the charge
    services (``PaymentDeclined`` with ``authentication_failed`` when not approved).

    Idempotent: a payment no longer waiting replays its outcome. The gateway is called
    without a lock. If the processor could not be reached (nothing was delivered) the
    payment keeps waiting and ``GatewayUnavailable`` (code ``unreachable``) says so: the
    shopper answers again. If the answer was sent but the reply was lost, the payment goes
    back to ``processing`` (open, unanswered; reconciliation or a "Check now" settles it)
    and ``GatewayUnavailable`` is raised.
    """
    payment = Payment.objects.select_related("card").get(pk=payment.pk)
    if payment.status != PaymentStatus.REQUIRES_ACTION:
        return _payment_outcome(payment)
    try:
        result = get_gateway().confirm_authentication(
            charge_id=payment.gateway_charge_id, approved=approved
        )
    except GatewayUnavailable as exc:
        if exc.code == "unreachable":
            logger.warning(
                "%s payment %s: processor unreachable during step-up; still waiting",
                payment.reference,
                payment.pk,
            )
            raise GatewayUnavailable(
                STEP_UP_UNREACHABLE_MESSAGE, code="unreachable", payment=payment
            ) from exc
        logger.warning(
            "%s payment %s: the step-up answer was sent, the reply lost; processing",
            payment.reference,
            payment.pk,
        )
        payment = _payment_settle(payment.pk, status=PaymentStatus.PROCESSING)
        raise GatewayUnavailable(payment=payment) from exc
    logger.info(
        "%s payment %s: step-up %s",
        payment.reference,
        payment.pk,
        "passed" if approved else "failed",
    )
    return _payment_outcome(_payment_apply_result(payment, result))
