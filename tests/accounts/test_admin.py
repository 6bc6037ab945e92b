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


# ------------------------------------------------------------- support's customer view
def test_support_sees_the_customer_view_without_password_hash_or_permissions(support_client):
    customer = UserFactory(email="customer@example.com", full_name="Cleo Customer")
    AddressFactory(user=customer, line1="5 Support Street")

    response = support_client.get(reverse("admin:accounts_user_change", args=[customer.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "customer@example.com" in html
    assert "5 Support Street" in html
    assert customer.password not in html
    assert customer.password.split("$")[-1] not in html
    assert "pbkdf2" not in html.lower() and "Password" not in html
    assert "user_permissions" not in html
    assert 'name="groups"' not in html
    assert "Superuser status" not in html


def test_superuser_still_manages_permissions_without_seeing_the_raw_hash(admin_client_):
    customer = UserFactory()

    response = admin_client_.get(reverse("admin:accounts_user_change", args=[customer.pk]))

    html = response.content.decode()
    assert 'name="user_permissions"' in html
    assert customer.password not in html


def test_support_cannot_change_a_user(support_client):
    customer = UserFactory(email="keep@example.com")
    url = reverse("admin:accounts_user_change", args=[customer.pk])

    response = support_client.post(url, {"email": "changed@example.com", "is_superuser": "on"})

    assert response.status_code == 403
    customer.refresh_from_db()
    assert customer.email == "keep@example.com" and not customer.is_superuser
    assert support_client.get(reverse("admin:accounts_user_add")).status_code == 403


def test_customer_view_links_to_orders_cards_activity_and_counts_failed_logins(support_client):
    from axes.models import AccessFailureLog

    from tests.factories import CardFactory

    customer = UserFactory(email="locked@example.com")
    CardFactory(owner=customer)
    for locked_out in [False, False, True]:
        AccessFailureLog.objects.create(
            username="locked@example.com", ip_address="10.0.0.1", locked_out=locked_out
        )
    AccessFailureLog.objects.create(username="someone-else@example.com", ip_address="10.0.0.1")

    response = support_client.get(reverse("admin:accounts_user_change", args=[customer.pk]))

    html = response.content.decode()
    cards_url = reverse("admin:wallet_card_changelist") + f"?owner__id__exact={customer.pk}"
    activity_url = (
        reverse("admin:wallet_walletevent_changelist") + f"?user__id__exact={customer.pk}"
    )
    orders_url = reverse("admin:shop_order_changelist") + f"?user__id__exact={customer.pk}"
    assert cards_url.replace("&", "&amp;") in html
    assert activity_url in html
    assert orders_url in html
    assert "3 in total" in html
    lockouts = response.context["adminform"].form.instance
    assert lockouts == customer
    assert '<div class="readonly">1</div>' in html
    assert support_client.get(cards_url).status_code == 200
    assert support_client.get(activity_url).status_code == 200


def test_failed_logins_through_the_login_page_show_up_for_support(client, support_user):
    customer = UserFactory(email="forgetful@example.com")
    for _ in range(2):
        client.post(
            reverse("accounts:login"),
            {"username": "Forgetful@example.com", "password": "not-the-password"},
        )
    client.force_login(support_user)

    response = client.get(reverse("admin:accounts_user_change", args=[customer.pk]))

    assert "2 in total; 2 since the last successful login" in response.content.decode()


def test_user_list_query_count_does_not_grow_with_rows(support_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("admin:accounts_user_changelist")
    UserFactory()
    with CaptureQueriesContext(connection) as few:
        support_client.get(url)
    UserFactory.create_batch(30)
    # The staff session's last-seen time is written at most once a minute: if making the
    # users took that long, this request takes the write before anything is counted.
    support_client.get(url)
    with CaptureQueriesContext(connection) as many:
        support_client.get(url)

    assert len(many) == len(few)
