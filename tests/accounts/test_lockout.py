"""django-axes: 5 failures lock that account from that client address for the cool-off."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user
from django.urls import reverse
from django.utils import timezone

from tests.factories import DEFAULT_PASSWORD, UserFactory

LOGIN_URL = reverse("accounts:login")
LOCKED_TEXT = "Too many failed login attempts"
ATTACKER_IP = "203.0.113.7"

pytestmark = pytest.mark.django_db


def _attempt(client, email, password, ip=ATTACKER_IP):
    return client.post(LOGIN_URL, {"username": email, "password": password}, REMOTE_ADDR=ip)


def _fail_five_times(client, email, ip=ATTACKER_IP):
    for _ in range(5):
        _attempt(client, email, "wrong-password", ip=ip)


def test_four_failures_still_allow_the_right_password(client, user):
    for _ in range(4):
        assert _attempt(client, user.email, "wrong-password").status_code == 200

    response = _attempt(client, user.email, DEFAULT_PASSWORD)

    assert response.status_code == 302
    assert get_user(client).pk == user.pk


def test_after_five_failures_even_the_right_password_is_refused_with_429(client, user):
    _fail_five_times(client, user.email)

    response = _attempt(client, user.email, DEFAULT_PASSWORD)

    assert response.status_code == 429
    html = response.content.decode()
    assert LOCKED_TEXT in html
    assert re.search(r"locked from this device\s+for 15 minutes", html)
    assert reverse("accounts:password_reset") in html
    assert not get_user(client).is_authenticated


def test_lockout_counts_every_spelling_of_the_email_as_one_account(client, user):
    for spelling in [user.email, user.email.upper(), user.email.title(), user.email, user.email]:
        _attempt(client, spelling, "wrong-password")

    response = _attempt(client, user.email.upper(), DEFAULT_PASSWORD)

    assert response.status_code == 429


def test_locked_account_can_still_log_in_from_another_address(client, user):
    _fail_five_times(client, user.email)

    response = _attempt(client, user.email, DEFAULT_PASSWORD, ip="198.51.100.20")

    assert response.status_code == 302
    assert get_user(client).pk == user.pk


def test_another_account_can_still_log_in_from_the_locked_address(client, user):
    neighbour = UserFactory()
    _fail_five_times(client, user.email)

    response = _attempt(client, neighbour.email, DEFAULT_PASSWORD)

    assert response.status_code == 302
    assert get_user(client).pk == neighbour.pk


def test_lockout_ends_after_the_cool_off(client, user):
    _fail_five_times(client, user.email)

    with time_machine.travel(timezone.now() + timedelta(minutes=16), tick=False):
        response = _attempt(client, user.email, DEFAULT_PASSWORD)

    assert response.status_code == 302


def test_password_reset_lifts_the_lockout(client, user, outbox, django_capture_on_commit_callbacks):
    _fail_five_times(client, user.email)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("accounts:password_reset"), {"email": user.email}, REMOTE_ADDR=ATTACKER_IP
        )
    link = re.search(r"https?://[^/\s]+(/accounts/reset/\S+)", outbox[0].body).group(1)
    set_password_url = client.get(link, follow=True).redirect_chain[-1][0]
    new_password = "quiet-meadow-58-anchor"
    client.post(
        set_password_url,
        {"new_password1": new_password, "new_password2": new_password},
        REMOTE_ADDR=ATTACKER_IP,
    )

    response = _attempt(client, user.email, new_password)

    assert response.status_code == 302
    assert get_user(client).pk == user.pk


def test_behind_a_trusted_proxy_the_lockout_keys_on_the_forwarded_client_address(
    client, user, settings
):
    # TRUSTED_PROXY_COUNT=1: every request arrives from the balancer's address.
    settings.AXES_IPWARE_PROXY_COUNT = 1
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
    balancer = "10.0.0.2"
    for _ in range(5):
        client.post(
            LOGIN_URL,
            {"username": user.email, "password": "wrong-password"},
            REMOTE_ADDR=balancer,
            HTTP_X_FORWARDED_FOR=f"{ATTACKER_IP}, {balancer}",
        )

    attacker = client.post(
        LOGIN_URL,
        {"username": user.email, "password": DEFAULT_PASSWORD},
        REMOTE_ADDR=balancer,
        HTTP_X_FORWARDED_FOR=f"{ATTACKER_IP}, {balancer}",
    )
    shopper = client.post(
        LOGIN_URL,
        {"username": user.email, "password": DEFAULT_PASSWORD},
        REMOTE_ADDR=balancer,
        HTTP_X_FORWARDED_FOR=f"198.51.100.20, {balancer}",
    )

    assert attacker.status_code == 429
    assert shopper.status_code == 302
    assert get_user(client).pk == user.pk
