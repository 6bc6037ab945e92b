"""Fixtures shared by the whole suite."""

import pytest
from django.core import mail

from tests.factories import (
    DEFAULT_PASSWORD,  # noqa: F401  (re-exported for tests)
    UserFactory,
)


@pytest.fixture(autouse=True)
def _isolate_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


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
