"""Step-up authentication: settle a payment after the shopper's challenge."""

from __future__ import annotations

import logging

from wallet.exceptions import GatewayUnavailable
from wallet.gateways import get_gateway
from wallet.models import Payment, PaymentStatus
from wallet.services.payments._ledger import _payment_apply_result, _payment_outcome

logger = logging.getLogger("wallet.payments")


def payment_confirm_step_up(*, payment: Payment, approved: bool) -> Payment:
    """Settle a ``requires_action`` payment after the shopper's challenge: ``approved``
    says whether they passed it. Returns the succeeded payment or raises like the charge
    services (``PaymentDeclined`` with ``authentication_failed`` when not approved).

    Idempotent: a payment no longer waiting replays its outcome. The gateway is called
    without a lock; a timeout leaves the payment ``requires_action`` (raises
    ``GatewayUnavailable``) so the shopper can try again.
    """
    payment = Payment.objects.select_related("card").get(pk=payment.pk)
    if payment.status != PaymentStatus.REQUIRES_ACTION:
        return _payment_outcome(payment)
    try:
        result = get_gateway().confirm_authentication(
            charge_id=payment.gateway_charge_id, approved=approved
        )
    except GatewayUnavailable as exc:
        logger.warning(
            "%s payment %s: gateway unavailable during step-up; still waiting",
            payment.reference,
            payment.pk,
        )
        raise GatewayUnavailable(payment=payment) from exc
    logger.info(
        "%s payment %s: step-up %s",
        payment.reference,
        payment.pk,
        "passed" if approved else "failed",
    )
    return _payment_outcome(_payment_apply_result(payment, result))
