"""Importing one document until it is codable, in-process, as a browser does it.

    DEBUG=1 python bench/import_request_bench.py --rounds 5 --sizes 8000 50000 200000
    DEBUG=1 DATABASE_URL=postgres://…/scratch python bench/import_request_bench.py …

The three requests of `bench/peer_bench.py`'s import (the upload, the review page, the
confirmation that stores the source) go through Django's test client in this process, on
the database of DATABASE_URL (a scratch one: the script adds a user, a project and its
sources) or a throwaway SQLite file. Every round imports a new transcript of each size (the
same generated texts as peer_bench's). Printed per size, as median over the rounds:

- wall: the three requests, milliseconds (and each request's);
- cpu: this process's CPU time (time.process_time) plus, on PostgreSQL, the CPU time of the
  server process serving its connection (read from /proc), so that load from other work on
  the machine counts less than in wall clock;
- the statements of the three requests by kind, wall milliseconds and how many
  (`execute_wrapper`; a COPY and the commit are timed apart).

With `--profile` the confirmation of the last round's largest size runs under cProfile
(`PROFILE_SORT=tottime` sorts it by each function's own time; by cumulative time otherwise).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import os
import pstats
import re
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import tempfile  # noqa: E402

import benchenv  # noqa: E402

benchenv.setup(
    data_prefix="parley-importreq-",
    STATIC_ROOT=tempfile.mkdtemp(prefix="parley-importreq-static-"),
)

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from import_bench import make_transcripts  # noqa: E402

from interviews.services import project_create  # noqa: E402

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def backend_pid() -> int | None:
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def backend_cpu(pid: int | None) -> float:
    """Seconds of CPU the server process `pid` has used (0 without one)."""
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def statement_kind(sql: str) -> str:
    words = re.sub(r"\s+", " ", sql).strip()
    head = words.split(" ", 1)[0].upper()
    table = re.search(r'(?:INTO|FROM|UPDATE|TABLE) "?(\w+)"?', words, re.I)
    return f"{head} {table.group(1) if table else ''}".strip()


class Statements:
    """Wall time of each statement the connection runs, by kind, plus COPY and commit."""

    def __init__(self) -> None:
        self.times: dict[str, float] = defaultdict(float)
        self.counts: dict[str, int] = defaultdict(int)

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            kind = statement_kind(sql)
            self.times[kind] += time.perf_counter() - started
            self.counts[kind] += 1

    def watch(self):
        """Time the commit and COPY too, which execute_wrapper does not see."""
        statements = self
        original_commit = connection._commit

        def commit():
            started = time.perf_counter()
            try:
                return original_commit()
            finally:
                statements.times["COMMIT"] += time.perf_counter() - started

        connection._commit = commit
        connection.ensure_connection()
        raw = connection.connection
        if connection.vendor == "postgresql":
            cursor_class = raw.cursor_factory
            original_copy = cursor_class.copy

            def copy(cursor, statement, *args, **kwargs):
                manager = original_copy(cursor, statement, *args, **kwargs)
                kind = statement_kind(str(statement))

                class Timed:
                    def __enter__(self):
                        self.started = time.perf_counter()
                        return manager.__enter__()

                    def __exit__(self, *exc):
                        try:
                            return manager.__exit__(*exc)
                        finally:
                            statements.times[kind] += time.perf_counter() - self.started

                return Timed()

            cursor_class.copy = copy
            return lambda: (
                setattr(connection, "_commit", original_commit),
                setattr(cursor_class, "copy", original_copy),
            )
        return lambda: setattr(connection, "_commit", original_commit)


def import_one(client: Client, project: int, title: str, text: str, profile: bool):
    """The three requests; returns (wall s, cpu s, {statement kind: (s, count)}, walls)."""
    statements = Statements()
    unwatch = statements.watch()
    pid = backend_pid()
    cpu0, server0, wall0 = time.process_time(), backend_cpu(pid), time.perf_counter()
    walls = []
    try:
        with connection.execute_wrapper(statements):
            answer = client.post(
                f"/projects/{project}/sources/import/",
                {"language": "en", "kind": "interview", "files": _upload(title, text)},
            )
            assert answer.status_code == 302, answer.status_code
            walls.append(time.perf_counter() - wall0)
            review = answer["Location"]
            page = client.get(review)
            assert page.status_code == 200, page.status_code
            walls.append(time.perf_counter() - wall0 - sum(walls))
            form = {"title": title, "language": "en", "kind": "interview"}
            html = page.content.decode()
            for name, options in re.findall(
                r'<select name="(speaker_\d+)"[^>]*>(.*?)</select>', html, re.S
            ):
                chosen = re.search(r'<option value="([^"]*)"[^>]*selected', options)
                form[name] = chosen.group(1) if chosen else ""
            profiler = cProfile.Profile() if profile else None
            if profiler:
                profiler.enable()
            answer = client.post(review, form)
            if profiler:
                profiler.disable()
            walls.append(time.perf_counter() - wall0 - sum(walls))
    finally:
        unwatch()
    assert answer.status_code == 302, (answer.status_code, answer.content[:500])
    wall = time.perf_counter() - wall0
    server = backend_cpu(pid) - server0 if backend_pid() == pid else float("nan")
    if profiler:
        order = os.environ.get("PROFILE_SORT", "cumulative")
        pstats.Stats(profiler).sort_stats(order).print_stats(40)
    client = time.process_time() - cpu0
    return wall, client + server, statements.times, statements.counts, walls, server


def _upload(title: str, text: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(f"{title}.txt", text.encode("utf-8"), "text/plain")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--sizes", type=int, nargs="+", default=[8000, 50000, 200000])
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()

    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    user = get_user_model().objects.create_user(f"bench-{time.time()}")
    project = project_create(user=user, name=f"Bench {time.time()}").pk
    client = Client()
    client.force_login(user)
    # Every round's texts are new to the project (a copy would be refused as a duplicate).
    texts = {
        words: make_transcripts(args.rounds + 1, words, seed=int(time.time()) + words)
        for words in args.sizes
    }
    print(f"database: {connection.vendor}; rounds {args.rounds}; load {os.getloadavg()}")
    # One import outside the timings: what an import loads, once per process. Then what is
    # alive is taken out of the garbage collector's sight, as a web worker has it (gunicorn's
    # master freezes what it preloaded, deploy/gunicorn.conf.py).
    import_one(client, project, "warm-up", texts[args.sizes[0]][-1], False)
    gc.collect()
    gc.freeze()
    figures: dict[int, list] = defaultdict(list)
    for number in range(args.rounds):
        for words in args.sizes:
            profile = args.profile and number == args.rounds - 1 and words == max(args.sizes)
            figures[words].append(
                import_one(client, project, f"t{number}-{words}", texts[words][number], profile)
            )
    for words in args.sizes:
        runs = figures[words]
        wall = statistics.median(r[0] for r in runs) * 1000
        cpu = statistics.median(r[1] for r in runs) * 1000
        parts = " + ".join(
            f"{statistics.median(r[4][i] for r in runs) * 1000:.1f}" for i in range(3)
        )
        server = statistics.median(r[5] for r in runs) * 1000
        print(
            f"{words:>8,} words: wall {wall:7.1f} ms ({parts}), cpu {cpu:7.1f} ms "
            f"(server {server:.0f}; median of {len(runs)}); {sum(runs[0][3].values())} statements"
        )
        kinds = sorted({k for r in runs for k in r[2]}, key=lambda k: -runs[0][2].get(k, 0))
        for kind in kinds:
            ms = statistics.median(r[2].get(kind, 0.0) for r in runs) * 1000
            if ms >= 0.5:
                print(f"    {kind:<40} {ms:7.1f} ms  ×{runs[0][3].get(kind, 1)}")
    print(f"load after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
