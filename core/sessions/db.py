"""``SESSION_ENGINE = "core.sessions.db"``: Django's database sessions, read with SQL
compiled once (see ``core.sessions``)."""

from django.contrib.sessions.backends import db

from core.sessions import CompiledLookupMixin


class SessionStore(CompiledLookupMixin, db.SessionStore):
    pass
