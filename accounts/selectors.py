"""Reads for accounts: a user's address book."""

from django.db.models import F, QuerySet

from accounts.models import Address, User
from core.sql import CompiledQuery

# Most recently used first; never-used addresses after them, newest first.
_ADDRESS_ORDER = (F("last_used_at").desc(nulls_last=True), "-created_at", "-id")


def address_list_for_user(*, user: User) -> QuerySet[Address]:
    """The user's addresses, the default (most recently used, else newest) first."""
    return Address.objects.filter(user=user).order_by(*_ADDRESS_ORDER)


# The stand-in owner id the address book lookup is compiled with (core.sql).
_OWNER = -424247


def _addresses_of(alias: str):
    return address_list_for_user(user=_OWNER), {"owner": _OWNER}


_user_addresses = CompiledQuery("address book", Address, _addresses_of)


def address_list_shown_for_user(*, user: User) -> list[Address]:
    """``address_list_for_user``'s addresses, in its order, by SQL compiled once per
    process (the order page offers them on every view)."""
    return _user_addresses.all(owner=user.pk)


def address_default_for_user(*, user: User) -> Address | None:
    """The address to preselect at checkout: the one used last, else the newest; None if none."""
    if not user.is_authenticated:
        return None
    return address_list_for_user(user=user).first()


def address_get_for_user(*, user: User, pk: int) -> Address:
    """One of the user's own addresses. Raises Address.DoesNotExist for anyone else's."""
    return Address.objects.get(user=user, pk=pk)
