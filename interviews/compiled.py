"""An ORM query compiled to SQL once, then run again with other values.

Django compiles a queryset to SQL on every evaluation, in Python. For a query on a hot path
whose shape never changes, only its values do, that compilation can cost more than the
database's work. `Compiled` builds the queryset once per database with stand-in values for
the parts that change (`slots`), keeps the SQL the ORM wrote and the positions of the
stand-ins among its parameters, and later runs that SQL with the real values, converting
the row's values as the ORM would. The rules stay written once, as querysets and
expressions; nothing is restated in SQL.

`sent_together` sends several such queries at once before the code that reads them runs:
on PostgreSQL one round trip to the server instead of one a query (the coding page).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import connections
from django.db.models import QuerySet

from interviews.params import MAX_ID

# Stand-ins: distinct negative integers no real key or position takes, and for a slot of
# text or time a value no request sends (a text with control characters, an instant of 1901).
_STAND_IN_BASE = -7_301_000


def _stand_in(kind: type, index: int) -> Any:
    if kind is str:
        return f"\x1fcompiled slot {index}\x1f"
    if kind is datetime:
        return datetime(1901, 1, 1, tzinfo=UTC) + timedelta(microseconds=index + 1)
    return _STAND_IN_BASE - index


def keys_fit(*values: int) -> bool:
    """Whether each value can be a row's key (a big integer): the ORM finds no row for one
    that cannot, where compiled SQL given it would fail."""
    return all(-MAX_ID - 1 <= value <= MAX_ID for value in values)


_ALL: list[Compiled] = []  # every query defined, in the order the modules made them


class Compiled:
    """A `values_list` queryset of fixed shape, compiled once per database.

    `build(**slots)` returns the queryset for the given slot values; it is called once per
    database with stand-ins, which reach the SQL as parameters (a slot whose value a
    database's SQL does not need may be left out of it there). Slots are integers unless
    `kinds` names them `str` or `datetime` (an aware instant, passed to the database as the
    ORM passes a DateTimeField's value).
    `row(using, **slots)` runs it and returns its first row, converted, or None;
    `rows(using, **slots)` every row.
    """

    def __init__(
        self,
        build: Callable[..., QuerySet],
        slots: tuple[str, ...],
        kinds: dict[str, type] | None = None,
    ):
        self.build = build
        self.slots = slots
        self.kinds = {name: (kinds or {}).get(name, int) for name in slots}
        self._by_db: dict[str, tuple] = {}
        _ALL.append(self)

    @classmethod
    def compile_all(cls, using: str) -> int:
        """Compile every query not yet compiled for the database (a web process's start,
        so that no request pays it); returns how many were."""
        pending = [compiled for compiled in _ALL if using not in compiled._by_db]
        for compiled in pending:
            compiled._compile(using)
        return len(pending)

    def _compile(self, using: str) -> tuple:
        connection = connections[using]
        stand_ins = {name: _stand_in(self.kinds[name], i) for i, name in enumerate(self.slots)}
        queryset = self.build(**stand_ins).using(using)
        compiler = queryset.query.get_compiler(using)
        sql, params = compiler.as_sql()
        # Per parameter: the slot it carries (None for a fixed value) and how a value of the
        # slot is bound: an integer in the type the driver was given (psycopg's Int4 wraps
        # one), a time as the backend adapts a DateTimeField's value.
        adapt_time = connection.ops.adapt_datetimefield_value
        binders = {}  # a stand-in as the SQL's parameters hold it → (slot, how to bind)
        for name, value in stand_ins.items():
            kind = self.kinds[name]
            if kind is datetime:
                binders[adapt_time(value)] = (name, adapt_time)
            else:
                binders[value] = (name, str if kind is str else None)
        slots = []
        for p in params:
            if isinstance(p, bool) or not isinstance(p, int | str | datetime):
                slots.append((None, None))
                continue
            name, bind = binders.get(int(p) if isinstance(p, int) else p, (None, None))
            slots.append((name, type(p) if name is not None and bind is None else bind))
        fields = [column[0] for column in compiler.select[: compiler.col_count]]
        converters = compiler.get_converters(fields)
        # The SQL may select the columns in another order than asked (annotations apart):
        # the row is given in the asked order, as `values_list` gives it.
        selected = [alias for _expression, _sql, alias in compiler.select[: compiler.col_count]]
        order = [selected.index(name) for name in queryset._fields or selected]
        compiled = (sql, list(params), slots, converters, order)
        self._by_db[using] = compiled
        return compiled

    def row(self, using: str, **values: Any) -> list[Any] | None:
        found = self._run(using, values, one=True)
        return found[0] if found else None

    def rows(self, using: str, **values: Any) -> list[list[Any]]:
        """Every row, converted, in the query's order."""
        return self._run(using, values, one=False)

    def _bound(self, using: str, values: dict[str, Any]) -> tuple[str, list]:
        sql, params, slots, _converters, _order = self._by_db.get(using) or self._compile(using)
        return sql, [
            fixed if name is None else kind(values[name])
            for fixed, (name, kind) in zip(params, slots, strict=True)
        ]

    def _run(self, using: str, values: dict[str, Any], *, one: bool) -> list[list[Any]]:
        sent = (_sent.get() or {}).pop(_key(self, using, values), None)
        if sent is not None:
            fetched = sent.fetchall()
            sent.close()
        else:
            with connections[using].cursor() as cursor:
                cursor.execute(*self._bound(using, values))
                fetched = cursor.fetchmany(1) if one else cursor.fetchall()
        return self._converted(using, fetched)

    def _converted(self, using: str, fetched) -> list[list[Any]]:
        _sql, _params, _slots, converters, order = self._by_db[using]
        connection = connections[using]
        # Per row only what it needs (a list of thousands of rows pays each step per row):
        # the converters as one flat list, the columns reordered only when they are not in
        # the asked order already.
        steps = [
            (position, function, expression)
            for position, (functions, expression) in converters.items()
            for function in functions
        ]
        in_order = order == list(range(len(order)))
        found = []
        for values_in_sql in fetched:
            row = list(values_in_sql)
            for position, function, expression in steps:
                row[position] = function(row[position], expression, connection)
            found.append(row if in_order else [row[position] for position in order])
        return found


# Queries sent ahead (`sent_together`) in this context, by (query, database, values): the
# cursors holding their rows, read when the query is run with those values.
_sent: ContextVar[dict[tuple, Any] | None] = ContextVar("compiled_sent", default=None)


def _key(compiled: Compiled, using: str, values: dict[str, Any]) -> tuple:
    return (id(compiled), using, tuple(sorted(values.items())))


def _pipelines() -> bool:
    """Whether psycopg's libpq can send queries in a pipeline (libpq 14 and later)."""
    from psycopg import Pipeline

    return Pipeline.is_supported()


@contextmanager
def sent_together(using: str, queries: list[tuple[Compiled, dict[str, Any]]]):
    """Send these queries at once, before the code inside the block asks for them: on
    PostgreSQL in one psycopg pipeline, so that they cost one round trip to the server, not
    one each. Each is then read when it is run with the same values (`Compiled.row`,
    `.rows`) inside the block; one not asked for is dropped at its end. Elsewhere (SQLite,
    in this process; a libpq older than 14) nothing is sent ahead."""
    connection = connections[using]
    if connection.vendor != "postgresql" or _sent.get() is not None or not _pipelines():
        yield
        return
    connection.ensure_connection()
    sent: dict[tuple, Any] = {}
    token = _sent.set(sent)
    try:
        # Leaving the pipeline sends the queries and reads every answer into its cursor.
        with connection.connection.pipeline():
            for compiled, values in queries:
                sql, bound = compiled._bound(using, values)
                cursor = connection.cursor()
                sent[_key(compiled, using, values)] = cursor
                cursor.execute(sql, bound)
        yield
    finally:
        _sent.reset(token)
        for cursor in sent.values():
            cursor.close()
