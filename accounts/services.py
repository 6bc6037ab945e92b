"""Writes for accounts: creating shoppers, security notices, the address book."""

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_lazy

from accounts.models import Address, PostalAddress, User, email_normalize
from core.audit import AuditAction, audit_reason, audit_record
from core.letters import letter_enqueue
from core.links import absolute_url
from core.security_log import security_event
from core.text import one_line

logger = logging.getLogger(__name__)

DUPLICATE_EMAIL_MESSAGE = gettext_lazy("An account with this email already exists.")


def user_create(*, email: str, password: str, full_name: str = "", language: str = "en") -> User:
    """Create a shopper account with the given (already validated) password.

    The email is stored lower-cased; it is the login and unique regardless of case.
    Atomic. Raises ValidationError(code="duplicate_email") when the address is taken,
    including when a concurrent sign-up wins the race to the unique constraint.
    """
    email = email_normalize(email)
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError(DUPLICATE_EMAIL_MESSAGE, code="duplicate_email")
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email=email, password=password, full_name=full_name, language=language
            )
    except IntegrityError as exc:
        raise ValidationError(DUPLICATE_EMAIL_MESSAGE, code="duplicate_email") from exc
    logger.info("account created user=%s", user.pk)
    return user


def user_sign_up(*, email: str, password: str, language: str = "en") -> User | None:
    """Sign-up: create the shopper account, or, when the email already has one, create
    nothing and queue a letter to that inbox saying so (with the login and reset links).

    Returns the new user, or None for a taken email. The caller answers both the same way
    so the sign-up page never tells whether an email has an account. Atomic; the letter
    goes out after commit. ``language`` is the one the visitor was browsing in: the new
    account's pages and letters.
    """
    try:
        user = user_create(email=email, password=password, language=language)
    except ValidationError as exc:
        if exc.code != "duplicate_email":
            raise
    else:
        security_event("auth.signup", user=user, outcome="success")
        return user
    existing = User.objects.filter(email__iexact=email_normalize(email)).first()
    security_event("auth.signup", user=existing, outcome="duplicate", email=email)
    if existing is not None:
        _send_after_commit(
            existing,
            subject=gettext_lazy("You already have a Bazaar account"),
            template="registration/signup_existing_email.txt",
        )
    return None


def _send_after_commit(user: User, *, subject: str, template: str) -> None:
    context = {
        "user": user,
        "support_email": settings.DEFAULT_FROM_EMAIL,
        "login_url": absolute_url(reverse("accounts:login")),
        "reset_url": absolute_url(reverse("accounts:password_reset")),
    }
    # Letters are written in the account's language, whatever page the request came from.
    with translation.override(user.language):
        subject = str(subject)
        body = render_to_string(template, context)
    letter_enqueue(to=user.email, subject=subject, body=body)


def user_notify_password_changed(*, user: User) -> None:
    """Queue a security notice to the user's email saying the password was changed.

    Sent after the surrounding transaction commits (at once outside one).
    """
    context = {"user": user, "support_email": settings.DEFAULT_FROM_EMAIL}
    with translation.override(user.language):
        subject = gettext("Your Bazaar password was changed")
        body = render_to_string("registration/password_changed_email.txt", context)
    letter_enqueue(to=user.email, subject=subject, body=body)


def user_set_language(*, user: User, language: str) -> User:
    """Store the language the user picked (a code of ``settings.LANGUAGES``): their pages
    after each login and every letter to them. Raises ValidationError for another code."""
    if language not in dict(settings.LANGUAGES):
        raise ValidationError(gettext("Choose a language."), code="invalid_language")
    if user.language != language:
        user.language = language
        User.objects.filter(pk=user.pk).update(language=language)
    return user


def user_clear_login_failures(*, user: User) -> None:
    """Forget failed logins (and so any lockout) for this account on every device.

    Called once the owner proves control of the mailbox with a password-reset link, so
    the lockout page's "reset your password" advice actually lets them back in.
    """
    from axes.utils import reset

    reset(username=user.email)


# ---------------------------------------------------------------------------- addresses


def _address_fields(fields: dict) -> dict[str, str]:
    """``fields`` as typed, each made one clean line (``core.text.one_line``)."""
    unknown = set(fields) - set(PostalAddress.FIELDS)
    if unknown:
        raise TypeError(f"Unknown address fields: {', '.join(sorted(unknown))}")
    return {name: one_line(value) for name, value in fields.items()}


def address_create(*, user: User, **fields) -> Address:
    """Add an address (keyword fields of PostalAddress.FIELDS) to the user's address book.

    Validates with full_clean (raises ValidationError) and saves. Atomic. A new address
    never used yet does not displace the one used last as the default.
    """
    fields = _address_fields(fields)
    address = Address(user=user, **fields)
    address.full_clean()
    with transaction.atomic():
        address.save()
    return address


def address_update(*, address: Address, **fields) -> Address:
    """Change some fields of a saved address. Validates (raises ValidationError), saves."""
    fields = _address_fields(fields)
    for name, value in fields.items():
        setattr(address, name, value)
    address.full_clean()
    with transaction.atomic():
        address.save(update_fields=list(fields) or None)
    return address


def address_delete(*, address: Address) -> None:
    """Remove an address from its owner's book. Orders keep their own copy of it."""
    with transaction.atomic():
        address.delete()


def address_mark_used(*, address: Address) -> Address:
    """Record that the address was just used (e.g. shipped to): it becomes the default.

    A single UPDATE, so it is safe to call inside the checkout's transaction.
    """
    now = timezone.now()
    Address.objects.filter(pk=address.pk).update(last_used_at=now)
    address.last_used_at = now
    return address


def user_lock(*, user: User, by: User, reason: str) -> User:
    """Support's **Lock account** (a card-testing alarm, a fraud report): the account can't
    log in any more and its open sessions end at their next request (Django refuses
    inactive users). Staff's audit entry (``by``, the reason, required) is written in the
    same transaction. Atomic, idempotent (locking a locked account records nothing new and
    returns it). Raises ``ValueError`` without a reason, ``PermissionError`` for a staff
    account (staff are locked by a superuser, not from the support console).
    """
    reason = audit_reason(AuditAction.ACCOUNT_LOCK, reason)
    if user.is_staff or user.is_superuser:
        raise PermissionError("Staff accounts aren't locked from the support console.")
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if not locked.is_active:
            return locked
        locked.is_active = False
        locked.save(update_fields=["is_active"])
        audit_record(
            actor=by,
            action=AuditAction.ACCOUNT_LOCK,
            target=locked,
            reason=reason,
            summary=f"Locked the account {locked.email}: it can't log in any more.",
            details={"user_id": locked.pk},
        )
    return locked
