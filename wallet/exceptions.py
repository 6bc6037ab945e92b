"""Wallet and payment errors. Each docstring says who may see the message.

Hierarchy::

    WalletError
    ├── WalletConfirmationError     shopper (wallet creation and its confirmation letter)
    │   ├── ConfirmationLinkInvalid
    │   └── ConfirmationRateLimited
    ├── CardError
    │   ├── CardLimitReached        shopper
    │   ├── CardNotUsable           shopper
    │   ├── CardBlocked             shopper
    │   └── CaptchaRequired         shopper (too many declines: show the CAPTCHA)
    ├── IllegalPaymentTransition    staff / logs only (a bug or a race lost)
    └── PaymentError
        ├── PaymentDeclined         shopper (message chosen from the decline code)
        ├── AuthenticationRequired  shopper is sent to the step-up challenge
        ├── PaymentCanceled         shopper
        ├── PaymentInProgress       shopper ("Your payment is being processed")
        ├── PaymentAlreadySucceeded shopper (another payment for the reference succeeded)
        ├── GatewayUnavailable      shopper sees a generic message; details are logged
        │   └── ProcessingError     shopper sees a generic message; nothing was charged
        ├── GatewayRequestError     logs only (we sent the gateway something it refused)
        ├── IdempotencyConflict     logs only (a key reused with other parameters)
        └── RefundError             staff
            ├── RefundNotAllowed
            └── RefundExceedsCaptured

Payment errors raised by the services carry ``.payment`` (the saved ``Payment`` row, whose
status says what happened) so the caller can show it and retry; ``.refund`` likewise.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy

if TYPE_CHECKING:
    from wallet.models import Payment, Refund

# Decline codes -> what the shopper is told. Lost/stolen/fraud codes deliberately read as a
# plain decline: telling a thief the card is reported helps nobody but the thief.
GENERIC_DECLINE_MESSAGE = gettext_lazy(
    "Your card was declined. Please use another card or way of paying."
)
DECLINE_MESSAGES = {
    "generic_decline": GENERIC_DECLINE_MESSAGE,
    "card_declined": GENERIC_DECLINE_MESSAGE,
    "insufficient_funds": gettext_lazy(
        "Your card has insufficient funds. Please use another card."
    ),
    "expired_card": gettext_lazy("Your card has expired. Please use another card."),
    "incorrect_cvc": gettext_lazy("The security code (CVC) is incorrect. Check it and try again."),
    "incorrect_number": gettext_lazy("The card number is incorrect. Check it and try again."),
    "lost_card": GENERIC_DECLINE_MESSAGE,
    "stolen_card": GENERIC_DECLINE_MESSAGE,
    "fraudulent": GENERIC_DECLINE_MESSAGE,
    "card_velocity_exceeded": gettext_lazy(
        "This card has been tried too many times. Please wait and try later or use another card."
    ),
    "authentication_failed": gettext_lazy(
        "Your bank could not confirm this payment. Please try again or use another card."
    ),
    "processing_error": gettext_lazy(
        "The card processor had a problem and no money was taken. Please try again."
    ),
    "no_response": gettext_lazy(
        "The card processor did not answer and no money was taken. Please try again."
    ),
    "processor_unreachable": gettext_lazy(
        "We couldn't reach the card processor, so nothing was charged. Please try again in a "
        "few minutes."
    ),
    "canceled": gettext_lazy("This payment was canceled and no money was taken."),
    # Stopped by the shop before it was sent (the order was cancelled or paid meanwhile).
    "called_off": gettext_lazy(
        "This payment was called off before it was sent; nothing was charged."
    ),
}
# The same, without the advice to try again: why an attempt failed, for the page of an
# order that no longer waits for payment (paid another way, or cancelled). A code not
# here (a plain decline; lost, stolen, fraud) reads as GENERIC_DECLINE_REASON.
GENERIC_DECLINE_REASON = gettext_lazy("Your card was declined.")
DECLINE_REASONS = {
    "insufficient_funds": gettext_lazy("Your card had insufficient funds."),
    "expired_card": gettext_lazy("Your card had expired."),
    "incorrect_cvc": gettext_lazy("The security code (CVC) was incorrect."),
    "incorrect_number": gettext_lazy("The card number was incorrect."),
    "card_velocity_exceeded": gettext_lazy("This card had been tried too many times."),
    "authentication_failed": gettext_lazy("Your bank could not confirm this payment."),
    "processing_error": gettext_lazy("The card processor had a problem and no money was taken."),
    "no_response": gettext_lazy("The card processor did not answer and no money was taken."),
    "processor_unreachable": gettext_lazy(
        "We couldn't reach the card processor, so nothing was charged."
    ),
    "canceled": DECLINE_MESSAGES["canceled"],
    "called_off": DECLINE_MESSAGES["called_off"],
}
# After a timeout nobody knows yet whether the bank took the money: say exactly that.
GATEWAY_UNAVAILABLE_MESSAGE = gettext_lazy(
    "We are checking with your bank; you will not be charged twice. This page updates "
    "itself once your bank answers."
)
PAYMENT_IN_PROGRESS_MESSAGE = gettext_lazy(
    "Your payment is being processed. We are waiting for your bank's answer; you will not "
    "be charged twice."
)


def decline_message(code: str) -> str:
    """The shopper-safe sentence for a decline code (a generic one for unknown codes)."""
    return DECLINE_MESSAGES.get(code, GENERIC_DECLINE_MESSAGE)


def decline_reason(code: str) -> str:
    """``decline_message`` without its advice to try again (a generic one for unknown
    codes)."""
    return DECLINE_REASONS.get(code, GENERIC_DECLINE_REASON)


class WalletError(Exception):
    """Base of every wallet error. ``message`` is safe for the shopper unless noted."""

    default_message = gettext_lazy("Something went wrong with your wallet.")
    code = "wallet_error"

    def __init__(self, message: str | None = None, *, code: str | None = None) -> None:
        self.message = message or self.default_message
        if code:
            self.code = code
        super().__init__(self.message)


class CardError(WalletError):
    """A card operation was refused. Message safe for the shopper."""


class CardLimitReached(CardError):
    """The wallet already holds ``WALLET_MAX_CARDS`` active cards. Shopper may see it."""

    default_message = gettext_lazy(
        "Your wallet already holds the most cards it can. Remove one first."
    )
    code = "card_limit_reached"


class CardNotUsable(CardError):
    """The card is removed, disabled, expired or not the shopper's. Shopper may see it."""

    default_message = gettext_lazy("This card can't be used. Please choose another card.")
    code = "card_not_usable"


