"""What holds for web processes only (gunicorn, runserver), not for background workers:
each SQL statement of a request is cut after PARLEY_STATEMENT_TIMEOUT_SECONDS on
PostgreSQL, and a request cut so answers 503 with a message instead of an error page.

config/wsgi.py and config/asgi.py call `serve_web()`; `manage.py db_worker`, `rqworker` and
other commands never import them, so imports, exports and language processing run as long
as they need.
"""

from __future__ import annotations

from django.conf import settings
from django.db import OperationalError
from django.db.backends.signals import connection_created
from django.http import HttpRequest, HttpResponse


def statement_timeout(sender, connection, **kwargs) -> None:
    seconds = settings.PARLEY_STATEMENT_TIMEOUT_SECONDS
    if connection.vendor == "postgresql" and seconds > 0:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('statement_timeout', %s, false)", [f"{seconds}s"])


def serve_web() -> None:
    connection_created.connect(statement_timeout, dispatch_uid="parley-statement-timeout")


def _timed_out(error: BaseException) -> bool:
    cause = error.__cause__
    return isinstance(error, OperationalError) and (
        type(cause).__name__ == "QueryCanceled" or "statement timeout" in str(error)
    )


class StatementTimeoutMiddleware:
    """A request whose query ran past the statement timeout gets 503 and a plain message."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if _timed_out(exception):
            return HttpResponse(
                "This request took longer than the server allows "
                f"({settings.PARLEY_STATEMENT_TIMEOUT_SECONDS} s) and was stopped; nothing "
                "was changed. Narrow it (fewer sources, codes or filters) and try again.",
                status=503,
                content_type="text/plain; charset=utf-8",
            )
        return None
