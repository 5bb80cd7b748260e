"""The coding page's first view at 8k, 50k and 200k words: bytes and server time.

    .venv/bin/python bench/page_bench.py                       # SQLite (a temporary file)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/NAME .venv/bin/python bench/page_bench.py

    .venv/bin/python bench/page_bench.py --codings 300         # with codings spread over each

For each size it prints, as medians of 15 requests through Django's test client (every
middleware, no network): the HTML of the coding page (bytes, server ms), the first request
the page sends for its text (`pieces/?start=0&end=0&outline=true`: bytes, ms), the codings
list (with quotes; `--codings` codings of 40 code points spread evenly over the text, none
by default) and the source's reading page (HTML: bytes, ms). The script creates its own
database (a temporary SQLite file, or `<name>_pagebench` beside the PostgreSQL database
named) and drops it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")
os.environ.update(DEBUG="0", ALLOWED_HOSTS="testserver", DJANGO_SETTINGS_MODULE="config.settings")
os.environ.update(SECURE_SSL_REDIRECT="0", SESSION_COOKIE_SECURE="0", CSRF_COOKIE_SECURE="0")
_tmp = tempfile.mkdtemp(prefix="parley-pagebench-")
os.environ["STATIC_ROOT"] = f"{_tmp}/static"
if "DATABASE_URL" in os.environ:
    base, _sep, name = os.environ["DATABASE_URL"].rpartition("/")
    os.environ["DATABASE_URL"] = f"{base}/{name}_pagebench"
    BENCH_DB = ("postgres", f"{name}_pagebench", base)
else:
    os.environ["DATABASE_URL"] = f"sqlite:///{_tmp}/bench.sqlite3"
    BENCH_DB = ("sqlite", None, None)

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from demo.long_text import transcript  # noqa: E402


def timed(client: Client, url: str, params=None, runs: int = 15) -> tuple[float, int]:
    times, size = [], 0
    for _ in range(runs):
        began = time.perf_counter()
        response = client.get(url, params or {})
        times.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        size = len(response.content)
    return statistics.median(times), size


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--codings", type=int, default=0, help="codings on each source")
    args = parser.parse_args()
    vendor, db_name, base = BENCH_DB
    if vendor == "postgres":
        import psycopg

        with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{db_name}"')
            admin.execute(f'CREATE DATABASE "{db_name}"')
    try:
        call_command("migrate", verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        run(args.codings)
    finally:
        connection.close()
        if vendor == "postgres":
            with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{db_name}"')


def run(codings: int) -> None:
    from coding.models import Code, Coding
    from interviews.models import Membership, Project, Role
    from interviews.services import source_create

    user = get_user_model().objects.create_user("bench", password="x")
    project = Project.objects.create(name="Page bench", created_by=user)
    Membership.objects.create(project=project, user=user, role=Role.CODER)
    code = Code.objects.create(project=project, name="Money")
    client = Client()
    client.force_login(user)
    load = Path("/proc/loadavg").read_text().strip()
    print(f"database: {connection.vendor}; load average: {load}; codings per source: {codings}")
    print(
        f"{'words':>7} {'page ms':>8} {'page B':>8} {'pieces ms':>9} {'pieces B':>9} "
        f"{'codings ms':>10} {'reading ms':>10} {'reading B':>9}"
    )
    for words in (8_000, 50_000, 200_000):
        text = transcript(words)
        source = source_create(project=project, title=f"{words} words", text=text)
        step = len(text) // max(codings, 1)
        Coding.objects.bulk_create(
            Coding(source=source, code=code, coder=user, start=i * step, end=i * step + 40)
            for i in range(codings)
        )
        page = reverse("coding:workspace", args=[project.pk, source.pk])
        pieces = reverse("api:source_pieces", args=[project.pk, source.pk])
        listed = reverse("api:source_codings", args=[project.pk, source.pk])
        reading = reverse("interviews:source_detail", args=[project.pk, source.pk])
        page_ms, page_bytes = timed(client, page)
        first_ms, first_bytes = timed(client, pieces, {"start": 0, "end": 0, "outline": "true"})
        codings_ms, _ = timed(client, listed)
        reading_ms, reading_bytes = timed(client, reading)
        print(
            f"{words:>7} {page_ms:>8.1f} {page_bytes:>8} {first_ms:>9.1f} {first_bytes:>9} "
            f"{codings_ms:>10.1f} {reading_ms:>10.1f} {reading_bytes:>9}"
        )


if __name__ == "__main__":
    main()
