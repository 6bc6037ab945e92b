"""django-axes hooks: how a login attempt is attributed to an account."""

from datetime import timedelta

from django.conf import settings

from accounts.models import email_normalize


def lockout_username(request, credentials: dict | None = None) -> str:
    """The account a login attempt targets, lower-cased like stored emails.

    Without this, "Ann@Example.com" and "ann@example.com" would count failures separately,
    giving an attacker a fresh set of attempts for every spelling of the same login.
    """
    field = settings.AXES_USERNAME_FORM_FIELD
    if credentials:
        value = credentials.get(field)
    else:
        value = getattr(request, "data", request.POST).get(field)
    return email_normalize(value)


# ------------------------------------------------------------------------ staff accounts
# Staff accounts (PCI DSS 8.3.4) lock after STAFF_AXES_FAILURE_LIMIT failures for
# STAFF_AXES_COOLOFF_MINUTES, counted per account from any address; shoppers keep
# AXES_FAILURE_LIMIT / AXES_COOLOFF_MINUTES per (account, address).


def _is_staff_login(request_or_attempt, credentials: dict | None = None) -> bool:
    """Whether the login being attempted names a staff account (cached on the request)."""
    from accounts.models import User

    cached = getattr(request_or_attempt, "_bazaar_staff_login", None)
    if cached is not None:
        return cached
    if hasattr(request_or_attempt, "failures_since_start"):  # an axes AccessAttempt row
        username = request_or_attempt.username or ""
    elif credentials or hasattr(request_or_attempt, "POST"):
        username = lockout_username(request_or_attempt, credentials)
    else:
        username = ""
    staff = bool(username) and User.objects.filter(email__iexact=username, is_staff=True).exists()
    request_or_attempt._bazaar_staff_login = staff
    return staff


def lockout_failure_limit(request, credentials: dict | None = None) -> int:
    """AXES_FAILURE_LIMIT: failures before a lockout."""
    if _is_staff_login(request, credentials):
        return settings.STAFF_AXES_FAILURE_LIMIT
    return settings.SHOPPER_AXES_FAILURE_LIMIT


def lockout_cooloff(request=None) -> timedelta:
    """AXES_COOLOFF_TIME: how long a lockout lasts."""
    if request is not None and _is_staff_login(request, getattr(request, "axes_credentials", None)):
        return timedelta(minutes=settings.STAFF_AXES_COOLOFF_MINUTES)
    return timedelta(minutes=settings.SHOPPER_AXES_COOLOFF_MINUTES)


def lockout_parameters(request_or_attempt, credentials: dict | None = None) -> list:
    """AXES_LOCKOUT_PARAMETERS: a staff account is locked from every address (a distributed
    guess can't spread over many addresses); a shopper's only from the address that failed
    (nobody can lock a shopper out from elsewhere)."""
    if _is_staff_login(request_or_attempt, credentials):
        return ["username"]
    return [["username", "ip_address"]]
