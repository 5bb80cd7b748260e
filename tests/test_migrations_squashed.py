"""A new database is created by the squashed migrations (interviews 0001-0012, coding
0001-0015), and has the schema that the migrations they replace give, one by one."""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader

ROOT = Path(__file__).resolve().parent.parent
SQUASHED = {
    ("interviews", "0001_squashed_0012_import_writes_less"),
    ("coding", "0001_squashed_0015_coding_indexes_not_repeated"),
}


def _postgres_url(name: str) -> str:
    settings = connection.settings_dict
    user = quote(settings["USER"] or "")
    password = f":{quote(settings['PASSWORD'])}" if settings["PASSWORD"] else ""
    host = settings["HOST"] or "localhost"
    return f"postgres://{user}{password}@{host}:{settings['PORT'] or 5432}/{name}"


def _schemas(databases: dict[str, dict[str, str]]) -> dict[str, list[str]]:
    """Migrate a new database each way at once (two processes), and read their schemas."""
    runs = {}
    for mode, env in databases.items():
        run_env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", **env}
        if "DATABASE_URL" not in env:
            run_env.pop("DATABASE_URL", None)
        runs[mode] = subprocess.Popen(
            [sys.executable, "-m", "tests.migrations", mode],
            cwd=ROOT,
            env=run_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
    schemas = {}
    for mode, run in runs.items():
        out, err = run.communicate(timeout=300)
        assert run.returncode == 0, err
        schemas[mode] = json.loads(out)
    return schemas


@pytest.mark.django_db
def test_the_squashed_migrations_give_the_schema_of_those_they_replace(tmp_path):
    modes = ("squashed", "chain")
    if connection.vendor == "sqlite":
        schemas = _schemas({mode: {"PARLEY_DATA_DIR": str(tmp_path / mode)} for mode in modes})
    else:
        import psycopg

        names = {mode: f"parley_{mode}_{uuid.uuid4().hex[:8]}" for mode in modes}
        params = connection.get_connection_params()
        with psycopg.connect(**params, autocommit=True) as server:
            for name in names.values():
                server.execute(f'CREATE DATABASE "{name}"')
            try:
                schemas = _schemas(
                    {mode: {"DATABASE_URL": _postgres_url(name)} for mode, name in names.items()}
                )
            finally:
                for name in names.values():
                    server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    squashed, chain = schemas["squashed"], schemas["chain"]
    assert [line for line in squashed if line not in chain] == []
    assert [line for line in chain if line not in squashed] == []
    # Not two empty lists: the tables, the partial index of 0012 and the search index are there.
    assert any("interviews_segment" in line and "segment_interviewee" in line for line in chain)
    assert any("coding_source_" in line and line.startswith("trigger") for line in chain)
    assert any("coding_agreementresolution" in line for line in chain)


@pytest.mark.django_db
def test_a_new_database_is_made_by_the_squashed_migrations_and_records_what_they_replace():
    loader = MigrationLoader(connection)
    assert set(loader.graph.nodes) >= SQUASHED
    for key in SQUASHED:
        migration = loader.graph.nodes[key]
        assert set(migration.replaces) <= set(loader.applied_migrations)
        assert not set(migration.replaces) & set(loader.graph.nodes)
