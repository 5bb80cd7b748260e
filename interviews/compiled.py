"""An ORM query compiled to SQL once, then run again with other values.

Django compiles a queryset to SQL on every evaluation, in Python. For a query on a hot path
whose shape never changes, only its values do, that compilation can cost more than the
database's work. `Compiled` builds the queryset once per database with stand-in values for
the parts that change (`slots`), keeps the SQL the ORM wrote and the positions of the
stand-ins among its parameters, and later runs that SQL with the real values, converting
the row's values as the ORM would. The rules stay written once, as querysets and
expressions; nothing is restated in SQL.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connections
from django.db.models import QuerySet

from interviews.params import MAX_ID

# Stand-ins: distinct negative integers no real key or position takes.
_STAND_IN_BASE = -7_301_000


def keys_fit(*values: int) -> bool:
    """Whether each value can be a row's key (a big integer): the ORM finds no row for one
    that cannot, where compiled SQL given it would fail."""
    return all(-MAX_ID - 1 <= value <= MAX_ID for value in values)


class Compiled:
    """A `values_list` queryset of fixed shape, compiled once per database.

    `build(**slots)` returns the queryset for the given slot values (all integers); it is
    called once per database with stand-ins, which reach the SQL as parameters (a slot
    whose value a database's SQL does not need may be left out of it there).
    `row(using, **slots)` runs it and returns its first row, converted, or None;
    `rows(using, **slots)` every row.
    """

    def __init__(self, build: Callable[..., QuerySet], slots: tuple[str, ...]):
        self.build = build
        self.slots = slots
        self._by_db: dict[str, tuple] = {}

    def _compile(self, using: str) -> tuple:
        stand_ins = {name: _STAND_IN_BASE - i for i, name in enumerate(self.slots)}
        queryset = self.build(**stand_ins).using(using)
        compiler = queryset.query.get_compiler(using)
        sql, params = compiler.as_sql()
        names = {value: name for name, value in stand_ins.items()}
        # Per parameter: the slot it carries (None for a fixed value) and its type, as a
        # driver may wrap an integer (psycopg's Int4) to bind it.
        slots = [
            (names.get(int(p)), type(p))
            if isinstance(p, int) and not isinstance(p, bool)
            else (None, None)
            for p in params
        ]
        fields = [column[0] for column in compiler.select[: compiler.col_count]]
        converters = compiler.get_converters(fields)
        # The SQL may select the columns in another order than asked (annotations apart):
        # the row is given in the asked order, as `values_list` gives it.
        selected = [alias for _expression, _sql, alias in compiler.select[: compiler.col_count]]
        order = [selected.index(name) for name in queryset._fields or selected]
        compiled = (sql, list(params), slots, converters, order)
        self._by_db[using] = compiled
        return compiled

    def row(self, using: str, **values: int) -> list[Any] | None:
        found = self._run(using, values, one=True)
        return found[0] if found else None

    def rows(self, using: str, **values: int) -> list[list[Any]]:
        """Every row, converted, in the query's order."""
        return self._run(using, values, one=False)

    def _run(self, using: str, values: dict[str, int], *, one: bool) -> list[list[Any]]:
        sql, params, slots, converters, order = self._by_db.get(using) or self._compile(using)
        bound = [
            fixed if name is None else kind(values[name])
            for fixed, (name, kind) in zip(params, slots, strict=True)
        ]
        connection = connections[using]
        with connection.cursor() as cursor:
            cursor.execute(sql, bound)
            fetched = cursor.fetchmany(1) if one else cursor.fetchall()
        found = []
        for values_in_sql in fetched:
            row = list(values_in_sql)
            for position, (functions, expression) in converters.items():
                for function in functions:
                    row[position] = function(row[position], expression, connection)
            found.append([row[position] for position in order])
        return found
