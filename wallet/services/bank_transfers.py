"""Bank transfers: recorded at once, settled when staff see the money arrive. The processor
never hears of them; the ``Payment`` row is the whole ledger entry."""

from __future__ import annotations

import logging
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext_noop

from accounts.models import User
from wallet.exceptions import IllegalPaymentTransition
from wallet.models import Payment, PaymentMethod, PaymentStatus, WalletEvent, event_message
from wallet.services.inputs import clean_payment_request
from wallet.services.ledger import ledger_event_record, ledger_label, payment_settle
from wallet.services.payments import payment_open

logger = logging.getLogger("wallet.payments")


def payment_start_bank_transfer(
    *,
    user: User,
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
    event; the same key with other parameters raises ``IdempotencyConflict``); returns the
    payment in whatever state it is. No gateway call, no row lock. Raises
    ``TypeError``/``ValueError`` for a bad amount, reference or key."""
    request = clean_payment_request(amount, currency, reference, idempotency_key, description)
    with transaction.atomic():
        payment, created = payment_open(
            user=user, method=PaymentMethod.BANK_TRANSFER, **request.fields()
        )
        if created:
            ledger_event_record(
                payment,
                kind=WalletEvent.Kind.PAYMENT_PENDING,
                message=event_message(
                    gettext_noop(
                        "Bank transfer of %(money)s for %(reference)s awaiting your payment."
                    ),
                    amount=str(payment.amount),
                    currency=payment.currency,
                    reference=payment.reference,
                ),
            )
    if created:
        logger.info("%s: waiting for a bank transfer", ledger_label(payment))
    return payment


def payment_mark_bank_transfer_received(*, payment: Payment, by: User) -> Payment:
    """Staff confirm a bank transfer arrived: the payment succeeds, recording who did it
    (``confirmed_by`` and the event's actor). Atomic under the payment row lock;
    idempotent for a payment already succeeded. Raises ``IllegalPaymentTransition`` for a
    card payment or a canceled transfer."""
    if payment.method != PaymentMethod.BANK_TRANSFER:
        raise IllegalPaymentTransition("Only bank transfers are marked received by staff.")
    return payment_settle(
        payment=payment,
        status=PaymentStatus.SUCCEEDED,
        actor=by,
        only_from=(PaymentStatus.PROCESSING,),
    )
