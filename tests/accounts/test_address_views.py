import re

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Address
from tests.factories import AddressFactory

LIST_URL = reverse("accounts:address-list")
ADD_URL = reverse("accounts:address-add")

pytestmark = pytest.mark.django_db

FORM_DATA = {
    "full_name": "Grace Hopper",
    "line1": "1 Navy Way",
    "line2": "Suite 200",
    "city": "Arlington",
    "region": "VA",
    "postal_code": "22202",
    "country": "US",
    "phone": "+1 703 555 0199",
}


def _edit_url(address):
    return reverse("accounts:address-edit", args=[address.pk])


def _delete_url(address):
    return reverse("accounts:address-delete", args=[address.pk])


@pytest.mark.parametrize(
    "url",
    [LIST_URL, ADD_URL, "/accounts/addresses/1/edit/", "/accounts/addresses/1/remove/"],
)
def test_anonymous_visitor_is_sent_to_login(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response.url == f"{reverse('accounts:login')}?next={url}"


def test_empty_address_book_offers_to_add_one(user_client):
    response = user_client.get(LIST_URL)

    assert response.status_code == 200
    assert "You have no saved addresses yet" in response.content.decode()


def test_address_list_shows_own_addresses_default_first_with_badge(user_client, user, other_user):
    AddressFactory(user=user, line1="1 Old Road")
    AddressFactory(user=user, line1="2 Used Street", last_used_at=timezone.now())
    AddressFactory(user=other_user, line1="3 Secret Lane")

    response = user_client.get(LIST_URL)

    html = response.content.decode()
    assert [a.line1 for a in response.context["addresses"]] == ["2 Used Street", "1 Old Road"]
    assert "3 Secret Lane" not in html
    assert html.count(">Default<") == 1
    assert html.index(">Default<") < html.index("2 Used Street<br>") < html.index("1 Old Road<br>")


def test_address_list_query_count_does_not_grow_with_addresses(
    user_client, user, django_assert_max_num_queries
):
    AddressFactory.create_batch(12, user=user)

    with django_assert_max_num_queries(6):
        response = user_client.get(LIST_URL)

    assert len(response.context["addresses"]) == 12


def test_add_address_saves_it_and_returns_to_the_list(user_client, user):
    response = user_client.post(ADD_URL, FORM_DATA)

    assert response.status_code == 302
    assert response.url == LIST_URL
    address = Address.objects.get(user=user)
    assert address.as_dict() == FORM_DATA
    followed = user_client.get(LIST_URL)
    assert "Address saved." in followed.content.decode()


def test_add_address_goes_back_to_a_safe_next_url(user_client, user):
    response = user_client.post(ADD_URL, {**FORM_DATA, "next": "/checkout/acme/"})
    assert response.url == "/checkout/acme/"

    response = user_client.post(ADD_URL, {**FORM_DATA, "next": "//evil.example/"})
    assert response.url == LIST_URL


def test_add_address_form_defaults_to_united_states(user_client):
    response = user_client.get(ADD_URL)

    html = response.content.decode()
    assert re.search(r'<option value="US"[^>]*selected', html)


def test_add_address_shows_errors_for_missing_and_bad_fields(user_client, user):
    data = {**FORM_DATA, "line1": "", "country": "XX", "phone": "call me maybe"}

    response = user_client.post(ADD_URL, data)

    assert response.status_code == 200
    form = response.context["form"]
    assert form.has_error("line1", code="required")
    assert form.has_error("country", code="invalid_choice")
    assert form.has_error("phone", code="invalid_phone")
    assert not Address.objects.exists()


def test_edit_address_updates_it(user_client, user):
    address = AddressFactory(user=user, city="Boston")

    response = user_client.post(_edit_url(address), {**FORM_DATA, "city": "Cambridge"})

    assert response.status_code == 302
    address.refresh_from_db()
    assert address.city == "Cambridge"


def test_edit_form_is_prefilled(user_client, user):
    address = AddressFactory(user=user, city="Boston")

    response = user_client.get(_edit_url(address))

    assert response.status_code == 200
    assert 'value="Boston"' in response.content.decode()


def test_an_address_in_kosovo_can_be_edited(user_client, user):
    address = AddressFactory(user=user, country="XK")  # user-assigned, not in ISO 3166-1

    response = user_client.get(_edit_url(address))
    assert re.search(r'<option value="XK"[^>]*selected', response.content.decode())

    response = user_client.post(_edit_url(address), {**FORM_DATA, "country": "XK"})
    assert response.status_code == 302


def test_remove_address_asks_for_confirmation_first(user_client, user):
    address = AddressFactory(user=user, line1="9 Elm Street")

    response = user_client.get(_delete_url(address))

    assert response.status_code == 200
    assert "Remove this address?" in response.content.decode()
    assert "9 Elm Street" in response.content.decode()
    assert Address.objects.filter(pk=address.pk).exists()


def test_remove_address_by_post_deletes_it(user_client, user):
    address = AddressFactory(user=user)

    response = user_client.post(_delete_url(address))

    assert response.status_code == 302
    assert response.url == LIST_URL
    assert not Address.objects.filter(pk=address.pk).exists()


@pytest.mark.parametrize("action", ["edit-get", "edit-post", "delete-get", "delete-post"])
def test_another_users_address_is_not_found(user_client, other_user, action):
    theirs = AddressFactory(user=other_user, city="Oslo")
    kind, method = action.split("-")
    url = _edit_url(theirs) if kind == "edit" else _delete_url(theirs)

    response = getattr(user_client, method)(url, {**FORM_DATA, "city": "Hacked"})

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.city == "Oslo"


def test_a_huge_address_id_is_not_found_rather_than_an_error(user_client):
    response = user_client.get("/accounts/addresses/99999999999999999999999/edit/")

    assert response.status_code == 404


def test_an_empty_address_says_what_to_type_in_each_required_field(user_client):
    response = user_client.post(ADD_URL, {"country": "US"})

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["full_name"] == ["Enter the name of the person it goes to."]
    assert errors["line1"] == ["Enter the street address."]
    assert errors["city"] == ["Enter the city."]
    assert errors["postal_code"] == ["Enter the ZIP or postal code."]
    assert "This field is required." not in response.content.decode()
    assert not Address.objects.exists()
