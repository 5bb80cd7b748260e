"""A web server started on a site that is not ready says why and does not start
(deploy/gunicorn.conf.py's `on_starting`, `interviews.readiness.serving_problems`)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from django.db.migrations.loader import MigrationLoader

from tests.nginx import free_port
from tests.served import GUNICORN, ROOT, first_answer, manage, run_manage, site_environment


def _site(tmp_path: Path, **extra: str) -> dict[str, str]:
    return site_environment(
        tmp_path,
        PARLEY_POOL="interactive",
        PARLEY_WEB_WORKERS="1",
        PARLEY_BIND=f"127.0.0.1:{free_port()}",
        **extra,
    )


def _refused(env: dict[str, str]) -> str:
    """Start gunicorn, which must stop by itself; its last line (the reason)."""
    done = subprocess.run(GUNICORN, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0, done.stderr
    return done.stderr.strip().splitlines()[-1]


def test_a_site_not_migrated_or_collected_does_not_start_and_says_what_to_run(tmp_path):
    env = _site(tmp_path)
    # Every migration, squashed ones standing for those they replace, as on a new database.
    migrations = len(MigrationLoader(None, ignore_no_migrations=True).graph.nodes)
    assert _refused(env) == (
        f"Parley does not start: The database has {migrations} migrations not applied (the first: "
        "contenttypes.0001_initial): run `manage.py migrate`. The cache's table parley_cache "
        "does not exist: run `manage.py createcachetable`. The static files are not collected "
        f"into {tmp_path / 'static'}: run `manage.py collectstatic --noinput`."
    )
    manage(env, "migrate", "-v", "0")
    assert _refused(env) == (
        "Parley does not start: The cache's table parley_cache does not exist: run "
        "`manage.py createcachetable`. The static files are not collected into "
        f"{tmp_path / 'static'}: run `manage.py collectstatic --noinput`."
    )
    manage(env, "createcachetable")
    manage(env, "collectstatic", "--noinput", "-v", "0")
    # Collected by an older version: the manifest lacks a file this version's pages name.
    manifest_path = tmp_path / "static" / "staticfiles.json"
    manifest = json.loads(manifest_path.read_text())
    del manifest["paths"]["js/workspace.js"]
    manifest_path.write_text(json.dumps(manifest))
    assert _refused(env) == (
        "Parley does not start: 1 static file of this version is not collected (the first: "
        "js/workspace.js): run `manage.py collectstatic --noinput`."
    )
    manage(env, "collectstatic", "--noinput", "-v", "0")
    log = tmp_path / "gunicorn.log"
    with open(log, "w") as errors:
        server = subprocess.Popen(
            GUNICORN, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=errors
        )
    try:
        answer = first_answer(server, f"http://{env['PARLEY_BIND']}/accounts/login/", log.read_text)
        assert answer.status_code == 200
        assert "Log in to Parley" in answer.text
    finally:
        server.terminate()
        server.wait(timeout=60)


def test_a_database_out_of_reach_is_named(tmp_path):
    # Nothing listens on port 9 of this machine (discard, not served).
    env = _site(tmp_path, DATABASE_URL="postgres://parley@127.0.0.1:9/parley")
    reason = _refused(env)
    assert reason.startswith("Parley does not start: The database cannot be reached (")
    assert 'connection to server at "127.0.0.1", port 9 failed: Connection refused' in reason


def test_without_preload_the_master_checks_nothing(tmp_path):
    """PARLEY_PRELOAD_APP=0: the master loads no application, so it starts; its workers then
    load it themselves (and the sign-in page of this uncollected site fails)."""
    env = _site(tmp_path, PARLEY_PRELOAD_APP="0")
    server = subprocess.Popen(
        GUNICORN, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        answer = first_answer(server, f"http://{env['PARLEY_BIND']}/accounts/login/")
        assert answer.status_code == 500
    finally:
        server.terminate()
        server.wait(timeout=60)


def _ready(env: dict[str, str], *options: str) -> subprocess.CompletedProcess:
    return run_manage(env, "ready", *options)


def test_manage_ready_says_what_a_web_server_and_a_task_worker_lack(tmp_path):
    """`manage.py ready`: what the web server's check finds, for an administrator or a unit's
    ExecStartPre; `--worker` only what a task worker needs (the database)."""
    env = _site(tmp_path)
    migrations = len(MigrationLoader(None, ignore_no_migrations=True).graph.nodes)
    not_migrated = (
        f"The database has {migrations} migrations not applied (the first: "
        "contenttypes.0001_initial): run `manage.py migrate`."
    )
    web = _ready(env)
    worker = _ready(env, "--worker")
    assert (web.returncode, worker.returncode) == (1, 1)
    assert web.stderr.strip() == (
        f"CommandError: Not ready. {not_migrated} The cache's table parley_cache does not "
        f"exist: run `manage.py createcachetable`. The static files are not collected into "
        f"{tmp_path / 'static'}: run `manage.py collectstatic --noinput`."
    )
    assert worker.stderr.strip() == f"CommandError: Not ready. {not_migrated}"
    manage(env, "migrate", "-v", "0")
    worker = _ready(env, "--worker")
    assert (worker.returncode, worker.stdout) == (0, "Ready.\n")
    assert _ready(env).returncode == 1
    manage(env, "createcachetable")
    manage(env, "collectstatic", "--noinput", "-v", "0")
    web = _ready(env)
    assert (web.returncode, web.stdout, web.stderr) == (0, "Ready.\n", "")
