"""Staff accounts (PCI DSS 8): sessions idle out after 15 minutes, 10 failed logins lock the
account for 30 minutes from any address, passwords of 12+ characters with letters and
digits. Shoppers keep their rules."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN_URL = reverse("accounts:login")
ADMIN_URL = reverse("admin:index")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def staff(db):
    return UserFactory(email="staff@example.com", is_staff=True, is_superuser=True)


def _attempt(client, email, password, ip="203.0.113.7"):
    return client.post(LOGIN_URL, {"username": email, "password": password}, REMOTE_ADDR=ip)


# ------------------------------------------------------------------------- idle sessions


def test_a_staff_session_ends_after_15_idle_minutes(client, staff, settings, security_log):
    assert settings.STAFF_SESSION_IDLE_MINUTES == 15
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client.force_login(staff)
        assert client.get(ADMIN_URL).status_code == 200
        clock.shift(timedelta(minutes=14))
        assert client.get(ADMIN_URL).status_code == 200  # activity restarts the clock
        clock.shift(timedelta(minutes=14))
        assert client.get(ADMIN_URL).status_code == 200
        clock.shift(timedelta(minutes=15, seconds=30))

        response = client.get(ADMIN_URL)

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
    assert not get_user(client).is_authenticated
    (event,) = security_log.events("auth.session_timeout")
    assert event["user_id"] == staff.pk


def test_a_staff_session_cookie_and_row_expire_with_the_idle_window(client, staff):
    _attempt(client, staff.email, DEFAULT_PASSWORD)

    assert client.session.get_expiry_age() <= 16 * 60
    assert not client.session.get_expire_at_browser_close()


def test_a_shopper_session_keeps_its_length(client, user, settings):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client.force_login(user)
        clock.shift(timedelta(hours=20))

        response = client.get(reverse("shop:order-list"))

    assert response.status_code == 200
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE


# ------------------------------------------------------------------------------ lockout


def test_ten_staff_failures_lock_the_account_for_30_minutes_from_every_address(client, staff):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for n in range(9):
            assert _attempt(client, staff.email, "wrong", ip=f"203.0.113.{n}").status_code == 200
        assert _attempt(client, staff.email, "wrong", ip="203.0.113.99").status_code == 429

        # Locked from an address that never failed too, and still at 29 minutes.
        assert _attempt(client, staff.email, DEFAULT_PASSWORD, ip="198.51.100.1").status_code == 429
        clock.shift(timedelta(minutes=29))
        assert _attempt(client, staff.email, DEFAULT_PASSWORD, ip="198.51.100.1").status_code == 429
        clock.shift(timedelta(minutes=2))

        response = _attempt(client, staff.email, DEFAULT_PASSWORD, ip="198.51.100.1")

    assert response.status_code == 302
    assert get_user(client).pk == staff.pk


def test_a_shopper_locks_after_five_per_address_for_15_minutes_as_before(client, user, staff):
    # A shopper's lock sweep must not shorten a staff lock (each attempt keeps its expiry).
    for _ in range(10):
        _attempt(client, staff.email, "wrong")
    for _ in range(5):
        _attempt(client, user.email, "wrong")

    assert _attempt(client, user.email, DEFAULT_PASSWORD).status_code == 429
    assert _attempt(client, user.email, DEFAULT_PASSWORD, ip="198.51.100.1").status_code == 302
    with time_machine.travel(timezone.now() + timedelta(minutes=16), tick=False):
        assert _attempt(Client(), user.email, DEFAULT_PASSWORD).status_code == 302
        assert _attempt(Client(), staff.email, DEFAULT_PASSWORD).status_code == 429


def test_the_customer_page_says_a_locked_staff_account_is_locked(superuser_client, staff):
    for _ in range(10):
        _attempt(Client(), staff.email, "wrong")

    html = superuser_client.get(reverse("admin:accounts_user_change", args=[staff.pk])).content
    assert b"locked out now" in html


# ---------------------------------------------------------------------------- passwords


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("river-lantern", "staff_password_letters_and_digits"),  # 13 letters, no digit
        ("4829-1734-0561", "staff_password_letters_and_digits"),  # digits only
        ("lantern-42a", "staff_password_too_short"),  # 11 characters
    ],
)
def test_a_staff_password_needs_12_characters_with_letters_and_digits(staff, password, code):
    with pytest.raises(ValidationError) as excinfo:
        validate_password(password, user=staff)

    assert code in {error.code for error in excinfo.value.error_list}


def test_a_good_staff_password_passes(staff):
    validate_password("river-lantern-42", user=staff)


def test_shoppers_keep_the_ten_character_rule(user):
    validate_password("riverlanta", user=user)  # 10 letters: fine for a shopper


def test_staff_password_change_page_refuses_a_weak_password(client, staff):
    client.force_login(staff)

    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": DEFAULT_PASSWORD,
            "new_password1": "meadow-lantern",
            "new_password2": "meadow-lantern",
        },
    )

    assert response.status_code == 200
    assert response.context["form"].has_error(
        "new_password1", code="staff_password_letters_and_digits"
    )
