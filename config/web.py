"""What holds for web processes only (gunicorn, runserver), not for background workers:
each SQL statement of a request is cut after PARLEY_STATEMENT_TIMEOUT_SECONDS on
PostgreSQL, and a request cut so answers 503 with a message instead of an error page; and a
PostgreSQL connection whose sent data goes unacknowledged that long is ended
(`tcp_user_timeout`), so that a request on a connection the network dropped without a word
fails then, instead of waiting for the kernel's retransmissions (a quarter of an hour)
until gunicorn kills its worker.

config/wsgi.py and config/asgi.py call `serve_web()`; `manage.py db_worker`, `rqworker` and
other commands never import them, so imports, exports and language processing run as long
as they need.

`ContentSecurityPolicyMiddleware` sets the Content-Security-Policy header of the settings,
built once instead of on every request.
"""

from __future__ import annotations

import io
import sys

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.db import OperationalError, connections
from django.db.backends.signals import connection_created
from django.http import HttpRequest, HttpResponse
from django.views import defaults


def statement_timeout(sender, connection, **kwargs) -> None:
    seconds = settings.PARLEY_STATEMENT_TIMEOUT_SECONDS
    if connection.vendor == "postgresql" and seconds > 0:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('statement_timeout', %s, false)", [f"{seconds}s"])


def serve_web() -> None:
    connection_created.connect(statement_timeout, dispatch_uid="parley-statement-timeout")
    seconds = settings.PARLEY_STATEMENT_TIMEOUT_SECONDS
    for alias in connections:
        if connections[alias].vendor == "postgresql" and seconds > 0:
            # A URL's own `?tcp_user_timeout=` stands.
            options = connections.settings[alias].setdefault("OPTIONS", {})
            options.setdefault("tcp_user_timeout", seconds * 1000)


def warm_up() -> dict[str, int]:
    """Do now what each web process's first requests would otherwise do once each: compile
    Parley's templates (Django's cached loader keeps them), write the SQL of the queries
    compiled once (`interviews.compiled`) for the default database, and compile the URL
    patterns' regular expressions. With gunicorn's preload_app the master does it and the
    workers share the result. Writing the SQL opens no database connection. Returns how
    many of each were made."""
    from django.db import DEFAULT_DB_ALIAS
    from django.template.loader import get_template
    from django.urls import URLResolver, get_resolver

    from interviews.compiled import Compiled

    made = {"templates": 0, "queries": 0, "patterns": 0}
    folder = settings.BASE_DIR / "templates"  # Parley's own
    for path in sorted(folder.rglob("*.html")):
        get_template(path.relative_to(folder).as_posix())
        made["templates"] += 1
    made["queries"] = Compiled.compile_all(DEFAULT_DB_ALIAS)
    resolvers = [get_resolver()]
    while resolvers:
        for entry in resolvers.pop().url_patterns:
            entry.pattern.regex  # noqa: B018  (compiled on first access, then kept)
            made["patterns"] += 1
            if isinstance(entry, URLResolver):
                resolvers.append(entry)
    return made


def warm_request(application) -> int:
    """Serve one request inside a new web worker, before its first real one: the sign-in
    page, as a browser asks it over HTTPS, through `application` (every middleware, the
    template engine, the base template). With gunicorn's preload_app a worker shares the
    master's memory until it writes to it, and Python writes to every object a request uses
    (its reference counts): the first request of a worker copied some 4,400 pages of it
    (17 MB) and took 31-48 ms instead of 3 (bench/README.md, "A worker's first request").
    This one copies most of them before anyone waits; the worker's memory after its first
    requests is what it would have been. It reads no database. Returns the answer's status
    code."""
    from django.urls import reverse

    hosts = [host.lstrip("*.") for host in settings.ALLOWED_HOSTS]
    host = next((name for name in hosts if name), "localhost")
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": reverse("login"),
        "QUERY_STRING": "",
        "SERVER_NAME": host,
        "SERVER_PORT": "443",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": host,
        "wsgi.url_scheme": "https",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": io.StringIO(),
        "REMOTE_ADDR": "127.0.0.1",
    }
    if settings.SECURE_PROXY_SSL_HEADER:  # a proxy's word that the request came over HTTPS
        header, value = settings.SECURE_PROXY_SSL_HEADER
        environ[header] = value
    answered = []
    body = application(environ, lambda status, headers, exc_info=None: answered.append(status))
    try:
        for _chunk in body:
            pass
    finally:
        if hasattr(body, "close"):
            body.close()
    return int(answered[0].split()[0])


