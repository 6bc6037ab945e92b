"""Every field carries its autocomplete token and a visible label."""

import re

import pytest
from django.urls import reverse

from accounts.forms import AddressForm
from tests.factories import AddressFactory

pytestmark = pytest.mark.django_db


def _autocomplete_by_name(html: str) -> dict[str, str]:
    tokens = {}
    for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        token = re.search(r'autocomplete="([^"]+)"', tag)
        # The header's search box and the footer's language switcher are on every page.
        if name and name.group(1) not in {"csrfmiddlewaretoken", "next", "q", "language"}:
            tokens[name.group(1)] = token.group(1) if token else None
    return tokens


def _labelled_ids(html: str) -> set[str]:
    return set(re.findall(r'<label[^>]*for="([^"]+)"', html))


def _field_ids(html: str) -> set[str]:
    ids = set()
    for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", html):
        if 'type="hidden"' in tag or 'name="q"' in tag:
            continue
        ids.add(re.search(r'id="([^"]+)"', tag).group(1))
    return ids


@pytest.mark.parametrize(
    ("url_name", "expected"),
    [
        ("accounts:login", {"username": "email", "password": "current-password"}),
        (
            "accounts:signup",
            {"email": "email", "password1": "new-password", "password2": "new-password"},
        ),
        ("accounts:password_reset", {"email": "email"}),
    ],
)
def test_anonymous_forms_carry_autocomplete_tokens_and_labels(client, url_name, expected):
    html = client.get(reverse(url_name)).content.decode()

    assert _autocomplete_by_name(html) == expected
    assert _field_ids(html) <= _labelled_ids(html)


def test_password_change_form_carries_autocomplete_tokens(user_client):
    html = user_client.get(reverse("accounts:password_change")).content.decode()

    assert _autocomplete_by_name(html) == {
        "old_password": "current-password",
        "new_password1": "new-password",
        "new_password2": "new-password",
    }
    assert _field_ids(html) <= _labelled_ids(html)


ADDRESS_TOKENS = {
    "full_name": "name",
    "line1": "address-line1",
    "line2": "address-line2",
    "city": "address-level2",
    "region": "address-level1",
    "postal_code": "postal-code",
    "country": "country",
    "phone": "tel",
}


@pytest.mark.parametrize("page", ["add", "edit"])
def test_address_forms_carry_autocomplete_tokens_and_labels(user_client, user, page):
    url = (
        reverse("accounts:address-add")
        if page == "add"
        else reverse("accounts:address-edit", args=[AddressFactory(user=user).pk])
    )

    html = user_client.get(url).content.decode()

    assert _autocomplete_by_name(html) == ADDRESS_TOKENS
    assert _field_ids(html) <= _labelled_ids(html)


def test_address_form_with_a_prefix_keeps_tokens_and_validates():
    data = {
        "ship-full_name": "Ann Smith",
        "ship-line1": "5 Main St",
        "ship-city": "Austin",
        "ship-region": "TX",
        "ship-postal_code": " 78701 ",
        "ship-country": "US",
    }
    form = AddressForm(data=data, prefix="ship")

    assert form.is_valid(), form.errors
    assert form.cleaned_data["postal_code"] == "78701"
    assert set(form.cleaned_data) == set(ADDRESS_TOKENS)
    html = str(form)
    assert 'name="ship-line1"' in html
    assert 'autocomplete="address-line1"' in html
