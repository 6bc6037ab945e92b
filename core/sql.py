"""Queries compiled by the ORM once per process, for the few lookups of one fixed shape
that run on every request or every page view (the session, the signed-in user, the
product page's product).

Building and compiling a queryset costs 0.5-1.5 ms of Python, several times what
PostgreSQL takes to answer such a lookup. A ``CompiledQuery`` builds its queryset once
per database with stand-in values, finds where each stand-in went among the SQL's
parameters, and keeps the SQL with what Django's model iterable needs to turn a row into
model instances (the selected columns, ``select_related`` populators, annotation
positions). Each call then runs the SQL through the connection's cursor (so query logging
and counting see it) and builds the instances as ``QuerySet`` iteration would, through
the backend's converters and ``Model.from_db``.

``rows(**values)`` runs a ``values_list()`` queryset the same way and gives its rows as
they are (converted, no instances): for pages that only show what they read.

Only for querysets whose shape does not depend on the values (no ``__in`` lists, no
optional filters). Stand-ins are found among the parameters by type and value, so pick
values no real row has (a NUL in a string, a negative key); each must reach the SQL as
given and exactly once, or compiling raises ``RuntimeError`` rather than run wrong SQL.
Other parameters (values the queryset fixes itself, ``is_active=True``) are kept.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from django.core.signals import setting_changed
from django.db import connections, router
from django.db.models import Model, QuerySet
from django.db.models.query import ModelIterable, get_related_populators

_all: list[CompiledQuery] = []


@dataclass(frozen=True)
class _Compiled:
    sql: str
    # The SQL's parameters in order: a stand-in's name (filled in on each call), or a
    # value the queryset itself fixed (``is_active=True``), kept as it is.
    params: tuple[tuple[bool, object], ...]
    compiler: object
    converters: dict
    # None for a values_list() queryset (rows only).
    model: type[Model] | None
    start: int
    end: int
    init_list: list[str]
    populators: list
    annotations: dict[str, int]


class CompiledQuery:
    """``build(alias)`` returns the queryset, made with stand-in values, and those values
    by name as that database receives them; ``first(**values)`` and ``all(**values)``
    run it with the values under the same names, ``rows(**values)`` too for a
    ``values_list()`` queryset."""

    def __init__(
        self,
        name: str,
        model: type[Model],
        build: Callable[[str], tuple[QuerySet, Mapping[str, object]]],
    ):
        self.name = name
        self.model = model
        self.build = build
        self._by_alias: dict[str, _Compiled] = {}
        _all.append(self)

    def first(self, *, using: str | None = None, **values) -> Model | None:
        """The first instance the query finds with these values, or None."""
        found = self._run(using, values, many=False)
        return found[0] if found else None

    def all(self, *, using: str | None = None, **values) -> list[Model]:
        """Every instance the query finds with these values, in its order."""
        return self._run(using, values, many=True)

    def rows(self, *, using: str | None = None, **values) -> list[Sequence]:
        """Every row the query finds with these values, in its order: the queryset's
        columns as ``values_list()`` names them, converted as the ORM converts them."""
        alias = using or router.db_for_read(self.model)
        return list(self._fetch(alias, self._compiled(alias), values, many=True))

    def _fetch(self, alias: str, compiled: _Compiled, values: dict, *, many: bool):
        with connections[alias].cursor() as cursor:
            params = [values[p] if named else p for named, p in compiled.params]
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall() if many else cursor.fetchmany(1)
        if compiled.converters:
            rows = compiled.compiler.apply_converters(rows, compiled.converters)
        return rows

    def _run(self, using: str | None, values: dict, *, many: bool) -> list[Model]:
        alias = using or router.db_for_read(self.model)
        compiled = self._compiled(alias)
        if compiled.model is None:
            raise RuntimeError(f"{self.name}: a values_list() query gives rows(), not instances")
        rows = self._fetch(alias, compiled, values, many=many)
        found = []
        for row in rows:
            obj = compiled.model.from_db(
                alias, compiled.init_list, row[compiled.start : compiled.end]
            )
            for populator in compiled.populators:
                populator.populate(row, obj)
            for name, position in compiled.annotations.items():
                setattr(obj, name, row[position])
            found.append(obj)
        return found

    def _compiled(self, alias: str) -> _Compiled:
        found = self._by_alias.get(alias)
        if found is None:
            found = self._by_alias[alias] = self._compile(alias)
        return found

    def _compile(self, alias: str) -> _Compiled:
        queryset, stand_ins = self.build(alias)
        compiler = queryset.query.get_compiler(alias)
        sql, params = compiler.as_sql()
        found = tuple(
            next(
                ((True, name) for name, value in stand_ins.items() if _same(value, param)),
                (False, param),
            )
            for param in params
        )
        if sorted(p for named, p in found if named) != sorted(stand_ins):
            raise RuntimeError(
                f"{self.name}: compiled with parameters {params!r}, not {dict(stand_ins)!r}"
            )
        select, klass_info = compiler.select, compiler.klass_info
        if compiler.has_extra_select:
            raise RuntimeError(f"{self.name}: extra(select=...) is not supported")
        converters = compiler.get_converters([column[0] for column in select])
        if queryset._iterable_class is not ModelIterable:  # values_list(): rows as they come
            return _Compiled(
                sql=sql,
                params=found,
                compiler=compiler,
                converters=converters,
                model=None,
                start=0,
                end=len(select),
                init_list=[],
                populators=[],
                annotations={},
            )
        fields = klass_info["select_fields"]
        start, end = fields[0], fields[-1] + 1
        return _Compiled(
            sql=sql,
            params=found,
            compiler=compiler,
            converters=converters,
            model=klass_info["model"],
            start=start,
            end=end,
            init_list=[column[0].target.attname for column in select[start:end]],
            populators=get_related_populators(klass_info, select, alias),
            annotations=dict(compiler.annotation_col_map or {}),
        )


def _same(stand_in: object, param: object) -> bool:
    return type(stand_in) is type(param) and stand_in == param


def _forget(**kwargs) -> None:
    for query in _all:
        query._by_alias.clear()


setting_changed.connect(_forget, dispatch_uid="core.sql.forget")
