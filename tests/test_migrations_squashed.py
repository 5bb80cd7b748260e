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
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.urls import reverse

from coding.models import Coding
from coding.search import search_run
from interviews.models import Source
from tests.migrations import migrate_to

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


@pytest.mark.django_db(transaction=True)
def test_a_database_from_before_the_squash_goes_on_through_the_replaced_migrations(
    source, coding, client_for
):
    # Back to where a database of 2026-11-29 (70cef01) stands, its rows kept.
    migrate_to(connection, ("coding", "0007_codes_restricted_not_protected"))
    migrate_to(connection, ("interviews", "0005_source_code_points"))
    try:
        executor = MigrationExecutor(connection)
        # Partly applied: Django sets the squashed migrations aside and plans the rest.
        assert not SQUASHED & set(executor.loader.graph.nodes)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        planned = [(migration.app_label, migration.name) for migration, backwards in plan]
        assert not any(backwards for _, backwards in plan)
        assert planned.index(("interviews", "0006_source_frozen")) < planned.index(
            ("coding", "0009_sources_frozen_from_codings")
        )
        assert ("coding", "0015_coding_indexes_not_repeated") in planned
    finally:
        call_command("migrate", verbosity=0)  # the upgrade, as `make run` and deploys do it
    assert set(MigrationLoader(connection).applied_migrations) >= SQUASHED
    upgraded = Source.objects.get(pk=source.pk)
    assert (upgraded.text, upgraded.frozen) == (source.text, True)
    assert Coding.objects.get(pk=coding.pk).start == coding.start
    found = search_run(project=source.project, query="money short")
    assert (found.source_count, {hit.source_id for hit in found.hits}) == (1, {source.pk})
    page = client_for("coder").get(reverse("coding:workspace", args=[source.project_id, source.pk]))
    assert page.status_code == 200
    assert "Money was always short" in page.content.decode()
