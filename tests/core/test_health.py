"""/health/ for the load balancer: 200 when the database, the cache and (when configured)
the broker answer, 503 naming what did not; no session, no cookie, no write."""

import pytest
from django.db import connection
from django.db.utils import OperationalError
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

pytestmark = pytest.mark.django_db

DOWN = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connection refused


def test_healthy_answers_200_with_each_check_and_sets_no_cookie_and_writes_nothing(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("health"))

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "cache": "ok"}}
    assert response.cookies == {}
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]
    statements = [q["sql"].split()[0].upper() for q in queries.captured_queries]
    assert statements == ["SELECT"]


def test_a_database_that_is_down_is_a_503_that_names_it(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("could not connect to server: Connection refused")

    monkeypatch.setattr(connection, "cursor", refuse)
    response = client.get(reverse("health"))

    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": "unavailable", "cache": "ok"},
    }
    assert "Connection refused" not in response.content.decode()


def test_a_cache_that_is_down_is_a_503(client, settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": DOWN}
    }
    response = client.get(reverse("health"))

    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "cache": "unavailable"}


def test_the_broker_is_checked_only_when_one_is_configured(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "memory://"
    assert client.get(reverse("health")).json()["checks"]["broker"] == "ok"

    settings.CELERY_BROKER_URL = DOWN
    response = client.get(reverse("health"))
    assert response.status_code == 503
    assert response.json()["checks"] == {
        "database": "ok",
        "cache": "ok",
        "broker": "unavailable",
    }


def test_health_takes_no_post_and_needs_no_csrf_token_for_get(settings):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.get(reverse("health")).status_code == 200
    assert strict.head(reverse("health")).status_code == 200
    assert strict.post(reverse("health")).status_code == 405


def test_health_answers_over_plain_http_when_everything_else_redirects_to_https(settings):
    from django.test import Client

    settings.SECURE_SSL_REDIRECT = True  # as in production (the test env turns it off)
    client = Client()
    assert client.get(reverse("health")).status_code == 200
    assert client.get("/help/").status_code == 301
