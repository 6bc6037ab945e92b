"""Bank transfers: recorded at once, settled when staff see the money arrive."""

from __future__ import annotations

import logging
from decimal import Decimal

from django.db import transaction

from core.money import format_money
from wallet.exceptions import IllegalPaymentTransition
from wallet.models import Payment, PaymentMethod, PaymentStatus, WalletEvent
from wallet.services._common import (
    clean_amount,
    clean_idempotency_key,
    clean_reference,
    event_record,
)
from wallet.services.payments._ledger import _default_description, _payment_open, _payment_settle

logger = logging.getLogger("wallet.payments")


def payment_start_bank_transfer(
    *,
    user,
    amount: Decimal,
    currency: str,
    reference: str,
    idempotency_key: str,
    description: str = "",
) -> Payment:
    """Record a bank transfer the shopper will make; the payment stays ``processing`` until
    staff call ``payment_mark_bank_transfer_received`` (or it is canceled). Quote
    ``payment.reference`` as the transfer reference. The shopper's payment activity gets an
    "Awaiting payment" event with the payment. Atomic; idempotent by key (one payment, one
    event); returns the payment in whatever state it is. No gateway call."""
    amount, currency = clean_amount(amount, currency)
    reference = clean_reference(reference)
    idempotency_key = clean_idempotency_key(idempotency_key)
    with transaction.atomic():
        payment, created = _payment_open(
            idempotency_key=idempotency_key,
            user=user,
            method=PaymentMethod.BANK_TRANSFER,
            card=None,
            card_brand="",
            card_last4="",
            amount=amount,
            currency=currency,
            reference=reference,
            description=_default_description(reference, description),
        )
        if created:
            money = format_money(amount, currency)
            event_record(
                user=user,
                kind=WalletEvent.Kind.PAYMENT_PENDING,
                payment=payment,
                amount=amount,
                currency=currency,
                message=f"Bank transfer of {money} for {reference} awaiting your payment.",
            )
    if created:
        logger.info("%s payment %s: waiting for a bank transfer", reference, payment.pk)
    return payment


def payment_mark_bank_transfer_received(*, payment: Payment, by) -> Payment:
    """Staff confirm a bank transfer arrived: the payment succeeds, recording who did it
    (``confirmed_by`` and the event's actor). Atomic under the payment row lock;
    idempotent for a payment already succeeded. Raises ``IllegalPaymentTransition`` for a
    card payment or a canceled transfer."""
    if payment.method != PaymentMethod.BANK_TRANSFER:
        raise IllegalPaymentTransition("Only bank transfers are marked received by staff.")
    return _payment_settle(
        payment.pk, status=PaymentStatus.SUCCEEDED, actor=by, only_from=(PaymentStatus.PROCESSING,)
    )
