"""SQL compiled by the ORM once per process, for the few queries of one fixed shape that
run on every request (loading the session, loading the signed-in user).

Building and compiling a queryset costs about 0.5 ms of Python, several times what
PostgreSQL takes to answer such a lookup. ``compiled_sql`` compiles the queryset once per
database, finds where each stand-in value it was built with went among the SQL's
parameters, and returns the SQL with that order; callers run it with ``Manager.raw()``,
which still maps columns to fields through the backend's converters.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from django.core.signals import setting_changed
from django.db.models import QuerySet

_compiled: dict[tuple[str, str], tuple[str, tuple[str, ...]]] = {}


def compiled_sql(
    name: str, alias: str, build: Callable[[], tuple[QuerySet, Mapping[str, object]]]
) -> tuple[str, tuple[str, ...]]:
    """The SQL of the queryset ``build()`` returns, on database ``alias``, compiled on
    first use under ``name``, and the names of its parameters in the order it takes them.

    ``build`` returns the queryset, made with stand-in values, and those values by name as
    the database receives them; each must be a parameter exactly once, and nothing else
    may be, or this raises ``RuntimeError``.
    """
    key = (name, alias)
    found = _compiled.get(key)
    if found is None:
        queryset, stand_ins = build()
        sql, params = queryset.query.get_compiler(alias).as_sql()
        order = tuple(
            next((n for n, value in stand_ins.items() if value == param), "?") for param in params
        )
        if sorted(order) != sorted(stand_ins):
            raise RuntimeError(f"{name}: compiled with parameters {params!r}, not {stand_ins!r}")
        found = _compiled[key] = (sql, order)
    return found


def _forget(**kwargs) -> None:
    _compiled.clear()


setting_changed.connect(_forget, dispatch_uid="core.sql.forget")
