"""Web requests run under a statement timeout on PostgreSQL; background work does not."""

from __future__ import annotations

import pytest
from django.db import OperationalError, connection, transaction
from django.test import RequestFactory

from config.web import StatementTimeoutMiddleware, statement_timeout


def _show_timeout() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_a_web_connection_gets_the_statement_timeout(settings):
    if connection.vendor != "postgresql":
        pytest.skip("the statement timeout is PostgreSQL's")
    settings.PARLEY_STATEMENT_TIMEOUT_SECONDS = 7
    before = _show_timeout()
    try:
        statement_timeout(sender=None, connection=connection)
        assert _show_timeout() == "7s"
        settings.PARLEY_STATEMENT_TIMEOUT_SECONDS = 1
        with pytest.raises(OperationalError) as cut, transaction.atomic():
            statement_timeout(sender=None, connection=connection)
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_sleep(3)")
        response = StatementTimeoutMiddleware(lambda r: None).process_exception(
            RequestFactory().get("/"), cut.value
        )
        assert response.status_code == 503
        assert "took longer than the server allows (1 s)" in response.content.decode()
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('statement_timeout', %s, false)", [before])


def test_other_database_errors_are_left_alone():
    response = StatementTimeoutMiddleware(lambda r: None).process_exception(
        RequestFactory().get("/"), OperationalError("disk full")
    )
    assert response is None


def test_background_workers_do_not_load_the_web_settings():
    """The timeout is connected by config/wsgi.py and config/asgi.py only: a process that
    sets Django up as a worker does (in a fresh interpreter, since a test server in this one
    may have loaded the web entry point) has no such receiver."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    script = (
        "import django; django.setup(); "
        "from django.db.backends.signals import connection_created as c; "
        "print([r[0][0] for r in c.receivers])"
    )
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    found = subprocess.run(
        [sys.executable, "-c", script],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "coding-search-text" in found  # the receivers were read
    assert "parley-statement-timeout" not in found
