import re

import pytest
from django.contrib.auth import get_user
from django.test import TestCase
from django.urls import reverse

from accounts.models import User
from tests.factories import DEFAULT_PASSWORD, UserFactory

LOGIN_URL = reverse("accounts:login")
NEW_PASSWORD = "violet-harbour-93-kettle"

pytestmark = pytest.mark.django_db


def _login(client, email, password, **extra):
    return client.post(LOGIN_URL, {"username": email, "password": password}, **extra)


def test_login_page_labels_email_and_password_and_links_to_signup_and_reset(client):
    response = client.get(LOGIN_URL)

    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(r"<label[^>]*>\s*Email", html)
    assert re.search(r"<label[^>]*>\s*Password", html)
    assert re.search(r"<button[^>]*>\s*Log in\s*</button>", html)
    assert reverse("accounts:signup") in html
    assert reverse("accounts:password_reset") in html


def test_login_with_the_right_password_signs_in_and_goes_home(client, user):
    response = _login(client, user.email, DEFAULT_PASSWORD)

    assert response.status_code == 302
    assert response.url == reverse("shop:home")
    assert get_user(client).pk == user.pk


def test_login_email_is_case_insensitive(client, user):
    _login(client, user.email.upper(), DEFAULT_PASSWORD)

    assert get_user(client).pk == user.pk


def test_login_follows_a_safe_next_url_only(client, user):
    response = client.post(
        LOGIN_URL + "?next=/cart/", {"username": user.email, "password": DEFAULT_PASSWORD}
    )
    assert response.url == "/cart/"

    client.logout()
    response = client.post(
        LOGIN_URL,
        {"username": user.email, "password": DEFAULT_PASSWORD, "next": "https://evil.example/"},
    )
    assert response.url == reverse("shop:home")


def test_login_with_a_wrong_password_shows_an_error(client, user):
    response = _login(client, user.email, "not-the-password")

    assert response.status_code == 200
    assert response.context["form"].has_error("__all__", code="invalid_login")
    assert not get_user(client).is_authenticated


def test_inactive_user_cannot_log_in(client):
    user = UserFactory(is_active=False)

    response = _login(client, user.email, DEFAULT_PASSWORD)

    assert response.status_code == 200
    assert not get_user(client).is_authenticated


def test_logout_by_post_signs_out(user_client):
    response = user_client.post(reverse("accounts:logout"))

    assert response.status_code == 302
    assert response.url == reverse("shop:home")
    assert not get_user(user_client).is_authenticated


def test_logout_by_get_is_not_allowed(user_client):
    response = user_client.get(reverse("accounts:logout"))

    assert response.status_code == 405
    assert "POST" in response["Allow"]
    assert get_user(user_client).is_authenticated
    # Not a blank page: it offers the real (POST) button.
    assert "Log out of Bazaar?" in response.content.decode()
    assert f'action="{reverse("accounts:logout")}"' in response.content.decode()


def test_password_change_needs_login(client):
    response = client.get(reverse("accounts:password_change"))

    assert response.status_code == 302
    assert response.url.startswith(LOGIN_URL)


