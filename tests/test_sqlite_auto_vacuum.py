"""SQLite files keep pointer-map pages (auto_vacuum), and an older file is converted by
interviews migration 0013 with its rows intact."""

import importlib
import sqlite3
from types import SimpleNamespace

import pytest
from django.db import connection, connections
from django.db.backends.sqlite3.base import DatabaseWrapper

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's file format")

MIGRATION = importlib.import_module("interviews.migrations.0013_sqlite_auto_vacuum")


def test_the_database_is_in_incremental_auto_vacuum_mode(db):
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA auto_vacuum")
        assert cursor.fetchone()[0] == 2


@pytest.mark.django_db
def test_an_older_file_is_converted_and_keeps_its_rows(tmp_path):
    path = tmp_path / "old.sqlite3"
    old = sqlite3.connect(path)
    old.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, words BLOB)")
    old.executemany("INSERT INTO t (words) VALUES (?)", [(bytes([i]) * 70_000,) for i in range(20)])
    old.commit()
    assert old.execute("PRAGMA auto_vacuum").fetchone()[0] == 0
    old.close()

    settings = {
        **connections["default"].settings_dict,
        "NAME": str(path),
        "OPTIONS": {},
        "TEST": {},
    }
    wrapper = DatabaseWrapper(settings, alias="old-file")
    try:
        MIGRATION.auto_vacuum_on(None, SimpleNamespace(connection=wrapper))
        MIGRATION.auto_vacuum_on(None, SimpleNamespace(connection=wrapper))  # a second run: no-op
    finally:
        wrapper.close()

    converted = sqlite3.connect(path)
    assert converted.execute("PRAGMA auto_vacuum").fetchone()[0] == 2
    rows = converted.execute("SELECT id, words FROM t ORDER BY id").fetchall()
    assert [(i + 1, bytes([i]) * 70_000) for i in range(20)] == rows
    converted.close()
