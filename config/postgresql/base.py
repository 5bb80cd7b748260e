"""PostgreSQL as Parley uses it: Django's backend, whose connection a web process keeps from
one request to the next (`CONN_MAX_AGE = None` in config/settings.py) and checks before each
request uses it without a round trip to the server.

Django's health check (`CONN_HEALTH_CHECKS`) sends `SELECT 1` at the start of every request
that uses the database. A server that ends a connection (a restart, an administrator's
`pg_terminate_backend`, an idle timeout) sends its reason and closes the socket, which then
has something to read; an idle connection between requests otherwise receives nothing. So
a connection idle between requests whose socket can be read has been ended, and is
replaced before the request uses it: a worker's connection no longer has to be dropped
every minute for fear of a restart, and with it what the server had learnt (its catalog
read, its statements prepared and planned; bench/README.md, "Connections kept").
"""

from __future__ import annotations

import select

import psycopg
from django.db.backends.postgresql import base
from psycopg import pq


class DatabaseWrapper(base.DatabaseWrapper):
    def close_if_health_check_failed(self) -> None:
        if self.connection is None or not self.health_check_enabled or self.health_check_done:
            return
        if self.went_away():
            self.close()
        self.health_check_done = True

    def went_away(self) -> bool:
        """Whether the server ended this connection while it sat idle: anything to read
        on its socket, or its socket closed (Django's own check, a `SELECT 1`, when it is not
        idle)."""
        pgconn = self.connection.pgconn
        if pgconn.status != pq.ConnStatus.OK:
            return True
        if pgconn.transaction_status != pq.TransactionStatus.IDLE:
            return not self.is_usable()
        try:
            poller = select.poll()
            poller.register(pgconn.socket, select.POLLIN)
            return bool(poller.poll(0))  # something to read, or the socket hung up
        except (OSError, ValueError, psycopg.OperationalError):
            return True
