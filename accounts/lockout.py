"""django-axes hooks: how a login attempt is attributed to an account."""

from django.conf import settings


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
    return (value or "").strip().lower()
