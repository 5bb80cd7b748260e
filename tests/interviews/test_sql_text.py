"""Times and guids selected as the text Python writes of them (interviews/sql_text.py)."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.db import connection

from coding.models import Coding
from interviews.sql_text import IsoFormat, UuidText


def as_text(coding) -> tuple[str, str]:
    return (
        Coding.objects.filter(pk=coding.pk)
        .annotate(_guid=UuidText("guid"), _time=IsoFormat("modified_at"))
        .values_list("_guid", "_time")
        .get()
    )


def as_python(coding) -> tuple[str, str]:
    coding = Coding.objects.get(pk=coding.pk)
    return str(coding.guid), coding.modified_at.isoformat()


@pytest.mark.parametrize(
    "when",
    [
        datetime.datetime(2026, 3, 1, 9, 5, 7, 120, tzinfo=datetime.UTC),
        datetime.datetime(2026, 3, 1, 9, 5, 7, tzinfo=datetime.UTC),
        datetime.datetime(2026, 3, 1, 9, 5, 7, 999999, tzinfo=datetime.UTC),
        datetime.datetime(
            2026, 12, 31, 23, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=-5))
        ),
        datetime.datetime(999, 1, 2, 3, 4, 5, 60, tzinfo=datetime.UTC),
    ],
)
def test_a_time_reads_as_isoformat_writes_it(coding, when):
    Coding.objects.filter(pk=coding.pk).update(modified_at=when)
    assert as_text(coding) == as_python(coding)
    assert as_text(coding)[1] == when.astimezone(datetime.UTC).isoformat()


def test_a_guid_reads_as_str_writes_it(coding):
    for guid in (uuid.UUID("00000000-1111-4222-8333-444444444444"), uuid.uuid4()):
        Coding.objects.filter(pk=coding.pk).update(guid=guid)
        assert as_text(coding) == as_python(coding)
        assert as_text(coding)[0] == str(guid)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite keeps times and guids as text")
def test_text_written_around_the_orm_on_sqlite_still_reads_as_python_writes_it(coding):
    table = Coding._meta.db_table
    for stored_time, stored_guid in [
        ("2026-03-01 09:05:07.123", "0A1B2C3D4E5F4A6B8C7D9E0F1A2B3C4D"),
        ("2026-03-01T09:05:07", "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"),
        ("2026-03-01 09:05:07+00:00", "0a1b2c3d4e5f4a6b8c7d9e0f1a2b3c4d"),
    ]:
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET modified_at = %s, guid = %s WHERE id = %s",
                [stored_time, stored_guid, coding.pk],
            )
        assert as_text(coding) == as_python(coding)
        assert as_text(coding) == (
            "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
            "2026-03-01T09:05:07.123000+00:00"
            if stored_time.endswith(".123")
            else "2026-03-01T09:05:07+00:00",
        )
