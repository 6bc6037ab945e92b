import pytest
from django.urls import reverse

from accounts.models import User
from tests.factories import AddressFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_user_admin_lists_and_searches_by_email(admin_client_):
    UserFactory(email="findme@example.com")
    UserFactory(email="other@example.com")

    response = admin_client_.get(reverse("admin:accounts_user_changelist"), {"q": "findme"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "findme@example.com" in html
    assert "other@example.com" not in html


def test_user_admin_change_page_shows_addresses(admin_client_):
    address = AddressFactory(line1="77 Admin Avenue")

    response = admin_client_.get(reverse("admin:accounts_user_change", args=[address.user.pk]))

    assert response.status_code == 200
    assert "77 Admin Avenue" in response.content.decode()


def test_user_admin_adds_a_user_by_email_and_refuses_duplicates(admin_client_):
    UserFactory(email="taken@example.com")
    url = reverse("admin:accounts_user_add")
    password = "granite-river-26-violin"
    data = {"email": "", "usable_password": "true", "password1": password, "password2": password}

    duplicate = admin_client_.post(url, {**data, "email": "TAKEN@example.com"})
    created = admin_client_.post(url, {**data, "email": "Fresh@Example.com"})

    assert duplicate.status_code == 200
    assert duplicate.context["adminform"].form.has_error("email", code="duplicate_email")
    assert created.status_code == 302
    assert User.objects.get(email="fresh@example.com").check_password(password)
