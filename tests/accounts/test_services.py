from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts import selectors, services
from accounts.models import Address, User
from tests.factories import AddressFactory, UserFactory

pytestmark = pytest.mark.django_db

ADDRESS = {
    "full_name": "Ada Lovelace",
    "line1": "12 St James's Square",
    "line2": "",
    "city": "London",
    "region": "",
    "postal_code": "SW1Y 4JH",
    "country": "GB",
    "phone": "+44 20 7946 0000",
}


def test_user_create_stores_the_email_lower_cased():
    user = services.user_create(email="  Mixed.Case@Example.COM ", password="pear-tree-71-window")

    assert user.email == "mixed.case@example.com"
    assert user.check_password("pear-tree-71-window")


def test_user_create_refuses_a_duplicate_email_in_another_case():
    UserFactory(email="dup@example.com")

    with pytest.raises(ValidationError) as exc:
        services.user_create(email="DUP@example.com", password="pear-tree-71-window")

    assert exc.value.code == "duplicate_email"
    assert User.objects.count() == 1


def test_address_create_saves_it_to_the_users_book(user):
    address = services.address_create(user=user, **ADDRESS)

    assert address.pk
    assert address.user == user
    assert address.last_used_at is None
    assert list(selectors.address_list_for_user(user=user)) == [address]


def test_address_create_validates_the_fields(user):
    with pytest.raises(ValidationError) as exc:
        services.address_create(user=user, **{**ADDRESS, "line1": "", "country": "USA"})

    assert set(exc.value.message_dict) == {"line1", "country"}
    assert not Address.objects.exists()


def test_address_create_refuses_unknown_fields(user):
    with pytest.raises(TypeError):
        services.address_create(user=user, **ADDRESS, user_id=123)


def test_address_update_changes_only_the_given_fields(user):
    address = AddressFactory(user=user, city="Paris", postal_code="75001")

    services.address_update(address=address, city="Lyon")

    address.refresh_from_db()
    assert address.city == "Lyon"
    assert address.postal_code == "75001"


def test_address_delete_removes_it(user):
    address = AddressFactory(user=user)

    services.address_delete(address=address)

    assert not Address.objects.filter(pk=address.pk).exists()


def test_default_address_is_the_newest_when_none_was_used(user):
    AddressFactory(user=user)
    newest = AddressFactory(user=user)

    assert selectors.address_default_for_user(user=user) == newest


def test_marking_an_address_used_makes_it_the_default(user):
    older = AddressFactory(user=user)
    AddressFactory(user=user)

    services.address_mark_used(address=older)

    assert selectors.address_default_for_user(user=user) == older
    assert older.last_used_at is not None
    older.refresh_from_db()
    assert older.last_used_at is not None


def test_used_addresses_sort_before_never_used_ones_newest_use_first(user):
    never_used = AddressFactory(user=user)
    used_long_ago = AddressFactory(user=user, last_used_at=timezone.now() - timedelta(days=9))
    used_recently = AddressFactory(user=user, last_used_at=timezone.now())

    assert list(selectors.address_list_for_user(user=user)) == [
        used_recently,
        used_long_ago,
        never_used,
    ]
    # The model's default ordering agrees, on SQLite and PostgreSQL alike.
    assert list(user.addresses.all()) == [used_recently, used_long_ago, never_used]
    # And so does the order page's compiled read, which holds only the user's own.
    AddressFactory(user=UserFactory())
    assert selectors.address_list_shown_for_user(user=user) == [
        used_recently,
        used_long_ago,
        never_used,
    ]


def test_default_address_is_none_without_addresses(user):
    assert selectors.address_default_for_user(user=user) is None


def test_default_address_ignores_other_users_addresses(user, other_user):
    AddressFactory(user=other_user)

    assert selectors.address_default_for_user(user=user) is None
