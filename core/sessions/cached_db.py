"""``SESSION_ENGINE = "core.sessions.cached_db"``: Django's cached database sessions (the
cache first, the database on a miss), the database read with SQL compiled once (see
``core.sessions``)."""

from django.contrib.sessions.backends import cached_db

from core.sessions import CompiledLookupMixin


class SessionStore(CompiledLookupMixin, cached_db.SessionStore):
    pass
