"""API benchmark: list 200,000 codings (pages of 1,000 and Parquet), create 10,000 in batches
of 500, and one coding write.

Run from the project root; the script creates and drops its own database (`<name>_apibench`
next to the one DATABASE_URL names, or a temporary SQLite file without DATABASE_URL):

    .venv/bin/python bench/api_bench.py [--codings 200000] [--create 10000] [--batch 500]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/parley .venv/bin/python bench/api_bench.py

Every request goes through Django's whole stack in this process (middleware, token
authentication, throttling, the JSON or Parquet body), as a script's request would, without
the network. It prints wall-clock times and, for the single write, the process CPU time too,
which a loaded machine disturbs less.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import statistics
import time
from pathlib import Path

import benchenv

# The benchmark measures the API, not the throttle.
ROOT = benchenv.setup(data_prefix="parley-apibench-", PARLEY_API_TOKEN_RATE="")

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from api.tokens import token_create  # noqa: E402
from coding.models import Code, Coding  # noqa: E402
from interviews.models import Interviewee, Membership, Project, Role, Source  # noqa: E402
from interviews.services import source_create  # noqa: E402

WORDS = ["film", "studio", "market", "heritage", "policy", "Мінск", "观众", "🎬", "export", "trust"]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def build(codings: int, sources: int = 100) -> tuple[Project, object, list[Source], list[Code]]:
    rng = random.Random(17)
    User = get_user_model()
    lead = User.objects.create_user("lead", password="bench-password-1")
    coders = [User.objects.create_user(f"coder{i}", password="bench-password-1") for i in range(4)]
    project = Project.objects.create(name="API bench", created_by=lead)
    Membership.objects.create(project=project, user=lead, role=Role.LEAD)
    for coder in coders:
        Membership.objects.create(project=project, user=coder, role=Role.CODER)
    people = [
        Interviewee.objects.create(
            project=project, pseudonym=f"P-{i:02d}", country=["Belarus", "China"][i % 2]
        )
        for i in range(20)
    ]
    parent = Code.objects.create(project=project, name="Themes", is_codable=False)
    codes = [
        Code.objects.create(project=project, name=f"Theme {i}", parent=parent) for i in range(30)
    ]
    made = []
    for i in range(sources):
        turns = [
            f"{'Interviewer' if t % 2 == 0 else 'Respondent'}: "
            + " ".join(rng.choice(WORDS) for _ in range(60))
            for t in range(40)
        ]
        made.append(
            source_create(
                project=project,
                title=f"Interview {i:03d}",
                text="\n\n".join(turns),
                interviewees=[people[i % len(people)]],
                speaker_map={"Interviewer": "interviewer", "Respondent": people[i % len(people)]},
            )
        )
    rows, seen = [], set()
    while len(rows) < codings:
        source = rng.choice(made)
        start = rng.randrange(0, len(source.text) - 200)
        key = (source.pk, start, rng.choice(codes).pk, rng.choice(coders).pk)
        if key in seen:
            continue
        seen.add(key)
        rows.append(
            Coding(
                source_id=key[0],
                code_id=key[2],
                coder_id=key[3],
                start=start,
                end=start + rng.randint(5, 200),
            )
        )
    Coding.objects.bulk_create(rows, batch_size=5000)
    if connection.vendor == "postgresql":
        # The statistics autovacuum gathers a while after a bulk insert: without them
        # PostgreSQL plans a page of the list as if the project had a handful of codings and
        # reads all of them for every page (47.5 s for the 200 pages instead of seconds).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return project, lead, made, codes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--codings", type=int, default=200_000)
    parser.add_argument("--create", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--page", type=int, default=1000)
    parser.add_argument("--writes", type=int, default=300)
    args = parser.parse_args()

    database = settings.DATABASES["default"]
    if connection.vendor == "sqlite":
        database.setdefault("TEST", {})["NAME"] = str(
            Path(os.environ["PARLEY_DATA_DIR"]) / "apibench.sqlite3"
        )
    else:
        database.setdefault("TEST", {})["NAME"] = f"{database['NAME']}_apibench"
    old_name = database["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        run(args)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def run(args) -> None:
    began = time.perf_counter()
    project, lead, sources, codes = build(args.codings)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"API benchmark · {connection.vendor} · {time.strftime('%Y-%m-%d %H:%M')} · "
        f"{os.cpu_count()} cores, load average {load}"
    )
    print(
        f"  {Coding.objects.count():,} codings in {len(sources)} sources (built in {time.perf_counter() - began:.0f} s)"
    )
    _token, raw = token_create(user=lead, name="bench")
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    base = f"/api/v1/projects/{project.pk}"

    client.get(f"{base}/codes/")  # the first request of a process loads the URL configuration

    # 1. Every coding, a page at a time.
    times, total, cursor = [], 0, None
    began = time.perf_counter()
    while True:
        params = {"limit": args.page, **({"cursor": cursor} if cursor else {})}
        t0 = time.perf_counter()
        response = client.get(f"{base}/codings/", params)
        times.append(time.perf_counter() - t0)
        assert response.status_code == 200, response.content[:300]
        body = response.json()
        total += len(body["items"])
        cursor = body["next"]
        if not cursor:
            break
    print(
        f"  list {total:,} codings in pages of {args.page:,}: {time.perf_counter() - began:.1f} s "
        f"({len(times)} pages; per page p50 {ms(statistics.median(times))}, max {ms(max(times))})"
    )

    # 2. The tidy table as Parquet (and JSON, CSV for comparison).
    import pandas as pd

    for fmt in ("parquet", "csv", "json"):
        t0 = time.perf_counter()
        response = client.get(f"{base}/codings/table/", {"format": fmt})
        elapsed = time.perf_counter() - t0
        assert response.status_code == 200
        size = len(response.content)
        if fmt == "parquet":
            rows = len(pd.read_parquet(io.BytesIO(response.content)))
            assert rows == total, (rows, total)
        print(f"  tidy table as {fmt}: {elapsed:.1f} s, {size / 1048576:.1f} MiB")

    # 3. New codings in batches, each batch one transaction.
    rng = random.Random(5)
    texts = {s.pk: s.text for s in sources}
    batches = []
    for _ in range(args.create // args.batch):
        items = []
        for _ in range(args.batch):
            source = rng.choice(sources)
            start = rng.randrange(0, len(texts[source.pk]) - 300)
            end = start + rng.randint(5, 250)
            items.append(
                {
                    "source": source.pk,
                    "code": rng.choice(codes).pk,
                    "start": start,
                    "end": end,
                    "quote": texts[source.pk][start:end],
                }
            )
        batches.append(items)
    times, created = [], 0
    began = time.perf_counter()
    for items in batches:
        t0 = time.perf_counter()
        response = client.post(
            f"{base}/codings/", json.dumps({"codings": items}), content_type="application/json"
        )
        times.append(time.perf_counter() - t0)
        if response.status_code == 201:
            created += len(response.json()["items"])
        else:
            assert response.status_code == 409, response.content[:300]  # a random duplicate
    print(
        f"  create {created:,} codings in batches of {args.batch}: {time.perf_counter() - began:.1f} s "
        f"(per batch p50 {ms(statistics.median(times))}, max {ms(max(times))})"
    )

    # 4. One coding write, as the coding page sends it (p50 / p95 of --writes).
    source = sources[0]
    url = f"{base}/sources/{source.pk}/codings/"
    walls, cpus = [], []
    for i in range(args.writes):
        start = 7 * i % (len(source.text) - 100)
        body = json.dumps(
            {
                "code": codes[i % len(codes)].pk,
                "start": start,
                "end": start + 40,
                "quote": source.text[start : start + 40],
            }
        )
        c0, t0 = time.process_time(), time.perf_counter()
        response = client.post(url, body, content_type="application/json")
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
        assert response.status_code in (201, 409), response.content[:300]
    walls.sort()
    cpus.sort()
    print(
        f"  one coding write (n={args.writes}): p50 {ms(walls[len(walls) // 2])}, "
        f"p95 {ms(walls[int(len(walls) * 0.95)])}; CPU time p50 {ms(cpus[len(cpus) // 2])}"
    )


if __name__ == "__main__":
    main()
