"""What the session carries about the shopper's wallet: that it is confirmed.

A wallet once confirmed stays confirmed (DESIGN: "Once confirmed, the wallet never asks
again"; nothing unconfirms one, and support sees ``confirmed_at`` read-only), so the fact
can travel in the session from the login or the confirmation on, and the wallet's pages
(``wallet.views.mixins``) need not ask the database on each view. Only "confirmed" is carried: until
then every view asks the database, and no GET writes the session to remember an answer.
"""

from __future__ import annotations

from wallet import selectors

SESSION_KEY = "wallet_confirmed"


def wallet_confirmed_remember(request) -> None:
    """The signed-in shopper's wallet is confirmed: say so in their session."""
    request.session[SESSION_KEY] = True


def wallet_is_confirmed(request) -> bool:
    """Whether the signed-in shopper's wallet is confirmed: from the session when it
    carries the fact, else from the database."""
    if request.session.get(SESSION_KEY) is True:
        return True
    return selectors.wallet_is_confirmed_for_user(user=request.user)


def on_user_logged_in(sender, request, user, **kwargs) -> None:
    """``user_logged_in`` receiver: a shopper whose wallet is confirmed carries that from
    the login on (the login writes the session anyway)."""
    if (
        request is not None
        and hasattr(request, "session")
        and selectors.wallet_is_confirmed_for_user(user=user)
    ):
        wallet_confirmed_remember(request)
