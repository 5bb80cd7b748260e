"""A web process keeps its PostgreSQL connection between requests and replaces it, before a
request uses it, when the server ended it (config/postgresql/base.py)."""

import os
import socket
import subprocess
import sys
import time

import pytest
from django.db import connection, connections

from tests.test_settings import ROOT, _clean_environment

URL = "postgres://parley@db.example.org:5432/parley"


def _printed(script: str, url: str = URL, **env: str) -> list[str]:
    """What `script` prints in a fresh process whose settings read DATABASE_URL=`url`."""
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n" + script],
        cwd=ROOT,
        env={
            **_clean_environment(),
            "DEBUG": "1",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": url,
            **env,
        },
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_the_settings_keep_connections_with_the_check_that_sends_nothing():
    script = (
        "from django.conf import settings\n"
        "db = settings.DATABASES['default']\n"
        "print(db['ENGINE'], db['CONN_MAX_AGE'], db['CONN_HEALTH_CHECKS'])"
    )
    assert _printed(script) == ["config.postgresql", "None", "True"]


def test_the_keepalives_can_be_set_and_a_urls_own_stand():
    script = (
        "from django.conf import settings\n"
        "o = settings.DATABASES['default']['OPTIONS']\n"
        "print(o['keepalives'], o['keepalives_idle'], o['keepalives_interval'], "
        "o['keepalives_count'])"
    )
    assert _printed(script) == ["1", "60", "10", "3"]
    assert _printed(script, PARLEY_PG_KEEPALIVE_IDLE_SECONDS="300") == ["1", "300", "10", "3"]
    own = URL + "?keepalives_idle=20&keepalives_count=5"
    assert _printed(script, own) == ["1", "20", "10", "5"]


def test_a_web_process_gives_up_on_unacknowledged_data_as_a_statement_does():
    """A web process ends a connection whose sent data goes unacknowledged for as long as
    a statement may run (config/web.py); a command or a task worker leaves it to the
    kernel; a URL's own value stands."""
    options = "print(settings.DATABASES['default']['OPTIONS'].get('tcp_user_timeout'))"
    web = "import config.wsgi\nfrom django.conf import settings\n" + options
    command = "from django.conf import settings\n" + options
    assert _printed(web) == ["30000"]
    assert _printed(web, PARLEY_STATEMENT_TIMEOUT_SECONDS="12") == ["12000"]
    assert _printed(web, PARLEY_STATEMENT_TIMEOUT_SECONDS="0") == ["None"]
    assert _printed(web, URL + "?tcp_user_timeout=4000") == ["4000"]
    assert _printed(command) == ["None"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
@pytest.mark.django_db(transaction=True)
def test_a_kept_connection_is_probed_by_tcp_keepalives_when_idle():
    """An idle connection a firewall would drop without a word is probed after a minute
    (then every 10 s, given up after 3): the kernel keeps it alive, or ends it, and the
    check before the next request then finds it ended."""
    kept = type(connections["default"])(
        {**connections["default"].settings_dict, "CONN_MAX_AGE": None}, "kept"
    )
    try:
        kept.ensure_connection()
        pgconn = kept.connection.pgconn
        if pgconn.host.startswith(b"/"):
            pytest.skip("a Unix socket has no TCP keepalives")
        probe = socket.socket(fileno=os.dup(pgconn.socket))
        try:
            assert probe.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1
            assert probe.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE) == 60
            assert probe.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL) == 10
            assert probe.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT) == 3
        finally:
            probe.close()
    finally:
        kept.close()


def _last_query(pid: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone()[0]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
@pytest.mark.django_db(transaction=True)
def test_a_connection_the_server_ended_is_replaced_and_a_live_one_is_not_asked():
    settings = {**connections["default"].settings_dict, "CONN_MAX_AGE": None}
    kept = type(connections["default"])({**settings, "CONN_HEALTH_CHECKS": True}, "kept")
    try:
        with kept.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid(), 'before the check'")
            pid = cursor.fetchone()[0]
        # A new request: the live connection is kept, and nothing is sent to check it.
        kept.close_if_unusable_or_obsolete()
        kept.close_if_health_check_failed()
        assert kept.connection is not None
        assert "before the check" in _last_query(pid)
        # The server ends it (a restart, an administrator); the next request gets a new one.
        with connection.cursor() as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", [pid])
        deadline = time.monotonic() + 5
        while not kept.went_away() and time.monotonic() < deadline:
            time.sleep(0.01)
        kept.close_if_unusable_or_obsolete()
        with kept.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            assert cursor.fetchone()[0] != pid
    finally:
        kept.close()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
@pytest.mark.django_db(transaction=True)
def test_a_web_process_connection_carries_the_user_timeout_on_its_socket():
    db = connections["default"].settings_dict
    if not db["HOST"] or db["HOST"].startswith("/"):
        pytest.skip("a Unix socket has no TCP user timeout")
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
    script = (
        "import config.wsgi, os, socket\n"
        "from django.db import connection\n"
        "connection.ensure_connection()\n"
        "probe = socket.socket(fileno=os.dup(connection.connection.pgconn.socket))\n"
        "print(probe.getsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT))"
    )
    assert _printed(script, url, PARLEY_STATEMENT_TIMEOUT_SECONDS="20") == ["20000"]
