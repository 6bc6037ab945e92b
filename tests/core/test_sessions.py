"""core.sessions: Django's db and cached_db session stores, reading with SQL compiled once
(core.sql), load exactly what Django's own stores load, and nothing expired."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.backends import cached_db as django_cached_db
from django.contrib.sessions.backends import db as django_db
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.utils import timezone

from core.sessions import cached_db, db

pytestmark = pytest.mark.django_db

STORES = [db.SessionStore, cached_db.SessionStore]


def saved(store_class, **data):
    store = store_class()
    store.update(data)
    store.save()
    return store.session_key


@pytest.mark.parametrize("store_class", STORES)
def test_a_saved_session_loads_as_djangos_own_store_loads_it(store_class):
    key = saved(store_class, cart="c-1", seen=[1, 2])
    cache.clear()  # the cached store must read the database

    loaded = store_class(key)

    assert dict(loaded.items()) == {"cart": "c-1", "seen": [1, 2]}
    assert dict(loaded.items()) == dict(django_db.SessionStore(key).items())
    assert loaded.session_key == key


@pytest.mark.parametrize("store_class", STORES)
def test_an_expired_session_is_not_loaded_and_gets_a_new_key(store_class):
    key = saved(store_class, cart="c-1")
    Session.objects.filter(pk=key).update(expire_date=timezone.now() - timedelta(seconds=1))
    cache.clear()

    loaded = store_class(key)

    assert dict(loaded.items()) == {}
    assert loaded.session_key is None  # a new session is made when it is next saved


@pytest.mark.parametrize("store_class", STORES)
def test_an_unknown_or_hostile_key_is_an_empty_session(store_class):
    saved(store_class, cart="c-1")

    for key in ["x" * 32, "'OR'1'='1'--" + "a" * 30]:
        assert dict(store_class(key).items()) == {}


def test_the_cached_store_reads_the_cache_before_the_database(django_assert_num_queries):
    key = saved(cached_db.SessionStore, cart="c-1")
    assert dict(django_cached_db.SessionStore(key).items()) == {"cart": "c-1"}

    with django_assert_num_queries(0):
        assert dict(cached_db.SessionStore(key).items()) == {"cart": "c-1"}


def test_the_site_uses_these_stores_and_a_signed_in_session_survives(client, user):
    assert settings.SESSION_ENGINE in ("core.sessions.db", "core.sessions.cached_db")
    client.force_login(user)

    response = client.get("/orders/")

    assert response.status_code == 200
    assert response.context["request"].user == user