class CardBlocked(CardError):
    """The card was disabled by support and can't be linked again. Shopper may see it."""

    default_message = gettext_lazy(
        "This card can't be added to your wallet. Please contact support."
    )
    code = "card_blocked"


class CaptchaRequired(CardError):
    """Several cards were declined in the last hour: the next card attempt needs the
    CAPTCHA. Shopper may see it."""

    default_message = gettext_lazy("Please type the letters in the picture to try another card.")
    code = "captcha_required"


class IllegalPaymentTransition(WalletError):
    """A payment status move the transition table forbids. Staff and logs only."""

    default_message = gettext_lazy("This payment can't move to that status.")
    code = "illegal_transition"


class PaymentError(WalletError):
    """Base of payment errors. ``payment``/``refund`` hold the saved rows, if any."""

    default_message = gettext_lazy("The payment could not be completed.")
    code = "payment_error"

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        payment: Payment | None = None,
        refund: Refund | None = None,
    ) -> None:
        super().__init__(message, code=code)
        self.payment = payment
        self.refund = refund


class PaymentDeclined(PaymentError):
    """The card issuer or processor said no. ``code`` is the decline code (for staff and
    logs); ``message`` is chosen from the code by ``decline_message`` and is safe to show
    the shopper."""

    code = "generic_decline"

    def __init__(self, message: str | None = None, *, code: str = "generic_decline", **kwargs):
        super().__init__(message or decline_message(code), code=code, **kwargs)


