"""Payments left pending: reconcile one a timeout left ``processing``, cancel an abandoned one."""

from __future__ import annotations

import logging

from wallet.exceptions import GatewayUnavailable
from wallet.gateways import get_gateway
from wallet.models import Payment, PaymentMethod, PaymentStatus
from wallet.services.payments._ledger import _payment_apply_result, _payment_settle

logger = logging.getLogger("wallet.payments")


def payment_cancel(*, payment: Payment) -> Payment:
    """Abandon a pending payment (e.g. its order expired). Returns the payment, which may
    turn out ``succeeded`` if the shopper completed it first: check its status.

    Bank transfers waiting for money are canceled at once; a card payment waiting for
    step-up is canceled at the gateway first (no lock held). A card payment still
    ``processing`` is reconciled first; if the gateway can't say, raises
    ``GatewayUnavailable``. Final payments are returned unchanged (idempotent).
    """
    payment = Payment.objects.get(pk=payment.pk)
    if payment.is_final:
        return payment
    if payment.method == PaymentMethod.BANK_TRANSFER:
        return _payment_settle(payment.pk, status=PaymentStatus.CANCELED)
    if payment.status == PaymentStatus.PROCESSING:
        payment = payment_reconcile(payment=payment)
        if payment.status == PaymentStatus.PROCESSING:
            raise GatewayUnavailable(payment=payment)
        if payment.is_final:
            return payment
    result = get_gateway().cancel_charge(charge_id=payment.gateway_charge_id)
    logger.info("%s payment %s: canceled at the gateway", payment.reference, payment.pk)
    return _payment_apply_result(payment, result)


def payment_reconcile(*, payment: Payment) -> Payment:
    """Ask the gateway what became of a pending card payment (by its idempotency key) and
    settle it. Returns the payment; never raises for declines.

    A charge the gateway never received is marked failed (``no_response``, nothing
    charged), so only reconcile payments older than any request still in flight: the
    ``reconcile_payments`` command waits a few minutes. Raises ``GatewayUnavailable`` if
    the gateway can't be asked; the payment is then unchanged.
    """
    payment = Payment.objects.get(pk=payment.pk)
    if payment.method != PaymentMethod.CARD or not payment.is_pending:
        return payment
    result = get_gateway().retrieve_charge(idempotency_key=payment.idempotency_key)
    if result is None:
        if payment.status != PaymentStatus.PROCESSING:
            return payment
        logger.warning(
            "%s payment %s: the gateway never received the charge; marking it failed",
            payment.reference,
            payment.pk,
        )
        return _payment_settle(payment.pk, status=PaymentStatus.FAILED, decline_code="no_response")
    logger.info(
        "%s payment %s: reconciled with charge %s", payment.reference, payment.pk, result.id
    )
    return _payment_apply_result(payment, result)
