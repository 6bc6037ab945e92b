"""Re-authentication for sensitive wallet actions (adding or removing a card).

The time the shopper last typed their password lives in the session: set at login (the
``user_logged_in`` receiver in wallet/apps.py) and on the "Confirm your password" page.
An action is allowed while that time is less than ``settings.WALLET_REAUTH_MINUTES`` old.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

SESSION_KEY = "wallet_password_at"


def password_entered_now(request) -> None:
    request.session[SESSION_KEY] = timezone.now().timestamp()


def password_entered_recently(request) -> bool:
    entered = request.session.get(SESSION_KEY)
    if not isinstance(entered, int | float):
        return False
    age = timezone.now().timestamp() - entered
    return 0 <= age < timedelta(minutes=settings.WALLET_REAUTH_MINUTES).total_seconds()


def on_user_logged_in(sender, request, user, **kwargs) -> None:
    """``user_logged_in`` receiver: a login is a password entry."""
    if request is not None and hasattr(request, "session"):
        password_entered_now(request)
