"""Values selected as the text a page sends of them, written by the database.

A list of thousands of rows (a source's codings on the coding page) sent each value's time
changed as `datetime.isoformat()` and its guid as `str(uuid)`. Read as Python objects, each
value was parsed by the driver and Django's converters (pure Python on PostgreSQL, psycopg's
`timestamptz` loader as Django registers it), then written back as text: a quarter of the
coding page's time with 2,000 codings (bench/README.md, "The coding page's codings as text").
These expressions select that text instead, byte for byte what Python writes, on SQLite and
PostgreSQL.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db.models import F, Func, TextField


def _utc(connection) -> bool:
    """Whether the connection gives times in UTC (Django's default with USE_TZ), the only
    zone whose offset is the same for every value ("+00:00")."""
    return settings.USE_TZ and connection.timezone_name == "UTC"


class IsoFormat(Func):
    """A DateTimeField's value as `value.isoformat()` writes the datetime the ORM reads
    (in the connection's zone): "2026-03-01T09:05:07.000120+00:00", with no fraction when it
    is zero ("2026-11-29T20:59:59+00:00"); None for NULL."""

    output_field = TextField()
    template = "%(expressions)s"

    def __init__(self, expression):
        super().__init__(F(expression) if isinstance(expression, str) else expression)

    def as_postgresql(self, compiler, connection, **extra_context):
        if not _utc(connection):
            return self.as_sql(compiler, connection)
        # Microseconds always, then none when they are zero: ".000000+" is found nowhere
        # else in the text.
        template = (
            "replace(to_char(%(expressions)s AT TIME ZONE 'UTC', "
            "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\"'), '.000000+', '+')"
        )
        return self.as_sql(compiler, connection, template=template)

    def as_sqlite(self, compiler, connection, **extra_context):
        # SQLite keeps the naive time in the connection's zone as Django wrote it, `str()`
        # of the datetime ("2026-03-01 09:05:07.000120"); a function of the column is read
        # as that text, not parsed by the driver.
        return self.as_sql(compiler, connection, template="CAST(%(expressions)s AS TEXT)")

    def get_db_converters(self, connection):
        if connection.vendor == "postgresql" and _utc(connection):
            return []
        if connection.vendor == "sqlite" and _utc(connection):
            return [_sqlite_iso]
        return [_as_datetime_iso]


def _sqlite_iso(value, expression, connection):
    # The text Django writes on SQLite: "YYYY-MM-DD HH:MM:SS" and ".ffffff" when the
    # fraction is not zero, as `isoformat()` writes them with "T" and the UTC offset.
    if value is None:
        return None
    if len(value) in (19, 26) and value[10] == " " and value[19:20] in ("", "."):
        return f"{value[:10]}T{value[11:]}+00:00"
    return _as_datetime_iso(value, expression, connection)


def _as_datetime_iso(value, expression, connection):
    """Any other text, or a datetime (another zone): as the ORM reads it, then isoformat."""
    if value is None:
        return None
    typed = _Typed(expression.source_expressions[0].output_field)
    for converter in connection.ops.get_db_converters(typed):
        value = converter(value, typed, connection)
    return value.isoformat()


class _Typed:
    """What `get_db_converters` asks of an expression: its output field."""

    def __init__(self, field):
        self.output_field = field


class UuidText(Func):
    """A UUIDField's value as `str(uuid)` writes it: lower-case, with hyphens; None for
    NULL."""

    output_field = TextField()
    template = "%(expressions)s"

    def __init__(self, expression):
        super().__init__(F(expression) if isinstance(expression, str) else expression)

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template="(%(expressions)s)::text")

    # Elsewhere the column itself: SQLite keeps a UUID as its 32 hexadecimal digits in lower
    # case (`uuid.hex`), and `_uuid_text` puts in the hyphens, faster than SQLite's string
    # functions would.

    def get_db_converters(self, connection):
        return [] if connection.vendor == "postgresql" else [_uuid_text]


def _uuid_text(value, expression, connection):
    if value is None:
        return None
    if isinstance(value, str) and len(value) == 32 and value.islower():
        return f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}"
    # Any other value (written around the ORM, or another database's): as `str(uuid)`.
    return str(value if isinstance(value, uuid.UUID) else uuid.UUID(value))
