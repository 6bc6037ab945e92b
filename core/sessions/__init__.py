"""Django's database-backed session stores, reading the session with SQL compiled once per
process (``core.sql``) instead of building the same lookup on every request.

``SESSION_ENGINE = "core.sessions.db"`` or ``"core.sessions.cached_db"`` (the latter still
reads the cache first; the database only on a miss). Writing, deleting and clearing
sessions are Django's own.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from django.contrib.sessions.models import Session
from django.core.exceptions import SuspiciousOperation
from django.db import connections, router
from django.utils import timezone

from core.sql import CompiledQuery

# Stand-ins the lookup is compiled with (see core.sql.CompiledQuery).
_KEY = "\x00core.sessions.key"
_NOW = datetime(2000, 1, 1, tzinfo=UTC)


def _lookup(alias: str):
    queryset = Session.objects.filter(session_key=_KEY, expire_date__gt=_NOW)
    return queryset, {"key": _KEY, "now": connections[alias].ops.adapt_datetimefield_value(_NOW)}


_live_session = CompiledQuery("session", Session, _lookup)


class CompiledLookupMixin:
    """``_get_session_from_db`` of Django's db store, with the lookup compiled once."""

    def _get_session_from_db(self):
        alias = router.db_for_read(self.model)
        now = connections[alias].ops.adapt_datetimefield_value(timezone.now())
        try:
            found = _live_session.first(using=alias, key=self.session_key, now=now)
        except SuspiciousOperation as error:
            logger = logging.getLogger(f"django.security.{error.__class__.__name__}")
            logger.warning(str(error))
            found = None
        if found is None:
            self._session_key = None
        return found
