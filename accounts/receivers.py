"""Signal receivers for the security log: logins, failures, lockouts and logouts.

Each only hands the event to ``core.security_log.security_event``.
"""

from core.security_log import security_event


def _account_id(username: str | None) -> int | None:
    """The id of the account a typed login names, if there is one (support reads a
    customer's failed logins on their page); None for an unknown email."""
    from accounts.models import User

    if not username:
        return None
    return User.objects.filter(email__iexact=username.strip()).values_list("pk", flat=True).first()


def log_login(sender, request, user, **kwargs) -> None:
    security_event("auth.login", request=request, user=user, outcome="success")


def start_staff_session(sender, request, user, **kwargs) -> None:
    from accounts.middleware import staff_session_touch

    if request is not None:
        staff_session_touch(request, user)


def log_login_failed(sender, credentials, request=None, **kwargs) -> None:
    # Django has already replaced the password in `credentials` with asterisks; only the
    # typed login is kept, escaped like any user text by the JSON encoding.
    username = (credentials or {}).get("username") or (credentials or {}).get("email") or ""
    security_event(
        "auth.login",
        request=request,
        user=_account_id(username),
        outcome="failure",
        username=username,
    )


def log_logout(sender, request, user, **kwargs) -> None:
    if user is not None:
        security_event("auth.logout", request=request, user=user, outcome="success")


def log_lockout(sender, request, username, ip_address, **kwargs) -> None:
    security_event(
        "auth.lockout",
        request=request,
        user=_account_id(username),
        outcome="blocked",
        username=username,
    )
