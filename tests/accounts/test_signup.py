import pytest
from django.contrib.auth import get_user
from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests.factories import UserFactory

SIGNUP_URL = reverse("accounts:signup")
GOOD_PASSWORD = "plum-orchard-41-lantern"

pytestmark = pytest.mark.django_db


def _signup(client, email="new@example.com", password=GOOD_PASSWORD, confirm=None, **extra):
    data = {"email": email, "password1": password, "password2": confirm or password, **extra}
    return client.post(SIGNUP_URL, data)


def test_signup_page_shows_the_form_with_links_to_login_and_reset(client):
    response = client.get(SIGNUP_URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="email"' in html
    assert reverse("accounts:login") in html


def test_signup_creates_account_logs_in_and_goes_home(client):
    response = _signup(client, email="New.Shopper@Example.com")

    assert response.status_code == 302
    assert response.url == reverse("shop:home")
    user = User.objects.get()
    assert user.email == "new.shopper@example.com"
    assert user.check_password(GOOD_PASSWORD)
    assert get_user(client).pk == user.pk


def test_signup_redirects_to_a_safe_next_url(client):
    response = _signup(client, next="/cart/")

    assert response.status_code == 302
    assert response.url == "/cart/"


def test_signup_ignores_an_offsite_next_url(client):
    response = _signup(client, next="https://evil.example.com/")

    assert response.status_code == 302
    assert response.url == reverse("shop:home")


@pytest.mark.parametrize(
    "spelling", ["taken@example.com", "TAKEN@example.com", "Taken@Example.Com"]
)
def test_signup_with_a_taken_email_answers_like_a_new_one_and_writes_to_the_owner(
    client, spelling, outbox, django_capture_on_commit_callbacks
):
    """No account enumeration: the same redirect as a fresh sign-up, no second account, no
    login, and the address's owner gets a "you already have an account" letter."""
    UserFactory(email="taken@example.com")
    fresh = _signup(Client(), email="fresh@example.com")
    outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = _signup(client, email=spelling)

    assert (response.status_code, response.url) == (fresh.status_code, fresh.url) == (302, "/")
    assert "An account with this email already exists." not in response.content.decode()
    assert User.objects.filter(email__iexact="taken@example.com").count() == 1
    assert not get_user(client).is_authenticated
    assert [m.to for m in outbox] == [["taken@example.com"]]
    assert outbox[0].subject == "You already have a Bazaar account"
    assert "/accounts/password_reset/" in outbox[0].body


def test_signup_with_a_taken_email_is_in_the_security_log(client, security_log):
    owner = UserFactory(email="taken@example.com")

    _signup(client, email="taken@example.com")

    (event,) = security_log.events("auth.signup")
    assert event["outcome"] == "duplicate"
    assert event["user_id"] == owner.pk


def test_signup_refuses_a_short_password(client):
    response = _signup(client, password="Sh0rt-pw")

    assert response.status_code == 200
    assert response.context["form"].has_error("password1", code="password_too_short")
    assert not User.objects.exists()


@pytest.mark.parametrize(
    ("password", "code"),
    [("password1234", "password_too_common"), ("5839201746", "password_entirely_numeric")],
)
def test_signup_refuses_a_weak_password(client, password, code):
    response = _signup(client, password=password)

    assert response.context["form"].has_error("password1", code=code)
    assert not User.objects.exists()


def test_signup_refuses_a_password_like_the_email(client):
    response = _signup(client, email="marmalade.sandwich@example.com", password="marmaladesandwich")

    assert response.context["form"].has_error("password1", code="password_too_similar")


def test_signup_refuses_mismatched_passwords(client):
    response = _signup(client, password=GOOD_PASSWORD, confirm=GOOD_PASSWORD + "x")

    assert response.status_code == 200
    assert response.context["form"].has_error("password2", code="password_mismatch")
    assert "The two passwords don" in response.content.decode()
    assert not User.objects.exists()


def test_signup_refuses_an_invalid_email(client):
    response = _signup(client, email="not-an-email")

    assert response.context["form"].has_error("email", code="invalid")


def test_signed_in_user_visiting_signup_is_sent_home(user_client):
    response = user_client.get(SIGNUP_URL)

    assert response.status_code == 302
    assert response.url == reverse("shop:home")