def _timed_out(error: BaseException) -> bool:
    cause = error.__cause__
    return isinstance(error, OperationalError) and (
        type(cause).__name__ == "QueryCanceled" or "statement timeout" in str(error)
    )


def _connection_lost(error: BaseException) -> bool:
    """A database error after which this thread's connection is closed: the server ended
    it or the network lost it (`tcp_user_timeout`, above)."""
    if not isinstance(error, OperationalError):
        return False
    for alias in connections:
        raw = connections[alias].connection
        if raw is not None and getattr(raw, "closed", False):
            return True
    return False


class StatementTimeoutMiddleware:
    """A request whose query ran past the statement timeout gets 503 and a plain message."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if _timed_out(exception):
            return _unavailable(
                "This request took longer than the server allows "
                f"({settings.PARLEY_STATEMENT_TIMEOUT_SECONDS} s) and was stopped; nothing "
                "was changed. Narrow it (fewer sources, codes or filters) and try again."
            )
        return None


def _unavailable(message: str) -> HttpResponse:
    """503 with a plain message: what a request the database could not serve answers."""
    return HttpResponse(message, status=503, content_type="text/plain; charset=utf-8")


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's page for an error, unless the error came of a lost database connection
    (anywhere in the request: a middleware's session read, a view): then 503 and a plain
    message, since trying again is what helps."""
    error, seen = sys.exc_info()[1], 0
    while error is not None and seen < 10:
        if _connection_lost(error):
            return _unavailable(
                "The connection to the database was lost and this request was stopped. "
                "Try again: the next request connects anew."
            )
        error, seen = error.__cause__ or error.__context__, seen + 1
    return defaults.server_error(request)


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware with each header built once. No view of Parley changes the
    policy for one response (`csp_update`, `csp_replace`, `csp_exempt`) or uses a nonce, so
    every response carries the policy of the settings: it is built when the settings change,
    not on every request (django-csp builds it twice a response). A response that does carry
    its own policy or a nonce goes through django-csp as it is."""

    _OWN = (
        "_csp_config",
        "_csp_update",
        "_csp_replace",
        "_csp_exempt",
        "_csp_config_ro",
        "_csp_update_ro",
        "_csp_replace_ro",
        "_csp_exempt_ro",
    )

    def __init__(self, get_response):
        super().__init__(get_response)
        self._built: tuple[object, object, list[tuple[str, str, tuple]]] | None = None

    def _headers(self) -> list[tuple[str, str, tuple]]:
        """(header, policy, excluded path prefixes) for the policy and the report-only one."""
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", None)
        report_only = getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
        if self._built is None or self._built[:2] != (policy, report_only):
            headers = []
            for header, config, ro in (
                (HEADER, policy, False),
                (HEADER_REPORT_ONLY, report_only, True),
            ):
                value = build_policy(report_only=ro)
                if value:
                    prefixes = tuple((config or {}).get("EXCLUDE_URL_PREFIXES") or ())
                    headers.append((header, value, prefixes))
            self._built = (policy, report_only, headers)
        return self._built[2]

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if getattr(request, "_csp_nonce", None) is not None or any(
            hasattr(response, name) for name in self._OWN
        ):
            return super().process_response(request, response)
        if response.status_code in (500, 404) and settings.DEBUG:
            return response
        for header, value, prefixes in self._headers():
            if header not in response and not request.path_info.startswith(prefixes):
                response[header] = value
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response