class AuthenticationRequired(PaymentError):
    """The bank wants the shopper to confirm the payment (step-up, 3-D Secure). Not a
    failure: send the shopper to the challenge, then call ``payment_confirm_step_up``.
    Message safe for the shopper."""

    default_message = gettext_lazy("Your bank asks you to confirm this payment.")
    code = "authentication_required"


class PaymentCanceled(PaymentError):
    """The payment was canceled before completing; no money moved. Shopper may see it."""

    default_message = DECLINE_MESSAGES["canceled"]
    code = "canceled"


class PaymentInProgress(PaymentError):
    """Another card payment for the same reference is still open and the processor has not
    answered for it yet (or can't be asked now), so no second charge was attempted.
    ``payment`` is the open one. Shopper may see the message."""

    default_message = PAYMENT_IN_PROGRESS_MESSAGE
    code = "payment_in_progress"


class PaymentAlreadySucceeded(PaymentError):
    """Asking the processor about the reference's open payment showed it succeeded, so no
    second charge was attempted. ``payment`` is the succeeded one: apply it."""

    default_message = gettext_lazy("This has already been paid.")
    code = "already_paid"


class GatewayUnavailable(PaymentError):
    """The gateway did not answer (timeout, network). With code ``unreachable`` nothing was
    delivered; otherwise whether money moved is unknown until a retry with the same
    idempotency key or ``payment_reconcile`` finds out, and the payment stays ``processing``.
    Log the details; show the shopper only the generic ``message``."""

    default_message = GATEWAY_UNAVAILABLE_MESSAGE
    code = "gateway_unavailable"


class ProcessingError(GatewayUnavailable):
    """The processor answered that it failed to process the charge: nothing was charged and
    the payment is ``failed``. Shopper sees the generic message; retrying is safe."""

    default_message = DECLINE_MESSAGES["processing_error"]
    code = "processing_error"


class GatewayRequestError(PaymentError):
    """The gateway refused the request itself (unknown token or charge, bad parameters).
    A bug on our side: logs and staff only; the shopper gets a generic message."""

    default_message = gettext_lazy(
        "The payment could not be completed. Please try another way of paying."
    )
    code = "invalid_request"


class IdempotencyConflict(PaymentError):
    """An idempotency key was reused with different parameters; nothing was charged.
    A bug in the caller: logs only."""

    default_message = gettext_lazy("This payment request conflicts with an earlier one.")
    code = "idempotency_conflict"


class RefundError(PaymentError):
    """A refund was refused. Message for staff."""

    default_message = gettext_lazy("The refund could not be made.")
    code = "refund_error"


class RefundNotAllowed(RefundError):
    """The payment is not in a state that can be refunded (not succeeded). Staff."""

    default_message = gettext_lazy("Only a completed payment can be refunded.")
    code = "refund_not_allowed"


class RefundExceedsCaptured(RefundError):
    """The refund is larger than what was captured minus what was already refunded. Staff."""

    default_message = gettext_lazy("The refund is larger than the amount left to refund.")
    code = "refund_exceeds_captured"


class WalletConfirmationError(WalletError):
    """Creating or confirming the wallet was refused. Message safe for the shopper."""

    default_message = gettext_lazy("Your wallet could not be confirmed.")
    code = "wallet_confirmation"


class ConfirmationLinkInvalid(WalletConfirmationError):
    """A confirmation link that is tampered with, expired, replaced by a newer letter,
    already used or meant for another account. ``code`` says which; shopper may see it."""

    default_message = gettext_lazy(
        "This confirmation link is not valid. Ask for a new letter below."
    )
    code = "invalid_link"


class ConfirmationRateLimited(WalletConfirmationError):
    """Too many confirmation letters asked for; ``message`` says when to try again."""

    default_message = gettext_lazy(
        "You asked for letters too often. Please wait a little and try again."
    )
    code = "rate_limited"
