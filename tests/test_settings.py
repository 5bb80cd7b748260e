"""The settings refuse to start in production without a secret key."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


# What a production process would not have: the test run's own settings and browser flags.
NOT_IN_PRODUCTION = {"SECRET_KEY", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_SETTINGS_MODULE"}


def _clean_environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in NOT_IN_PRODUCTION}


def _import_settings(**env) -> subprocess.CompletedProcess:
    clean = _clean_environment()
    return subprocess.run(
        [sys.executable, "-c", "import config.settings"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
    )


def test_debug_off_without_secret_key_refuses_to_start():
    result = _import_settings(DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_debug_off_with_secret_key_starts():
    assert _import_settings(DEBUG="0", SECRET_KEY="x" * 50).returncode == 0


def test_debug_on_uses_a_development_key():
    assert _import_settings(DEBUG="1").returncode == 0


def test_deploy_checks_are_clean_in_production_settings(tmp_path):
    clean = _clean_environment()
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={
            **clean,
            "DEBUG": "0",
            "SECRET_KEY": "a-long-random-production-secret-key-0123456789-abcdefghijklmnop",
            "ALLOWED_HOSTS": "parley.example.org",
            "PARLEY_DATA_DIR": str(tmp_path),
            "DJANGO_SETTINGS_MODULE": "config.settings",
        },
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_web_process_loads_every_view_before_its_first_request(tmp_path):
    clean = _clean_environment()
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, config.wsgi; print(config.wsgi.VIEWS_LOADED, "
            "'reports.views' in sys.modules, 'coding.views.workspace' in sys.modules)",
        ],
        cwd=ROOT,
        env={**clean, "DEBUG": "1", "PARLEY_DATA_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
    )
    assert result.stdout.split() == ["True", "True", "True"], result.stderr


def test_the_web_process_compiles_templates_queries_and_patterns_before_its_first_request(
    tmp_path,
):
    """What each process's first requests would otherwise do once (`config.web.warm_up`):
    every template of templates/ compiled and kept, every query of `interviews.compiled`
    written as SQL, the URL patterns' expressions compiled; no database is opened for it."""
    script = (
        "import config.wsgi\n"
        "from django.db import connection\n"
        "from django.template import engines\n"
        "from interviews.compiled import _ALL\n"
        "cached = engines['django'].engine.template_loaders[0].get_template_cache\n"
        "print(config.wsgi.WARMED['templates'], len(cached), config.wsgi.WARMED['queries'],\n"
        "      len(_ALL), all('default' in q._by_db for q in _ALL),\n"
        "      'coding/workspace.html' in {t.origin.template_name for t in cached.values()},\n"
        "      connection.connection is None)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**_clean_environment(), "DEBUG": "1", "PARLEY_DATA_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    templates, cached, queries, defined, all_compiled, workspace, unopened = result.stdout.split()
    assert int(templates) == len(list((ROOT / "templates").rglob("*.html"))) == int(cached)
    assert int(queries) == int(defined) > 10
    assert (all_compiled, workspace, unopened) == ("True", "True", "True")


HEAVY = ("spacy", "pandas", "matplotlib", "pypdf", "docx", "openpyxl", "presidio_analyzer")


def _printed(script: str, tmp_path, **env) -> list[str]:
    """The words the script prints, run in a fresh process."""
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**_clean_environment(), "DEBUG": "1", "PARLEY_DATA_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def _loaded_after(script: str, tmp_path, **env) -> list[str]:
    """The heavy libraries in sys.modules after the script runs in a fresh process."""
    listed = f"import sys\n{script}\nprint(*[m for m in {HEAVY!r} if m in sys.modules])"
    return _printed(listed, tmp_path, **env)


def test_starting_django_and_loading_the_urls_imports_no_heavy_library(tmp_path):
    script = (
        "import django\nfrom django.urls import get_resolver\n"
        "django.setup()\nget_resolver().url_patterns\nimport config.wsgi"
    )
    assert _loaded_after(script, tmp_path, DJANGO_SETTINGS_MODULE="config.settings") == []


def test_gunicorn_preloads_what_requests_need_unless_told_not_to(tmp_path):
    script = (
        "import runpy, config.wsgi\n"
        "conf = runpy.run_path('deploy/gunicorn.conf.py')\n"
        "conf['when_ready'](None)\n"
        "print(conf['preload_app'])"
    )
    reports = ["pandas", "matplotlib"]
    exports = ["docx", "openpyxl"]
    assert _loaded_after(script, tmp_path) == ["True", *reports, "pypdf", *exports]
    assert _loaded_after(script, tmp_path, PARLEY_PRELOAD_REPORTS="0") == ["True", "pypdf"]
    assert _loaded_after(script, tmp_path, PARLEY_PRELOAD_LANGUAGE="") == [
        "True",
        *reports,
        *exports,
    ]
    assert _loaded_after(script, tmp_path, PARLEY_PRELOAD_APP="0") == ["False"]
    # The files and reports pool loads what the default pool loads; the interactive pool
    # none of it, whatever PARLEY_PRELOAD_LANGUAGE and PARLEY_PRELOAD_REPORTS say.
    assert _loaded_after(script, tmp_path, PARLEY_POOL="files") == [
        "True",
        *reports,
        "pypdf",
        *exports,
    ]
    assert _loaded_after(
        script,
        tmp_path,
        PARLEY_POOL="interactive",
        PARLEY_PRELOAD_LANGUAGE="en",
        PARLEY_PRELOAD_REPORTS="1",
    ) == ["True"]


def test_the_files_pool_preloads_every_languages_rules_and_one_pool_englishs(tmp_path):
    script = (
        "import runpy, sys, config.wsgi\n"
        "conf = runpy.run_path('deploy/gunicorn.conf.py')\n"
        "conf['when_ready'](None)\n"
        "rules = sys.modules.get('interviews.tokenizing')\n"
        "nlp = sys.modules.get('interviews.nlp')\n"
        "memo = sorted(nlp._PIECE_MEMO) if nlp else []\n"
        "print(rules.rules.cache_info().currsize if rules else 0, *memo)"
    )

    def preloaded(**env) -> list[str]:
        return _printed(script, tmp_path, **env)

    # How many languages' rules are loaded, and those whose pieces were tokenized (Chinese
    # is split by characters, without a memo of pieces).
    everything = ["9", "be", "de", "en", "es", "fr", "ru", "uk", "xx"]
    assert preloaded(PARLEY_POOL="files") == everything
    assert preloaded() == ["1", "en"]
    assert preloaded(PARLEY_PRELOAD_LANGUAGE="all") == everything
    assert preloaded(PARLEY_POOL="files", PARLEY_PRELOAD_LANGUAGE="zh, ru") == ["2", "ru"]
    assert preloaded(PARLEY_POOL="interactive", PARLEY_PRELOAD_LANGUAGE="all") == ["0"]


def _gunicorn_settings(**env) -> subprocess.CompletedProcess:
    script = (
        "import runpy\n"
        "conf = runpy.run_path('deploy/gunicorn.conf.py')\n"
        "print(*[conf.get(k) for k in ('pool', 'bind', 'workers', 'worker_class', 'threads')])"
    )
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**_clean_environment(), **env},
        capture_output=True,
        text=True,
    )


