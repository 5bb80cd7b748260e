"""Retrieval, coding queries and full-text search on a large project; prints timings.

    # SQLite (a fresh database file in a temporary directory):
    python bench/retrieval_bench.py
    # PostgreSQL (an empty database the script may fill):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/parley_bench python bench/retrieval_bench.py

Builds a project of 500 sources (5,000 words each, 2.5 million words), 40 codes in a
tree and 200,000 codings with bulk_create, then times each operation as a page would run
it (first page, with its count). Each figure is the median of `--repeat` runs.
Pass `--keep` to reuse the data of an earlier run on the same database.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "benchmark-only")
if not os.environ.get("DATABASE_URL"):
    os.environ.setdefault("PARLEY_DATA_DIR", tempfile.mkdtemp(prefix="parley-bench-"))

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from coding.models import Code, Coding  # noqa: E402
from coding.queries import QuerySpec, query_run  # noqa: E402
from coding.retrieval import retrieval_codings, retrieval_passages  # noqa: E402
from coding.search import search_run  # noqa: E402
from interviews.access import access_for  # noqa: E402
from interviews.models import (  # noqa: E402
    Interviewee,
    Membership,
    Project,
    Role,
    Segment,
    SegmentKind,
    Source,
)

NAME = "Retrieval benchmark"


def _words(text: str) -> list[str]:
    return text.split()


WORDS = _words(
    "culture industry festival film studio cinema audience market export policy state support "
    "ministry funding money budget tax relief partner cooperation belt road initiative museum "
    "theatre music publishing heritage tourism digital platform rights copyright talent training "
    "university exchange programme visit delegation contract investment private company public "
    "sector strategy plan five year growth competition korea japan europe russia china belarus "
    "minsk harbin beijing shanghai brest grodno gomel vitebsk mogilev language translation "
    "subtitles dubbing distribution screen cinema box office ticket price cost risk barrier"
)
FILLER = _words("the a of and to in was were is we they it that with for on at by from this our")


def _text(rng: random.Random, words: int) -> tuple[str, list[tuple[int, int]]]:
    """A transcript of `words` words in turns of ~100 words; returns text and turn spans."""
    parts: list[str] = []
    turns: list[tuple[int, int]] = []
    offset = 0
    written = 0
    speaker = 0
    while written < words:
        n = min(words - written, rng.randint(60, 140))
        body = " ".join(
            rng.choice(WORDS) if rng.random() < 0.35 else rng.choice(FILLER) for _ in range(n)
        )
        line = ("Interviewer: " if speaker % 2 == 0 else "Respondent: ") + body.capitalize() + "."
        parts.append(line)
        turns.append((offset, offset + len(line)))
        offset += len(line) + 2
        written += n
        speaker += 1
    return "\n\n".join(parts), turns


def build(sources: int, words: int, codings: int, seed: int = 7) -> Project:
    rng = random.Random(seed)
    User = get_user_model()
    users = [
        User.objects.get_or_create(username=f"bench-{role}")[0]
        for role in ("admin", "lead", "coder1", "coder2")
    ]
    with transaction.atomic():
        project = Project.objects.create(name=NAME)
        Membership.objects.bulk_create(
            [
                Membership(project=project, user=users[0], role=Role.ADMIN),
                Membership(project=project, user=users[1], role=Role.LEAD),
                Membership(project=project, user=users[2], role=Role.CODER),
                Membership(project=project, user=users[3], role=Role.CODER),
            ]
        )
        countries = ["Belarus", "China"]
        people = Interviewee.objects.bulk_create(
            [
                Interviewee(
                    project=project,
                    pseudonym=f"{countries[i % 2][:2].upper()}-{i:03d}",
                    country=countries[i % 2],
                    sector=rng.choice(["Film", "Music", "Museums", "Publishing"]),
                )
                for i in range(100)
            ]
        )
        tops = [
            Code.objects.create(project=project, name=name, order=i)
            for i, name in enumerate(["Strengths", "Weaknesses", "Opportunities", "Threats"])
        ]
        leaves = [
            Code.objects.create(project=project, name=f"Theme {i}", parent=tops[i % 4], order=i)
            for i in range(36)
        ]
    print(f"building {sources} sources of {words} words …", flush=True)
    t0 = time.perf_counter()
    all_turns: dict[int, list[tuple[int, int]]] = {}
    lengths: dict[int, int] = {}
    for batch in range(0, sources, 50):
        rows = []
        turns_of = []
        for i in range(batch, min(sources, batch + 50)):
            text, turns = _text(rng, words)
            rows.append(
                Source(project=project, title=f"Interview {i:04d}", text=text, word_count=words)
            )
            turns_of.append(turns)
        with transaction.atomic():
            created = Source.objects.bulk_create(rows)
            Source.interviewees.through.objects.bulk_create(
                [
                    Source.interviewees.through(source_id=s.pk, interviewee_id=people[s_i % 100].pk)
                    for s_i, s in enumerate(created, start=batch)
                ]
            )
            Segment.objects.bulk_create(
                [
                    Segment(source=s, kind=SegmentKind.TURN, start=a, end=b)
                    for s, turns in zip(created, turns_of, strict=True)
                    for a, b in turns
                ]
            )
        for s, turns in zip(created, turns_of, strict=True):
            all_turns[s.pk] = turns
            lengths[s.pk] = len(s.text)
    print(f"  sources, turns: {time.perf_counter() - t0:.1f} s", flush=True)
    t0 = time.perf_counter()
    source_ids = list(all_turns)
    codes = leaves
    seen = set()
    pending = []
    while len(seen) < codings:
        sid = rng.choice(source_ids)
        a, b = rng.choice(all_turns[sid])
        start = rng.randint(a, max(a, b - 60))
        end = min(b, start + rng.randint(20, 400))
        key = (sid, rng.choice(codes).pk, rng.choice(users[1:]).pk, start, end)
        if key in seen or start >= end:
            continue
        seen.add(key)
        pending.append(Coding(source_id=sid, code_id=key[1], coder_id=key[2], start=start, end=end))
        if len(pending) == 10000:
            Coding.objects.bulk_create(pending)
            pending = []
    Coding.objects.bulk_create(pending)
    print(f"  {codings} codings: {time.perf_counter() - t0:.1f} s", flush=True)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return project


def timed(label: str, fn, repeat: int) -> None:
    runs = []
    detail = ""
    for _ in range(repeat):
        t0 = time.perf_counter()
        detail = fn()
        runs.append((time.perf_counter() - t0) * 1000)
    print(f"{label:<48} {statistics.median(runs):8.1f} ms   {detail}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sources", type=int, default=500)
    parser.add_argument("--words", type=int, default=5000)
    parser.add_argument("--codings", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="reuse an earlier run's project")
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    project = Project.objects.filter(name=NAME).first() if args.keep else None
    if project is None:
        Project.objects.filter(name=NAME).delete()
        project = build(args.sources, args.words, args.codings)
    lead = get_user_model().objects.get(username="bench-lead")
    access = access_for(lead, project)
    total_words = sum(Source.objects.filter(project=project).values_list("word_count", flat=True))
    print(
        f"\n{connection.vendor}: {Source.objects.filter(project=project).count()} sources, "
        f"{total_words:,} words, {Coding.objects.filter(source__project=project).count():,} codings"
    )

    threats = Code.objects.get(project=project, name="Threats")
    theme = Code.objects.get(project=project, name="Theme 1")
    other = Code.objects.get(project=project, name="Theme 2")

    def retrieve(code, subcodes, filters=None):
        def run():
            codings = retrieval_codings(
                access=access, code=code, include_subcodes=subcodes, filters=filters
            )
            count = codings.count()
            passages = retrieval_passages(codings[:50], project=project)
            return f"{count} passages, page of {len(passages)}"

        return run

    def query(operator, **kwargs):
        spec = QuerySpec(operator, theme.pk, other.pk, **kwargs)

        def run():
            result = query_run(access=access, spec=spec, limit=50)
            return f"{result.total} passages in {result.source_count} sources"

        return run

    def search(q):
        def run():
            result = search_run(project=project, query=q, limit=20)
            return f"{result.source_count} sources, {len(result.hits)} hits on the page"

        return run

    timed("retrieval: one code", retrieve(theme, False), args.repeat)
    timed("retrieval: code with sub-codes", retrieve(threats, True), args.repeat)
    timed(
        "retrieval: sub-codes, country = Belarus",
        retrieve(threats, True, {"attributes": {"country": "Belarus"}}),
        args.repeat,
    )
    timed("query: A AND B", query("and"), args.repeat)
    timed("query: A OR B", query("or"), args.repeat)
    timed("query: A NOT B", query("not"), args.repeat)
    timed("query: A NEAR B (100 characters)", query("near", distance=100), args.repeat)
    timed("query: A NEAR B (same turn)", query("turn"), args.repeat)
    timed(
        "query: A AND B, country = China",
        query("and", filters={"attributes": {"country": "China"}}),
        args.repeat,
    )
    timed("search: rare word (subtitles)", search("subtitles"), args.repeat)
    timed("search: two words (harbin festival)", search("harbin festival"), args.repeat)
    timed('search: phrase ("tax relief")', search('"tax relief"'), args.repeat)
    timed("search: prefix (cine*)", search("cine*"), args.repeat)


if __name__ == "__main__":
    main()
