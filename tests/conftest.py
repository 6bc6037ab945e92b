"""Fixtures shared by the whole suite."""

import os

import pytest
from django.core import mail
from django.db import connection
from django.utils import translation

# The money flows (tests/shop/money_flows.py) assert as they go: their failures are shown
# like a test module's. Registered here, before any test module imports them.
pytest.register_assert_rewrite("tests.shop.money_flows")

from tests.factories import (  # noqa: E402
    DEFAULT_PASSWORD,  # noqa: F401  (re-exported for tests)
    UserFactory,
)


def pytest_configure(config):
    """TEST-ONLY: passwords hashed with a fast hasher, as Django's testing docs advise. The
    production hasher (Django's PBKDF2, a million rounds) takes 0.3 s a password here, and
    the suite makes and logs in hundreds of users."""
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # TEST-ONLY: every test Client builds its own middleware, and WhiteNoise's middleware scans
    # STATIC_ROOT as it is built (0.4 s a client on a slow 2-core host, once collectstatic
    # has filled it for the bench or `make serve-prod`). With autorefresh it looks a file up
    # when one is asked for instead: the same files. (The browser tests' live server serves
    # them from the finders.)
    settings.WHITENOISE_AUTOREFRESH = True
    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.postgresql":
        # TEST-ONLY: a commit does not wait for its WAL to reach the disk. The test
        # database is thrown away, and what a commit makes visible to other connections
        # (the concurrency tests' subject) is the same either way.
        database.setdefault("OPTIONS", {})["options"] = "-c synchronous_commit=off"


@pytest.fixture(autouse=True)
def _isolate_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a request in Russian (the language cookie)
    leaves Russian active in this thread after it, as it would in a server's thread until
    the next request, and a later test calling a service directly must not inherit it."""

    translation.deactivate()
    yield
    translation.deactivate()


REQUIRE_POSTGRES_ENV = "REQUIRE_POSTGRES_TESTS"


@pytest.fixture
def requires_postgres(transactional_db):
    """Concurrency tests need real row locks and concurrent writers: PostgreSQL.

    On SQLite they skip with the reason, unless REQUIRE_POSTGRES_TESTS=1 (CI sets it with
    DATABASE_URL), where running on anything else is a failure, not a skip.
    """
    if connection.vendor == "postgresql":
        return
    if os.environ.get(REQUIRE_POSTGRES_ENV) == "1":
        pytest.fail(
            f"{REQUIRE_POSTGRES_ENV}=1 but the test database is {connection.vendor}; "
            "set DATABASE_URL=postgres://..."
        )
    pytest.skip(
        "concurrency test: needs PostgreSQL (row locks, concurrent writers); SQLite "
        "serialises writes. Run with DATABASE_URL=postgres://... to include it."
    )


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def other_user(db):
    return UserFactory()


@pytest.fixture
def user_client(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def outbox():
    return mail.outbox


# ------------------------------------------------------------------- support staff
@pytest.fixture
def support_user(db):
    """A support agent: staff, not superuser, in the "Support" group made by migrations."""
    from django.contrib.auth.models import Group

    from support.permissions import SUPPORT_GROUP

    agent = UserFactory(email="agent@example.com", is_staff=True)
    agent.groups.add(Group.objects.get(name=SUPPORT_GROUP))
    return agent


@pytest.fixture
def support_client(client, support_user):
    client.force_login(support_user)
    return client


@pytest.fixture
def superuser_client(client, db):
    client.force_login(UserFactory(email="root@example.com", is_staff=True, is_superuser=True))
    return client


# ------------------------------------------------------------------- security log
class SecurityLog:
    """The ``security`` logger's lines captured by caplog, parsed back from JSON."""

    def __init__(self, caplog):
        self._caplog = caplog

    def lines(self) -> list[str]:
        return [r.getMessage() for r in self._caplog.records if r.name == "security"]

    def events(self, name: str | None = None) -> list[dict]:
        import json

        parsed = [json.loads(line) for line in self.lines()]
        return [e for e in parsed if name is None or e["event"] == name]


@pytest.fixture
def security_log(caplog):
    import logging

    caplog.set_level(logging.INFO, logger="security")
    return SecurityLog(caplog)
