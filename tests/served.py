"""A production-like site for the tests that start real web servers (gunicorn) on it."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import requests

from tests.test_settings import _clean_environment

ROOT = Path(__file__).resolve().parents[1]
# gunicorn as deploy/ runs it (started with the site's environment, from ROOT).
GUNICORN = [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "config.wsgi"]


def site_environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a site with DEBUG off and no HTTPS, its data and static files in
    `tmp_path`, on SQLite (the test run's DATABASE_URL left out), with `extra` added."""
    return {
        **{k: v for k, v in _clean_environment().items() if k != "DATABASE_URL"},
        "DEBUG": "0",
        "SECRET_KEY": "test-only-not-a-secret",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "SECURE_HSTS_SECONDS": "0",
        "STATIC_ROOT": str(tmp_path / "static"),
        "PARLEY_DATA_DIR": str(tmp_path / "data"),
        **extra,
    }


def run_manage(env: dict[str, str], *command: str) -> subprocess.CompletedProcess:
    """Run `manage.py command` on the site of `env`, its output captured as text."""
    return subprocess.run(
        [sys.executable, "manage.py", *command], cwd=ROOT, env=env, capture_output=True, text=True
    )


def manage(env: dict[str, str], *command: str) -> str:
    """Run `manage.py command` on the site of `env`; what it printed (it must succeed)."""
    done = run_manage(env, *command)
    assert done.returncode == 0, done.stderr
    return done.stdout


def first_answer(
    server: subprocess.Popen, url: str, log: Callable[[], str] = lambda: ""
) -> requests.Response:
    """The answer to GET `url` once the server just started listens (a master listens
    before it preloads: the files pool's takes seconds); fails, with `log()`, if the server
    stops, or after two minutes."""
    deadline = time.monotonic() + 120
    while True:
        assert server.poll() is None, log()
        try:
            return requests.get(url, timeout=30)
        except requests.RequestException:
            assert time.monotonic() < deadline, f"nothing answered {url}"
            time.sleep(0.1)