def test_password_change_sets_the_new_password_keeps_session_and_sends_notice(
    user_client, user, outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = user_client.post(
            reverse("accounts:password_change"),
            {
                "old_password": DEFAULT_PASSWORD,
                "new_password1": NEW_PASSWORD,
                "new_password2": NEW_PASSWORD,
            },
        )

    assert response.status_code == 302
    assert response.url == reverse("accounts:password_change_done")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert get_user(user_client).is_authenticated
    assert [m.to for m in outbox] == [[user.email]]
    assert "password was changed" in outbox[0].subject
    assert user_client.get(response.url).status_code == 200


def test_password_change_refuses_a_wrong_current_password(user_client, user):
    response = user_client.post(
        reverse("accounts:password_change"),
        {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.context["form"].has_error("old_password", code="password_incorrect")
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)


def _request_reset(client, email):
    # The letter is written to the outbox and sent by its task once the request commits.
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(reverse("accounts:password_reset"), {"email": email})


def test_password_reset_emails_a_link_that_sets_a_new_password(client, user, outbox):
    response = _request_reset(client, user.email.upper())

    assert response.status_code == 302
    assert response.url == reverse("accounts:password_reset_done")
    assert len(outbox) == 1
    message = outbox[0]
    assert message.to == [user.email]
    assert message.subject == "Reset your Bazaar password"
    assert not message.alternatives  # plain text only
    link = re.search(r"https?://[^/\s]+(/accounts/reset/\S+)", message.body).group(1)

    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    assert form_page.context["validlink"] is True
    set_password_url = form_page.redirect_chain[-1][0]
    done = client.post(
        set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )

    assert done.status_code == 302
    assert done.url == reverse("accounts:password_reset_complete")
    assert client.get(done.url).status_code == 200
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert _login(client, user.email, NEW_PASSWORD).status_code == 302


def test_password_reset_link_works_only_once(client, user, outbox):
    _request_reset(client, user.email)
    link = re.search(r"https?://[^/\s]+(/accounts/reset/\S+)", outbox[0].body).group(1)
    set_password_url = client.get(link, follow=True).redirect_chain[-1][0]
    client.post(set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    response = client.get(link, follow=True)

    assert response.context["validlink"] is False
    assert "This link no longer works" in response.content.decode()


def test_password_reset_for_an_unknown_email_sends_nothing_but_says_the_same(client, outbox):
    response = _request_reset(client, "nobody@example.com")

    assert response.status_code == 302
    assert response.url == reverse("accounts:password_reset_done")
    assert outbox == []


def test_password_reset_with_a_broken_link_says_so(client, user):
    url = reverse("accounts:password_reset_confirm", args=["Mg", "bad-token"])

    response = client.get(url)

    assert response.status_code == 200
    assert response.context["validlink"] is False


def test_signup_then_logout_then_login_again(client):
    client.post(
        reverse("accounts:signup"),
        {"email": "round@example.com", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    client.post(reverse("accounts:logout"))
    assert not get_user(client).is_authenticated

    _login(client, "round@example.com", NEW_PASSWORD)

    assert get_user(client) == User.objects.get(email="round@example.com")


def test_password_change_puts_strength_errors_under_the_new_password(user_client, user):
    response = user_client.post(
        reverse("accounts:password_change"),
        {"old_password": DEFAULT_PASSWORD, "new_password1": "short", "new_password2": "short"},
    )

    assert response.context["form"].has_error("new_password1", code="password_too_short")
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)


@pytest.mark.parametrize("url_name", ["accounts:login", "accounts:signup"])
def test_signed_in_user_sent_to_an_auth_page_with_itself_as_next_goes_home(user_client, url_name):
    url = reverse(url_name)

    response = user_client.get(url, {"next": url})

    assert response.status_code == 302
    assert response.url == reverse("shop:home")


def test_login_with_next_pointing_at_login_lands_home(client, user):
    response = client.post(
        LOGIN_URL,
        {"username": user.email, "password": DEFAULT_PASSWORD, "next": LOGIN_URL},
    )

    assert response.url == reverse("shop:home")


def test_password_reset_letters_to_one_inbox_stop_after_three_an_hour(client, user, outbox):
    responses = [_request_reset(client, user.email) for _ in range(5)]

    # The page answers the same every time (no hint whether the account exists)...
    assert {r.status_code for r in responses} == {302}
    assert {r.url for r in responses} == {reverse("accounts:password_reset_done")}
    # ...but only three letters went out.
    assert len(outbox) == 3


def test_password_reset_requests_from_one_address_are_refused_past_the_limit(client, outbox):
    for n in range(20):
        _request_reset(client, f"nobody{n}@example.com")

    response = _request_reset(client, "one-more@example.com")

    assert response.status_code == 429
    assert "Too many password reset requests" in response.content.decode()
    assert outbox == []
