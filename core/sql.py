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
given (once, or in several places: a search word that filters and ranks), or compiling
raises ``RuntimeError`` rather than run wrong SQL. Other parameters (values the queryset
fixes itself, ``is_active=True``) are kept.

List pages page such a query: ``all(limit=..., offset=...)`` reads one page of it and
``count()`` counts its rows (``at_most`` bounds the count), and ``Rows`` hands both to
Django's ``Paginator`` as it takes a list. A queryset built with ``counted()`` carries its
count on every row, so one query reads a page and the count (``Rows.page``, which
``core.pagination.PageFirstPaginator`` pages with).

A list whose order costs a look at every row it could show (a search ranked over its
matches) reads its page's keys first and only then the page's rows: ``page_slot()`` marks
the subquery that picks the keys, and ``all()`` writes the page's ``LIMIT``/``OFFSET`` there
instead of at the end, so only those rows are read wide and joined. Such a query is
counted by another (``Rows(counts=...)``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from django.core.signals import setting_changed
from django.db import connections, router
from django.db.models import IntegerField, Model, QuerySet
from django.db.models.expressions import RawSQL
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
    sliced: bool
    # The query reads a page through a page_slot() subquery: the page goes there.
    slotted: bool = False


@dataclass(frozen=True)
class _CompiledCount:
    sql: str  # selects the matching rows' keys, unordered: counted by ``count()``
    params: tuple[tuple[bool, object], ...]


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
        self._counts_by_alias: dict[str, _CompiledCount] = {}
        _all.append(self)

    def first(self, *, using: str | None = None, **values) -> Model | None:
        """The first instance the query finds with these values, or None."""
        found = self._run(using, values, many=False)
        return found[0] if found else None

    def all(
        self,
        *,
        using: str | None = None,
        limit: int | None = None,
        offset: int = 0,
        **values,
    ) -> list[Model]:
        """Every instance the query finds with these values, in its order; with ``limit``,
        at most that many of them from ``offset`` on (``LIMIT``/``OFFSET``: one page)."""
        return self._run(using, values, many=True, limit=limit, offset=offset)

    def rows(self, *, using: str | None = None, **values) -> list[Sequence]:
        """Every row the query finds with these values, in its order: the queryset's
        columns as ``values_list()`` names them, converted as the ORM converts them."""
        alias = using or router.db_for_read(self.model)
        return list(self._fetch(alias, self._compiled(alias), values, many=True))

    def count(self, *, using: str | None = None, at_most: int | None = None, **values) -> int:
        """How many rows the query finds with these values (``QuerySet.count()``); with
        ``at_most``, no more than that many are counted (a common word over a large
        catalog costs a bounded count)."""
        alias = using or router.db_for_read(self.model)
        compiled = self._counts_by_alias.get(alias)
        if compiled is None:
            compiled = self._counts_by_alias[alias] = self._compile_count(alias)
        params = [values[p] if named else p for named, p in compiled.params]
        # compiled.sql is the ORM's own SQL; every value goes in as a parameter.
        if at_most is None:
            sql = f"SELECT COUNT(*) FROM ({compiled.sql}) counted"  # noqa: S608
        else:
            sql = f"SELECT COUNT(*) FROM ({compiled.sql} LIMIT {int(at_most)}) counted"  # noqa: S608
        with connections[alias].cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()[0]

    def explain(
        self,
        *,
        using: str | None = None,
        limit: int | None = None,
        offset: int = 0,
        **values,
    ) -> str:
        """The database's plan for what ``all(limit=..., offset=..., **values)`` runs (on
        PostgreSQL with ANALYZE and BUFFERS: it runs the query): the SQL a page sends, not
        the queryset's it was compiled from."""
        alias = using or router.db_for_read(self.model)
        sql, params = self._sql(self._compiled(alias), values, limit=limit, offset=offset)
        options = (
            {"analyze": True, "buffers": True} if connections[alias].vendor == "postgresql" else {}
        )
        prefix = connections[alias].ops.explain_query_prefix(**options)
        with connections[alias].cursor() as cursor:
            cursor.execute(f"{prefix} {sql}", params)
            return "\n".join(" ".join(str(column) for column in row) for row in cursor.fetchall())

    def _sql(self, compiled: _Compiled, values: dict, *, limit: int | None, offset: int):
        sql = compiled.sql
        params = [values[p] if named else p for named, p in compiled.params]
        if compiled.slotted:
            if limit is None:
                raise RuntimeError(f"{self.name}: read a page at a time (limit=...)")
            page = f"LIMIT {int(limit)} OFFSET {int(offset)}"
            return sql.replace(_SLOT_SQL, page), params
        if limit is not None:
            if compiled.sliced:
                raise RuntimeError(f"{self.name}: a sliced queryset is not paged again")
            # Written into the SQL as Django writes a slice, not sent as values: a prepared
            # statement's generic plan would not know how few rows are wanted.
            sql = f"{sql} LIMIT {int(limit)} OFFSET {int(offset)}"
        return sql, params

    def _fetch(
        self,
        alias: str,
        compiled: _Compiled,
        values: dict,
        *,
        many: bool,
        limit: int | None = None,
        offset: int = 0,
    ):
        sql, params = self._sql(compiled, values, limit=limit, offset=offset)
        with connections[alias].cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall() if many else cursor.fetchmany(1)
        if compiled.converters:
            rows = compiled.compiler.apply_converters(rows, compiled.converters)
        return rows

    def _run(
        self,
        using: str | None,
        values: dict,
        *,
        many: bool,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[Model]:
        alias = using or router.db_for_read(self.model)
        compiled = self._compiled(alias)
        if compiled.model is None:
            raise RuntimeError(f"{self.name}: a values_list() query gives rows(), not instances")
        rows = self._fetch(alias, compiled, values, many=many, limit=limit, offset=offset)
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
        found = _placed(params, stand_ins)
        if {p for named, p in found if named} != set(stand_ins):
            raise RuntimeError(
                f"{self.name}: compiled with parameters {params!r}, not {dict(stand_ins)!r}"
            )
        slots = sql.count(_SLOT_SQL)
        if slots > 1:
            raise RuntimeError(f"{self.name}: one page_slot() per query")
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
                sliced=queryset.query.is_sliced,
                slotted=bool(slots),
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
            sliced=queryset.query.is_sliced,
            slotted=bool(slots),
        )

    def _compile_count(self, alias: str) -> _CompiledCount:
        # The rows' keys alone, in no order (a count needs no sort, nor the joined seller);
        # a stand-in that only ranked rows drops out with the ordering.
        queryset, stand_ins = self.build(alias)
        if queryset.query.is_sliced:
            raise RuntimeError(f"{self.name}: a sliced queryset is not counted")
        sql, params = queryset.order_by().values("pk").query.get_compiler(alias).as_sql()
        if _SLOT_SQL in sql:
            raise RuntimeError(f"{self.name}: a page_slot() query is counted by another")
        return _CompiledCount(sql=sql, params=_placed(params, stand_ins))


# A slice no page has: where ``page_slot()`` puts the page, for ``_sql`` to find.
_SLOT_START = 7_000_000_000_000_000_001
_SLOT_LIMIT = 1_000_000_000_000_000_003
_SLOT_SQL = f"LIMIT {_SLOT_LIMIT} OFFSET {_SLOT_START}"


def page_slot(queryset: QuerySet) -> QuerySet:
    """``queryset`` (of keys: ``values("pk")``, in the list's order) sliced where a
    ``CompiledQuery`` writes the page it reads: filter the list by ``pk__in`` it, so the
    ordering looks at narrow rows and only the page's rows are read wide and joined."""
    return queryset[_SLOT_START : _SLOT_START + _SLOT_LIMIT]


def counted(
    queryset: QuerySet, *, at_most: int | None = None, of: QuerySet | None = None
) -> QuerySet:
    """``queryset``, each row also carrying ``found``: how many rows the queryset (or
    ``of``: the list a ``page_slot()`` query pages) has in all (with ``at_most``, no more
    than that many are counted), worked out by the database once per statement (a
    subquery that depends on no row), so a list page reads its page and its count in one
    query."""
    # The ORM's own SQL for the rows' keys (unordered), its values kept as parameters.
    listed = queryset if of is None else of
    keys, params = listed.order_by().values("pk").query.get_compiler(queryset.db).as_sql()
    if at_most is not None:
        keys = f"{keys} LIMIT {int(at_most)}"
    count = f"SELECT COUNT(*) FROM ({keys}) counted"  # noqa: S608
    return queryset.annotate(found=RawSQL(count, params, IntegerField()))  # noqa: S611


class Rows:
    """The rows ``query`` finds with ``values``, as Django's ``Paginator`` takes a list:
    ``count()`` (Paginator calls it with no arguments) and slices, each one query
    (``query=None``: no rows, asking nothing); and, for a query built with ``counted()``,
    ``page()``: a page with the count, in one query. ``counts``: the query that counts
    them, where ``query`` reads its pages through a ``page_slot()`` (default: ``query``)."""

    def __init__(
        self, query: CompiledQuery | None, *, counts: CompiledQuery | None = None, **values
    ):
        self.query = query
        self.counts = counts or query
        self.values = values

    def count(self) -> int:
        return self.count_at_most(None)

    def count_at_most(self, at_most: int | None) -> int:
        """``count()``, counting no more than ``at_most`` rows (None: every row)."""
        if self.query is None:
            return 0
        return self.counts.count(at_most=at_most, **self.values)

    def __getitem__(self, rows: slice) -> list[Model]:
        if not isinstance(rows, slice) or rows.step is not None:
            raise TypeError("Rows are read a page at a time: rows[start:stop]")
        start, stop = rows.start or 0, rows.stop
        if self.query is None or (stop is not None and stop <= start):
            return []
        limit = None if stop is None else stop - start
        if limit is None and start:
            raise TypeError("Rows are read a page at a time: rows[start:stop]")
        return self.query.all(limit=limit, offset=start, **self.values)

    def explain(self, offset: int, limit: int) -> str:
        """The database's plan for ``page(offset, limit)``'s query."""
        if self.query is None:
            return ""
        return self.query.explain(limit=limit, offset=offset, **self.values)

    def page(self, offset: int, limit: int) -> tuple[list[Model], int | None]:
        """``limit`` rows from ``offset`` on, and how many rows there are in all as the
        query's ``counted()`` counts them; the count is unknown (None) when the page is
        empty past the first row, 0 when there are no rows at all."""
        if self.query is None:
            return [], 0
        found = self.query.all(limit=limit, offset=offset, **self.values)
        if found:
            return found, found[0].found
        return [], (0 if offset == 0 else None)


def _placed(params, stand_ins: Mapping[str, object]) -> tuple[tuple[bool, object], ...]:
    return tuple(
        next(
            ((True, name) for name, value in stand_ins.items() if _same(value, param)),
            (False, param),
        )
        for param in params
    )


def _same(stand_in: object, param: object) -> bool:
    return type(stand_in) is type(param) and stand_in == param


def _forget(**kwargs) -> None:
    for query in _all:
        query._by_alias.clear()
        query._counts_by_alias.clear()


setting_changed.connect(_forget, dispatch_uid="core.sql.forget")
