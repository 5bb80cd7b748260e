"""Opening a document on the coding page, in this process: CPU time and queries per request.

    .venv/bin/python bench/open_bench.py [--words 50000] [--codings 5] [--opens 200] [--rounds 3]
        [--other-codings 0] [--history 0]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/NAME .venv/bin/python bench/open_bench.py
    .venv/bin/python bench/open_bench.py --profile page     # cProfile of one request, 300 times
    .venv/bin/python bench/open_bench.py --while-open        # and the page's later requests

A companion of `peer_bench.py`'s "open" for comparing two checkouts on a loaded machine (run
it alternately in each). It imports one generated transcript, adds `--codings` codings of
the member's own, and asks what a browser asks when it opens the coding page: the page
itself, then each request the page's script sends before the text shows (the addresses are
read from the page's `workspace-data`, `first` in it naming what the page carries already).
Each request goes through Django's WSGI handler with a session cookie (every middleware,
the session and user reads, the permission check, the answer's body). It prints per request
the CPU time (`time.process_time`, p50), the wall clock (p50), the number of queries and the
bytes. `--other-codings N` gives the member N codings more on another source of the project
(a coder's earlier work, which the page's "codes used last" look through); `--history N`
gives the opened source N entries of history (the page's cursor is its last).
`--while-open` also times, apart, what the open page asks later: a poll for changes that
finds none (every few seconds), a piece in the middle of the text (scrolling), and the
API's search of one text (`…/find/`), which opens the source the same way. The script creates and drops its own database (`<name>_openbench`, or a
temporary SQLite file).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import benchenv

ROOT = benchenv.setup(
    data_prefix="parley-open-", STATIC_ROOT=tempfile.mkdtemp(prefix="parley-open-static-")
)

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from coding.models import Change, Code, Coding  # noqa: E402
from interviews.db_statistics import statistics_refreshed  # noqa: E402
from interviews.models import Membership, Project, Role  # noqa: E402
from interviews.services import source_create  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from import_bench import make_transcripts  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=50000)
    parser.add_argument("--codings", type=int, default=5)
    parser.add_argument("--opens", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--other-codings", type=int, default=0)
    parser.add_argument("--history", type=int, default=0)
    parser.add_argument("--while-open", action="store_true")
    parser.add_argument(
        "--profile", choices=["page", "pieces", "codings", "poll", "piece", "find"], default=None
    )
    args = parser.parse_args()
    with benchenv.scratch_site("openbench"):
        run(args)


def page_setup(args):
    """The member, the project and the transcript `args` describe (`--words`, `--codings`,
    `--other-codings`, `--history`); returns `get(url) -> (status, body)` with the member's
    session and the coding page's address."""
    user = get_user_model().objects.create_user("coder", password="bench-password-1")
    project = Project.objects.create(name="Bench", created_by=user)
    Membership.objects.create(project=project, user=user, role=Role.CODER)
    codes = [Code.objects.create(project=project, name=f"Code {i}") for i in range(20)]
    text = make_transcripts(1, args.words, seed=18)[0]
    source = source_create(project=project, title="Bench", text=text)
    step = len(text) // max(args.codings, 1)
    for i in range(args.codings):
        Coding.objects.create(
            source=source, code=codes[i % 20], coder=user, start=i * step, end=i * step + 40
        )
    if args.other_codings:
        other = make_transcripts(1, 5000, seed=19)[0]
        earlier = source_create(project=project, title="Earlier", text=other)
        width = len(other) - 10
        Coding.objects.bulk_create(
            [
                Coding(
                    source=earlier,
                    code=codes[(i // width) % 20],
                    coder=user,
                    start=i % width,
                    end=i % width + 8,
                )
                for i in range(args.other_codings)
            ],
            batch_size=2000,
        )
        statistics_refreshed({Coding: args.other_codings})  # as autovacuum would, at once
    if args.history:
        Change.objects.bulk_create(
            [
                Change(
                    project=project,
                    user=user,
                    action="update",
                    object_type="coding",
                    object_guid=uuid.uuid4(),
                    source=source,
                    after={"start": i},
                )
                for i in range(args.history)
            ],
            batch_size=2000,
        )
        statistics_refreshed({Change: args.history})
    client = Client()
    client.force_login(user)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    return benchenv.wsgi_get(cookie), reverse("coding:workspace", args=[project.pk, source.pk])


def run(args) -> None:
    get, page_url = page_setup(args)
    status, body = get(page_url)
    assert status == 200, status
    data = benchenv.page_data(body)
    urls = data["urls"]
    carried = data.get("first", {})
    requests = {"page": page_url}
    # What the page's script fetches before the text shows (static/js/workspace.js, startPage).
    if "pieces" not in carried:
        requests["pieces"] = f"{urls['pieces']}?start=0&end=0&outline=true"
    if "codings" not in carried:
        requests["codings"] = urls["codings"]
    # What the open page asks later (static/js/workspace/): a poll with its cursor, a piece
    # of the text's middle; and the API's search of the text.
    middle = data["source"]["length"] // 2
    later = {
        "poll": f"{urls['codings']}?since={data['cursor']}",
        "piece": f"{urls['pieces']}?start={middle}&end={middle}",
        "find": f"{urls['pieces'].removesuffix('pieces/')}find/?q=market",
    }

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"Opening a document · {connection.vendor} · {args.words:,} words, {args.codings} codings"
        f" · {time.strftime('%Y-%m-%d %H:%M')} · load average {load}"
    )
    if args.profile:
        url = {**requests, **later}[args.profile]
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(300):
            get(url)
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(
            os.environ.get("PROFILE_SORT", "cumulative")
        ).print_stats(60)
        print(out.getvalue())
        return
    if not args.while_open:
        later = {}
    for name, url in {**requests, **later}.items():
        with CaptureQueriesContext(connection) as queries:
            status, body = get(url)
        assert status == 200, (url, status)
        print(f"  {name:<8} {len(queries):>2} queries, {len(body):>6} bytes  {url}")
        for query in queries:
            print(f"      {query['sql'][:150]}")
    for round_ in range(args.rounds):
        cpus = {name: [] for name in requests}
        walls = {name: [] for name in requests}
        totals_cpu, totals_wall = [], []
        for _ in range(args.opens):
            c_open, t_open = time.process_time(), time.perf_counter()
            for name, url in requests.items():
                c0, t0 = time.process_time(), time.perf_counter()
                get(url)
                walls[name].append(time.perf_counter() - t0)
                cpus[name].append(time.process_time() - c0)
            totals_wall.append(time.perf_counter() - t_open)
            totals_cpu.append(time.process_time() - c_open)
        cells = [_p50s(name, cpus[name], walls[name]) for name in requests]
        print(
            f"  round {round_ + 1}: open CPU p50 {statistics.median(totals_cpu) * 1000:.2f} ms, "
            f"wall p50 {statistics.median(totals_wall) * 1000:.2f} ms; " + "; ".join(cells)
        )
        if later:
            cells = []
            for name, url in later.items():
                cpu, wall = [], []
                for _ in range(args.opens):
                    c0, t0 = time.process_time(), time.perf_counter()
                    get(url)
                    wall.append(time.perf_counter() - t0)
                    cpu.append(time.process_time() - c0)
                cells.append(_p50s(name, cpu, wall))
            print(f"  round {round_ + 1}, later requests: " + "; ".join(cells))


def _p50s(name: str, cpu: list[float], wall: list[float]) -> str:
    return (
        f"{name} CPU {statistics.median(cpu) * 1000:.2f} / wall "
        f"{statistics.median(wall) * 1000:.2f}"
    )


if __name__ == "__main__":
    main()
