"""Django's database-backed session stores, reading the session with SQL compiled once per
process (``core.sql``) instead of building the same lookup on every request.

``SESSION_ENGINE = "core.sessions.db"`` or ``"core.sessions.cached_db"`` (the latter still
reads the cache first; the database only on a miss). Writing, deleting and clearing
sessions are Django's own.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from django.core.exceptions import SuspiciousOperation
from django.db import connections, router
from django.utils import timezone

from core.sql import compiled_sql

# Stand-ins the lookup is compiled with (see core.sql.compiled_sql).
_KEY = "\x00core.sessions.key"
_NOW = datetime(2000, 1, 1, tzinfo=UTC)


class CompiledLookupMixin:
    """``_get_session_from_db`` of Django's db store, with the lookup compiled once."""

    def _get_session_from_db(self):
        model = self.model
        alias = router.db_for_read(model)
        ops = connections[alias].ops
        sql, order = compiled_sql("session", alias, lambda: self._lookup(model, alias))
        try:
            values = {
                "key": self.session_key,
                "now": ops.adapt_datetimefield_value(timezone.now()),
            }
            found = list(model.objects.raw(sql, [values[n] for n in order], using=alias))
        except SuspiciousOperation as error:
            logger = logging.getLogger(f"django.security.{error.__class__.__name__}")
            logger.warning(str(error))
            found = []
        if not found:
            self._session_key = None
            return None
        return found[0]

    @staticmethod
    def _lookup(model, alias):
        queryset = model.objects.filter(session_key=_KEY, expire_date__gt=_NOW)
        return queryset, {
            "key": _KEY,
            "now": connections[alias].ops.adapt_datetimefield_value(_NOW),
        }
