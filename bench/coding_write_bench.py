"""One coding write, as the coding page sends it: wall-clock and CPU time, p50 and p95.

A short companion of `workspace_bench.py` for comparing two checkouts on a loaded machine:
run it alternately in each (it finds the coding endpoint under either name), e.g.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/parley \\
        .venv/bin/python bench/coding_write_bench.py [--writes 300] [--rounds 3]

Each write goes through Django's WSGI handler in this process with the session cookie and
the CSRF token (every middleware, the CSRF check, the permission check, the quote check, the
write, the JSON answer). CPU time (`time.process_time`) is what the request costs this
process, which other processes on the machine disturb far less than the wall clock.
The script creates and drops its own database (`<name>_cwbench`, or a temporary SQLite file).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import time

import benchenv

ROOT = benchenv.setup(data_prefix="parley-cw-")

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.db import connection  # noqa: E402
from django.middleware.csrf import _get_new_csrf_string, _mask_cipher_secret  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import NoReverseMatch, reverse  # noqa: E402

from coding.models import Code  # noqa: E402
from interviews.models import Membership, Project, Role  # noqa: E402
from interviews.services import source_create  # noqa: E402


def coding_url(project_pk: int, source_pk: int) -> str:
    for name in ("api:source_codings", "coding:api_codings"):
        try:
            return reverse(name, args=[project_pk, source_pk])
        except NoReverseMatch:
            continue
    raise SystemExit("No coding endpoint found.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writes", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--words", type=int, default=8000)
    args = parser.parse_args()
    with benchenv.scratch_database("cwbench"):
        run(args)


def run(args) -> None:
    user = get_user_model().objects.create_user("coder", password="bench-password-1")
    project = Project.objects.create(name="Bench", created_by=user)
    Membership.objects.create(project=project, user=user, role=Role.CODER)
    words = ["film", "studio", "Мінск", "观众", "🎬", "market", "policy", "trust"]
    text = "Respondent: " + " ".join(words[i % len(words)] + str(i) for i in range(args.words))
    source = source_create(project=project, title="Bench", text=text)
    codes = [Code.objects.create(project=project, name=f"Code {i}") for i in range(20)]
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    secret = _get_new_csrf_string()
    token = _mask_cipher_secret(secret)
    url = coding_url(project.pk, source.pk)
    handler = WSGIHandler()
    spans = []
    position = len("Respondent: ")
    for i in range(args.words):
        word = words[i % len(words)] + str(i)
        spans.append((position, position + len(word)))
        position += len(word) + 1

    def post(body: bytes) -> int:
        environ = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": url,
            "SERVER_NAME": "testserver",
            "SERVER_PORT": "80",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "CONTENT_LENGTH": str(len(body)),
            "CONTENT_TYPE": "application/json",
            "HTTP_COOKIE": f"{settings.SESSION_COOKIE_NAME}={session}; "
            f"{settings.CSRF_COOKIE_NAME}={secret}",
            "HTTP_X_CSRFTOKEN": token,
            "HTTP_HOST": "testserver",
            "wsgi.errors": sys.stderr,
        }
        status = []
        response = handler(environ, lambda code, headers: status.append(code))
        try:
            b"".join(response)
        finally:
            response.close()
        return int(status[0].split()[0])

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"One coding write · {connection.vendor} · {time.strftime('%Y-%m-%d %H:%M')} · "
        f"load average {load} · {url}"
    )
    written = 0

    def next_write() -> bytes:
        """The next coding's body: spread over the whole text, near its start and near its
        end alike."""
        nonlocal written
        n, written = written, written + 1
        first = (n * 7919) % (len(spans) - 10)
        start, end = spans[first][0], spans[first + n % 5][1]
        body = {"code": codes[n % len(codes)].pk, "start": start, "end": end}
        return json.dumps({**body, "quote": text[start:end]}).encode()

    for round_ in range(args.rounds):
        walls, cpus = [], []
        for _ in range(args.writes):
            body = next_write()
            c0, t0 = time.process_time(), time.perf_counter()
            status = post(body)
            walls.append(time.perf_counter() - t0)
            cpus.append(time.process_time() - c0)
            assert status in (201, 400, 409), status
        walls.sort()
        cpus.sort()
        print(
            f"  round {round_ + 1}: wall p50 {statistics.median(walls) * 1000:.2f} ms, "
            f"p95 {walls[int(len(walls) * 0.95)] * 1000:.2f} ms; CPU p50 "
            f"{statistics.median(cpus) * 1000:.2f} ms, p95 {cpus[int(len(cpus) * 0.95)] * 1000:.2f} ms"
        )
    from django.test.utils import CaptureQueriesContext

    body = next_write()
    with CaptureQueriesContext(connection) as sent:
        assert post(body) == 201
    # As Django logs them: on SQLite the transaction's BEGIN and COMMIT among them.
    print(f"  statements one coding write sends: {len(sent)}")
    if connection.vendor == "sqlite":
        # What a coding's commit writes: the write-ahead log's frames (one a page) after a
        # checkpoint has emptied it, with no checkpoint during the writes.
        wal = f"{connection.settings_dict['NAME']}-wal"
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            cursor.execute("PRAGMA wal_autocheckpoint=0")
            cursor.execute("PRAGMA page_size")
            page = cursor.fetchone()[0]
        writes = 50
        for _ in range(writes):
            assert post(next_write()) == 201
        frames = (os.path.getsize(wal) - 32) / (page + 24) / writes
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_autocheckpoint=1000")
        print(f"  pages written by one coding's commit (write-ahead log frames): {frames:.1f}")


if __name__ == "__main__":
    main()
