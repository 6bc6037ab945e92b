"""The wallet account: creating it and confirming it by a signed link sent by email.

A wallet is created (after a CAPTCHA, checked by the view) and a letter goes to the
account's email with a link on ``settings.SITE_URL`` (``core.links.absolute_url``) signed by
``django.core.signing`` (salted, time-stamped, valid for
``settings.WALLET_CONFIRMATION_MAX_AGE`` seconds). The link carries a nonce that is also
stored on the account: a newer letter replaces it and confirming clears it, so each link
works once and only the latest letter counts. Letters are rate-limited through the cache
(shared by every web process): one a minute and ``LETTERS_PER_DAY`` a day per user.
"""

from __future__ import annotations

import logging
import secrets

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext, gettext_lazy, ngettext

from accounts.models import User
from core.letters import letter_enqueue
from core.links import absolute_url
from core.ratelimit import ratelimit_hit
from wallet.exceptions import ConfirmationLinkInvalid, ConfirmationRateLimited
from wallet.models import WalletAccount

logger = logging.getLogger("wallet.account")

CONFIRMATION_SALT = "wallet.confirmation"
LETTER_INTERVAL_SECONDS = 60
LETTERS_PER_DAY = 5

LINK_MESSAGES = {
    "tampered": gettext_lazy(
        "This confirmation link is not valid. Check that you copied all of it, "
        "or ask for a new letter below."
    ),
    "expired": gettext_lazy("This confirmation link has expired. Ask for a new letter below."),
    "replaced": gettext_lazy(
        "This link is from an older letter. Use the link in the newest letter, "
        "or ask for a new one below."
    ),
    "used": gettext_lazy("This confirmation link has already been used. Your wallet is ready."),
    "wrong_account": gettext_lazy(
        "This confirmation link belongs to another account. Log in with the account it was sent to."
    ),
}


def _rate_limit_letter(*, user: User) -> None:
    """Count one letter for ``user`` or raise ``ConfirmationRateLimited``."""
    if not ratelimit_hit(
        f"wallet-letters:minute:{user.pk}", limit=1, window_seconds=LETTER_INTERVAL_SECONDS
    ):
        raise ConfirmationRateLimited(
            gettext(
                "We sent you a letter less than a minute ago. Please wait a minute before "
                "asking for another one."
            )
        )
    if not ratelimit_hit(
        f"wallet-letters:day:{user.pk}", limit=LETTERS_PER_DAY, window_seconds=60 * 60 * 24
    ):
        raise ConfirmationRateLimited(
            ngettext(
                "You have asked for %(count)d letter today, the most we send in a day. "
                "Please check your spam folder, or try again tomorrow.",
                "You have asked for %(count)d letters today, the most we send in a day. "
                "Please check your spam folder, or try again tomorrow.",
                LETTERS_PER_DAY,
            )
            % {"count": LETTERS_PER_DAY}
        )


def wallet_confirmation_token(*, account: WalletAccount) -> str:
    """The signed token for ``account``'s current nonce (time-stamped now)."""
    return signing.dumps({"a": account.pk, "n": account.confirmation_nonce}, salt=CONFIRMATION_SALT)


def _letter_send(*, account: WalletAccount) -> None:
    """New nonce, then the letter after commit. Caller holds the account row lock."""
    _rate_limit_letter(user=account.user)
    account.confirmation_nonce = secrets.token_urlsafe(24)
    account.confirmation_sent_at = timezone.now()
    account.save(update_fields=["confirmation_nonce", "confirmation_sent_at"])
    token = wallet_confirmation_token(account=account)
    url = absolute_url(reverse("wallet:confirm", kwargs={"token": token}))
    hours = settings.WALLET_CONFIRMATION_MAX_AGE // 3600
    # In the account's language, whatever page the request came from.
    with translation.override(account.user.language):
        subject = gettext("Confirm your Bazaar wallet")
        body = render_to_string(
            "wallet/emails/wallet_confirm.txt",
            {"user": account.user, "url": url, "hours": hours},
        )
    letter_enqueue(
        to=account.user.email,
        subject=subject,
        body=body,
        dedupe_key=f"wallet:{account.pk}:confirm:{account.confirmation_nonce}",
    )
    logger.info("wallet: confirmation letter queued for user %s", account.user_id)


def wallet_create(*, user: User) -> WalletAccount:
    """Create ``user``'s wallet (unconfirmed) and send the confirmation letter.

    Idempotent: an existing wallet is returned; a confirmed one gets no letter, an
    unconfirmed one gets a new letter (subject to the rate limit). Atomic; locks the
    account row. Raises ``ConfirmationRateLimited``.
    """
    with transaction.atomic():
        account, _created = WalletAccount.objects.get_or_create(user=user)
        account = (
            WalletAccount.objects.select_for_update().select_related("user").get(pk=account.pk)
        )
        if account.is_confirmed:
            return account
        _letter_send(account=account)
    return account


def wallet_confirmation_resend(*, user: User) -> WalletAccount:
    """Send a new confirmation letter; the earlier links stop working.

    Atomic; locks the account row. Raises ``WalletAccount.DoesNotExist`` (no wallet yet)
    and ``ConfirmationRateLimited`` (one letter a minute, ``LETTERS_PER_DAY`` a day). A
    confirmed wallet is returned unchanged.
    """
    with transaction.atomic():
        account = WalletAccount.objects.select_for_update().select_related("user").get(user=user)
        if account.is_confirmed:
            return account
        _letter_send(account=account)
    return account


def wallet_confirm(*, user: User, token: str) -> WalletAccount:
    """Confirm ``user``'s wallet with the token from the letter. Works once.

    Raises ``ConfirmationLinkInvalid`` with ``code`` tampered, expired, replaced (an older
    letter), used (the wallet is already confirmed) or wrong_account; its message is safe
    to show. Atomic; locks the account row so a double click confirms once.
    """
    try:
        payload = signing.loads(
            token, salt=CONFIRMATION_SALT, max_age=settings.WALLET_CONFIRMATION_MAX_AGE
        )
    except signing.SignatureExpired:
        payload = None
        code = "expired"
    except signing.BadSignature:
        payload = None
        code = "tampered"
    if payload is None:
        # An old link for a wallet that is confirmed anyway needs no scary message.
        if WalletAccount.objects.filter(user=user, confirmed_at__isnull=False).exists():
            code = "used"
        raise ConfirmationLinkInvalid(LINK_MESSAGES[code], code=code)
    if not isinstance(payload, dict) or not isinstance(payload.get("n"), str):
        raise ConfirmationLinkInvalid(LINK_MESSAGES["tampered"], code="tampered")

    with transaction.atomic():
        account = WalletAccount.objects.select_for_update().filter(pk=payload.get("a")).first()
        if account is None:
            raise ConfirmationLinkInvalid(LINK_MESSAGES["tampered"], code="tampered")
        if account.user_id != user.pk:
            raise ConfirmationLinkInvalid(LINK_MESSAGES["wrong_account"], code="wrong_account")
        if account.is_confirmed:
            raise ConfirmationLinkInvalid(LINK_MESSAGES["used"], code="used")
        if not account.confirmation_nonce or not constant_time_compare(
            account.confirmation_nonce, payload["n"]
        ):
            raise ConfirmationLinkInvalid(LINK_MESSAGES["replaced"], code="replaced")
        account.confirmed_at = timezone.now()
        account.confirmation_nonce = ""
        account.save(update_fields=["confirmed_at", "confirmation_nonce"])
    logger.info("wallet: user %s confirmed the wallet", user.pk)
    return account
