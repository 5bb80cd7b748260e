"""The environment every benchmark that serves the site sets before Django starts: this
checkout on the import path, production-like settings without HTTPS (the benchmarks talk
to `testserver` or 127.0.0.1), and a data folder of its own.

    import benchenv
    ROOT = benchenv.setup(data_prefix="parley-cw-")   # then import models, views …
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def setup(*, data_prefix: str | None = None, **environ: str) -> Path:
    """Set the environment (plus `environ`), start Django and return the checkout's root.
    With `data_prefix`, PARLEY_DATA_DIR is a new temporary folder unless it is set."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")
    os.environ.update(
        DEBUG="0",
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        SECURE_HSTS_SECONDS="0",
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        DJANGO_SETTINGS_MODULE="config.settings",
        **environ,
    )
    if data_prefix is not None and "PARLEY_DATA_DIR" not in os.environ:
        os.environ["PARLEY_DATA_DIR"] = tempfile.mkdtemp(prefix=data_prefix)
    import django

    django.setup()
    return ROOT


@contextmanager
def scratch_database(name: str) -> Iterator[None]:
    """A database of the benchmark's own for the run, dropped after it: `<name>.sqlite3` in
    the data folder on SQLite, `<database>_<name>` on PostgreSQL."""
    from django.conf import settings
    from django.db import connection

    database = settings.DATABASES["default"]
    if connection.vendor == "sqlite":
        scratch = str(Path(os.environ["PARLEY_DATA_DIR"]) / f"{name}.sqlite3")
    else:
        scratch = f"{database['NAME']}_{name}"
    database.setdefault("TEST", {})["NAME"] = scratch
    old = database["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        yield
    finally:
        connection.creation.destroy_test_db(old, verbosity=0)


@contextmanager
def scratch_site(name: str) -> Iterator[None]:
    """`scratch_database(name)` with the static files collected into the STATIC_ROOT the
    script was set up with (pages name their files through the manifest), which is removed
    after the run."""
    from django.core.management import call_command

    try:
        with scratch_database(name):
            call_command("collectstatic", interactive=False, verbosity=0)
            yield
    finally:
        shutil.rmtree(os.environ["STATIC_ROOT"], ignore_errors=True)


def collect_static(static_root: Path) -> None:
    """The site's static files collected into `static_root` by a process of their own, with
    the production settings the benchmarks' servers run."""
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env={
            **os.environ,
            "DEBUG": "0",
            "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-not-a-secret"),
            "STATIC_ROOT": str(static_root),
        },
        check=True,
    )


def wsgi_get(cookie: str, host: str = "testserver"):
    """get(url) -> (status, body): a GET through Django's WSGI handler as gunicorn calls it,
    with the given Cookie header (every middleware, the session and user reads, the view,
    the answer's body), for timing a request without a client or a network."""
    import io

    from django.core.handlers.wsgi import WSGIHandler

    handler = WSGIHandler()

    def get(url: str) -> tuple[int, bytes]:
        path, _sep, query = url.partition("?")
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_NAME": host,
            "SERVER_PORT": "80",
            "HTTP_HOST": host,
            "HTTP_COOKIE": cookie,
            "HTTP_ACCEPT": "text/html,application/json",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(b""),
            "wsgi.errors": sys.stderr,
        }
        status = []
        response = handler(environ, lambda code, headers: status.append(code))
        try:
            body = b"".join(response)
        finally:
            response.close()
        return int(status[0].split()[0]), body

    return get


_PAGE_DATA = re.compile(
    rb'<script id="workspace-data" type="application/json">(.*?)</script>', re.S
)


def page_data(body: bytes) -> dict:
    """The coding page's data (its `workspace-data` script) from the page's HTML."""
    return json.loads(_PAGE_DATA.search(body).group(1))
