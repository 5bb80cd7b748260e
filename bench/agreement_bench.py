"""Time inter-coder agreement: the demo study at every unit, and 500 sources at sentence level.

    python bench/agreement_bench.py [--sources 500]

Runs on a fresh SQLite database in a temporary directory (or on DATABASE_URL when set; the
script then creates and drops its own test database through Django's test runner tools).
Targets: demo study < 1 s; 500 sources at sentence level < 5 s.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
os.environ.setdefault("PARLEY_DATA_DIR", tempfile.mkdtemp(prefix="parley-agreement-bench-"))

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402

WORDS = [
    "film",
    "festival",
    "partners",
    "money",
    "banks",
    "heritage",
    "crafts",
    "museum",
    "audience",
    "tourism",
    "platform",
    "policy",
    "ministry",
    "exchange",
    "language",
    "students",
    "subtitles",
    "market",
    "export",
    "province",
    "strategy",
    "support",
    "investment",
    "recognition",
    "infrastructure",
    "culture",
    "cooperation",
]


def timed(label: str, function, repeat: int = 3):
    best = None
    result = None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        elapsed = time.perf_counter() - started
        best = elapsed if best is None else min(best, elapsed)
    print(f"  {label:<58} {best * 1000:8.1f} ms (best of {repeat})")
    return result


def _add_sentences(sources) -> int:
    """Sentence segments for sources that have none, split at . ! ? (bench only)."""
    import re

    from interviews.models import Segment

    added = 0
    for source in sources:
        if source.segments.filter(kind="sentence").exists():
            continue
        rows = [
            Segment(source=source, kind="sentence", start=m.start(), end=m.end())
            for m in re.finditer(r"[^\s.!?][^.!?]*[.!?]?", source.text)
            if m.group().strip()
        ]
        Segment.objects.bulk_create(rows)
        added += len(rows)
    return added


def bench_demo() -> None:
    from agreement.services import agreement_report
    from coding.models import Code
    from interviews.models import Project

    call_command("load_demo", stdout=io.StringIO())
    project = Project.objects.get(name__contains="demo")
    users = get_user_model().objects
    coders = [users.get(username="artem"), users.get(username="dasha")]
    sources = list(project.sources.all())
    codes = [c for c in Code.objects.filter(project=project).tree_order() if c.is_codable]
    added = _add_sentences(sources)
    print(f"Demo study: {len(sources)} sources, {len(codes)} codes, 2 coders")
    if added:
        print(f"  (the demo stored no sentence segments; {added} were added by a simple splitter)")
    for unit in ("sentence", "turn", "paragraph", "character"):
        timed(
            f"agreement_report, unit={unit}",
            lambda unit=unit: agreement_report(
                project=project, sources=sources, coders=coders, codes=codes, unit=unit
            ),
        )
    client = Client()
    client.force_login(users.get(username="lina"))
    url = reverse("agreement:figures", args=[project.pk])
    timed("GET agreement page (defaults, whole request)", lambda: client.get(url))
    timed(
        "GET disagreement review (defaults, whole request)",
        lambda: client.get(reverse("agreement:review", args=[project.pk])),
    )


def bench_large(count: int) -> None:
    from agreement.services import agreement_report
    from coding.models import Code, Coding
    from interviews.models import Membership, Project, Role, Segment, Source

    rng = random.Random(7)
    users = get_user_model().objects
    lead = users.create_user("bench-lead")
    first, second = users.create_user("bench-a"), users.create_user("bench-b")
    project = Project.objects.create(name="Agreement bench")
    for user, role in ((lead, Role.LEAD), (first, Role.CODER), (second, Role.CODER)):
        Membership.objects.create(project=project, user=user, role=role)
    codes = [Code.objects.create(project=project, name=f"Code {n:02d}") for n in range(20)]
    started = time.perf_counter()
    sentences_total = codings_total = 0
    for index in range(count):
        spans, parts, position = [], [], 0
        for _ in range(rng.randint(30, 60)):
            sentence = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 18))).capitalize()
            sentence += "."
            spans.append((position, position + len(sentence)))
            parts.append(sentence)
            position += len(sentence) + 1
        source = Source.objects.create(
            project=project, title=f"Source {index:04d}", text=" ".join(parts)
        )
        Segment.objects.bulk_create(
            Segment(source=source, kind="sentence", start=s, end=e) for s, e in spans
        )
        codings = []
        for start, end in spans:
            if rng.random() < 0.25:
                code = rng.choice(codes)
                codings.append(Coding(source=source, code=code, coder=first, start=start, end=end))
                if rng.random() < 0.75:
                    codings.append(
                        Coding(source=source, code=code, coder=second, start=start, end=end)
                    )
            elif rng.random() < 0.05:
                codings.append(
                    Coding(
                        source=source, code=rng.choice(codes), coder=second, start=start, end=end
                    )
                )
        Coding.objects.bulk_create(codings)
        sentences_total += len(spans)
        codings_total += len(codings)
    print(
        f"\nSynthetic study: {count} sources, {sentences_total} sentences, {codings_total} codings, "
        f"20 codes, 2 coders (built in {time.perf_counter() - started:.1f} s)"
    )
    sources = list(project.sources.all())
    report = timed(
        "agreement_report, unit=sentence",
        lambda: agreement_report(
            project=project, sources=sources, coders=[first, second], codes=codes, unit="sentence"
        ),
    )
    overall = report.overall.all_units
    print(
        f"    overall: {overall.units} unit×code decisions, percent {overall.percent.percent}, "
        f"kappa {overall.kappa.display}, alpha {overall.alpha.display}"
    )
    timed(
        "agreement_report, unit=character",
        lambda: agreement_report(
            project=project, sources=sources, coders=[first, second], codes=codes, unit="character"
        ),
    )
    client = Client()
    client.force_login(lead)
    timed(
        "GET agreement page, sentence (whole request)",
        lambda: client.get(reverse("agreement:figures", args=[project.pk])),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sources", type=int, default=500)
    args = parser.parse_args()
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        print(f"Database: {connection.vendor}")
        bench_demo()
        bench_large(args.sources)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
