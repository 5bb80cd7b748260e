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


@pytest.mark.django_db(transaction=True)
def test_a_request_whose_database_connection_was_lost_gets_a_message(client_for, project):
    """The server ends the connection a request is about to use (as it would on a restart,
    or the network after `tcp_user_timeout`): the request answers 503 with a message, not
    an error page."""
    if connection.vendor != "postgresql":
        pytest.skip("a lost connection is PostgreSQL's")
    from django.db import connections
    from django.urls import reverse

    client = client_for("viewer")
    client.raise_request_exception = False  # as a browser meets it: the page for an error
    url = reverse("interviews:project_detail", args=[project.pk])
    assert client.get(url).status_code == 200
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    other = type(connections["default"])(connections["default"].settings_dict, "other")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        other.close()
    try:
        response = client.get(url)
        assert response.status_code == 503
        assert response.content.decode() == (
            "The connection to the database was lost and this request was stopped. "
            "Try again: the next request connects anew."
        )
    finally:
        connections.close_all()
    assert client.get(url).status_code == 200


def test_other_errors_get_djangos_page_for_an_error(rf):
    from config.web import server_error

    try:
        raise OperationalError("disk full")
    except OperationalError:
        response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert b"Server Error (500)" in response.content