def test_each_pool_gets_its_own_address_workers_and_kind_of_worker():
    one = _gunicorn_settings(PARLEY_WEB_WORKERS="3")
    assert one.stdout.split() == ["all", "127.0.0.1:8000", "3", "sync", "None"]
    interactive = _gunicorn_settings(PARLEY_POOL="interactive", PARLEY_WEB_WORKERS="2")
    assert interactive.stdout.split() == ["interactive", "127.0.0.1:8000", "2", "sync", "None"]
    files = _gunicorn_settings(PARLEY_POOL="files", PARLEY_WEB_WORKERS="5")
    assert files.stdout.split() == ["files", "127.0.0.1:8001", "1", "gthread", "4"]
    files = _gunicorn_settings(
        PARLEY_POOL="files",
        PARLEY_FILES_BIND="unix:/run/parley/files.sock",
        PARLEY_FILES_WORKERS="2",
        PARLEY_FILES_THREADS="8",
    )
    assert files.stdout.split() == ["files", "unix:/run/parley/files.sock", "2", "gthread", "8"]
    wrong = _gunicorn_settings(PARLEY_POOL="reports")
    assert wrong.returncode != 0
    assert "PARLEY_POOL must be one of all, interactive, files, not 'reports'." in wrong.stderr


def test_a_sqlite_database_named_by_url_gets_the_same_settings_as_the_default(tmp_path):
    """WAL, commits that do not wait for the disk, and write transactions that take their
    lock first, whether the file is the data directory's or one DATABASE_URL names."""
    script = (
        "import django; django.setup()\n"
        "from django.db import connection\n"
        "with connection.cursor() as cursor:\n"
        "    for pragma in ('journal_mode', 'synchronous', 'auto_vacuum'):\n"
        "        cursor.execute('PRAGMA ' + pragma)\n"
        "        print(pragma, cursor.fetchone()[0])\n"
        "print('transaction_mode', connection.transaction_mode)\n"
    )
    outputs = []
    for env in (
        {"PARLEY_DATA_DIR": str(tmp_path / "default")},
        {"DATABASE_URL": f"sqlite:///{tmp_path / 'named.sqlite3'}"},
    ):
        environment = {k: v for k, v in _clean_environment().items() if k != "DATABASE_URL"}
        result = subprocess.run(
            [sys.executable, "-c", script],
            cwd=ROOT,
            env={**environment, "DEBUG": "1", "DJANGO_SETTINGS_MODULE": "config.settings", **env},
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stderr
        outputs.append(result.stdout)
    expected = "journal_mode wal\nsynchronous 1\nauto_vacuum 2\ntransaction_mode IMMEDIATE\n"
    assert outputs == [expected, expected]


def test_each_gunicorn_worker_serves_one_request_before_its_first(tmp_path):
    """`post_worker_init` serves the sign-in page inside the worker, as a production server
    behind a TLS proxy would be asked it (its host, HTTPS), without opening the database;
    PARLEY_WARM_REQUEST=0 leaves it out."""
    env = {
        **_clean_environment(),
        "SECRET_KEY": "test-only-not-a-secret",
        "ALLOWED_HOSTS": "parley.example.org",
        "BEHIND_TLS_PROXY": "1",
        "STATIC_ROOT": str(tmp_path / "static"),
        "PARLEY_DATA_DIR": str(tmp_path / "data"),
    }
    collected = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert collected.returncode == 0, collected.stderr
    script = (
        "import runpy, types, config.wsgi\n"
        "from django.db import connection\n"
        "served, said = [], []\n"
        "def wsgi(environ, start_response):\n"
        "    served.append(environ['HTTP_HOST'])\n"
        "    def started(status, headers, exc_info=None):\n"
        "        said.append(status)\n"
        "        return start_response(status, headers, exc_info)\n"
        "    return config.wsgi.application(environ, started)\n"
        "log = types.SimpleNamespace(warning=lambda *a: said.append(a), exception=said.append)\n"
        "conf = runpy.run_path('deploy/gunicorn.conf.py')\n"
        "conf['post_worker_init'](types.SimpleNamespace(wsgi=wsgi, log=log))\n"
        "print(served, said, connection.connection is None)"
    )
    for switch, expected in (("1", "['parley.example.org'] ['200 OK'] True"), ("0", "[] [] True")):
        result = subprocess.run(
            [sys.executable, "-c", script],
            cwd=ROOT,
            env={**env, "PARLEY_WARM_REQUEST": switch},
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == expected
