"""Time every report and every export at 10k, 50k and 200k codings.

Run from the project root against a database of its own, e.g.

    DEBUG=1 PARLEY_DATA_DIR=/tmp/parley-bench .venv/bin/python bench/report_bench.py
    DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/parley_bench \\
        .venv/bin/python bench/report_bench.py --sizes 10000 50000 200000

It migrates that database, builds one synthetic project per size (once; later runs reuse
it), then prints, per size, the seconds to load the frame and, for each report, to load and
build it, to serve its whole page (a lead's request through Django, rendering included) and
to write each export format (one export of each format is written first, untimed: their
writers are imported on first use). Each figure is the best of --repeat runs; `--clock cpu`
times this process's CPU instead of the wall clock.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from coding.codebook_services import codebook_apply_template  # noqa: E402
from coding.models import Code, Coding  # noqa: E402
from interviews.models import (  # noqa: E402
    Attribute,
    AttributeValue,
    Interviewee,
    Membership,
    Project,
    Segment,
    Source,
)
from reports import exports  # noqa: E402
from reports.definitions import COMPLETE_FORMATS, Definition, build, load  # noqa: E402
from reports.frame import Filters, report_data  # noqa: E402

CODINGS_PER_SOURCE = 200
TURN = 400  # characters per speaker turn
WORDS = [
    "culture",
    "film",
    "heritage",
    "market",
    "tourism",
    "policy",
    "strategy",
    "partner",
    "festival",
    "audience",
]


def _text(seed: int) -> str:
    lines = []
    for turn in range(50):
        speaker = "Interviewer" if turn % 2 == 0 else "Respondent"
        words = " ".join(WORDS[(seed + turn + i) % len(WORDS)] for i in range(60))
        lines.append(f"{speaker}: {words}."[: TURN - 2])
    return "\n\n".join(lines)


@transaction.atomic
def build_project(size: int) -> Project:
    name = f"Report bench {size}"
    existing = Project.objects.filter(name=name).first()
    if existing:
        return existing
    User = get_user_model()
    coders = [User.objects.get_or_create(username=f"bench-coder-{i}")[0] for i in range(3)]
    project = Project.objects.create(name=name)
    codebook_apply_template(project=project, template="swot")
    codebook_apply_template(project=project, template="policy")
    codes = [c.pk for c in Code.objects.filter(project=project, parent__isnull=False)]
    codes += [c.pk for c in Code.objects.filter(project=project, parent__isnull=True)][-8:]
    org = Attribute.objects.create(project=project, name="Organisation type")
    case = Attribute.objects.create(project=project, name="Case study", applies_to="source")
    people = []
    for i in range(40):
        person = Interviewee.objects.create(
            project=project,
            pseudonym=f"{'CN' if i % 2 else 'BY'}-{i:02d}",
            country="China" if i % 2 else "Belarus",
            sector=["Film", "Crafts", "Tourism", "Government"][i % 4],
            consent_status="withdrawn" if i == 39 else "given",
        )
        AttributeValue.objects.create(attribute=org, interviewee=person, value=f"Type {i % 3}")
        people.append(person)
    count = size // CODINGS_PER_SOURCE
    sources = Source.objects.bulk_create(
        Source(project=project, title=f"Source {i:05d}", text=_text(i), word_count=1)
        for i in range(count)
    )
    Through = Source.interviewees.through
    Through.objects.bulk_create(
        Through(source_id=s.pk, interviewee_id=people[i % len(people)].pk)
        for i, s in enumerate(sources)
    )
    AttributeValue.objects.bulk_create(
        AttributeValue(attribute=case, source=s, value=f"Case {i % 3}")
        for i, s in enumerate(sources)
        if i % 5 == 0
    )
    segments, codings = [], []
    for i, source in enumerate(sources):
        length = len(source.text)
        for turn_start in range(0, length, TURN):
            segments.append(
                Segment(
                    source=source,
                    kind="turn",
                    start=turn_start,
                    end=min(length, turn_start + TURN - 2),
                    interviewee=people[i % len(people)] if (turn_start // TURN) % 2 else None,
                )
            )
        for n in range(CODINGS_PER_SOURCE):
            start = (n * 97) % (length - 300)
            codings.append(
                Coding(
                    source=source,
                    code_id=codes[(n + i) % len(codes)],
                    coder=coders[n % 3],
                    start=start,
                    end=start + 40 + (n * 13) % 200,
                )
            )
    Segment.objects.bulk_create(segments, batch_size=5000)
    Coding.objects.bulk_create(codings, batch_size=5000)
    return project


# --clock cpu: this process's CPU time, which other work on the machine disturbs far less
# than the wall clock (the database's own time is then left out on PostgreSQL).
CLOCK = time.perf_counter


def best(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        started = CLOCK()
        result = fn()
        times.append(CLOCK() - started)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=int, default=[10_000, 50_000, 200_000])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--clock", choices=["wall", "cpu"], default="wall")
    args = parser.parse_args()
    global CLOCK
    CLOCK = time.process_time if args.clock == "cpu" else time.perf_counter
    call_command("migrate", verbosity=0)
    print(f"database: {connection.vendor}; clock: {args.clock}")
    kinds = {
        "swot": Definition(kind="swot", by="country"),
        "framework": Definition(kind="framework", rows="interviewee"),
        "frequencies": Definition(kind="frequencies", by="country"),
        "cooccurrence": Definition(kind="cooccurrence", mode="overlap"),
        "cooccurrence-turn": Definition(kind="cooccurrence", mode="turn"),
        "theme": Definition(kind="theme"),
        # what the theme report's CSV and XLSX downloads hold: every quote of every code
        "theme, all quotes": Definition(kind="theme"),
    }
    from django.test import Client
    from django.urls import reverse

    client = Client()
    header = f"{'codings':>8} {'report':<19} {'load+build':>10} {'page':>6} " + " ".join(
        f"{fmt:>7}" for fmt in exports.FORMATS
    )
    warmed = False
    for size in args.sizes:
        started = time.perf_counter()
        project = build_project(size)
        if not warmed:
            # The writers of Word and spreadsheet files are imported when a file of their
            # format is first written: one export of each format first, untimed, so that
            # the figures are the writing, not a process's one import.
            report = build(load(project, kinds["swot"]), kinds["swot"], all_quotes=False)
            for fmt in exports.FORMATS:
                exports.export(report, fmt)
            warmed = True
        built = time.perf_counter() - started
        lead = get_user_model().objects.get_or_create(username="bench-lead")[0]
        Membership.objects.get_or_create(project=project, user=lead, defaults={"role": "lead"})
        client.force_login(lead)
        frame_time, data = best(lambda p=project: report_data(p, Filters()), args.repeat)
        print(
            f"\n{size} codings (project ready in {built:.1f} s): frame of {len(data.frame)} rows "
            f"loaded in {frame_time:.3f} s"
        )
        print(header)
        for name, definition in kinds.items():
            complete = name.endswith("all quotes")

            def run(d=definition, p=project, c=complete):
                return build(load(p, d), d, all_quotes=c)

            total, report = best(run, args.repeat)
            if complete:
                cells = [f"{'—':>6}"]
            else:
                url = reverse("reports:report", args=[project.pk, definition.kind])
                query = "&".join(f"{k}={v}" for k, vs in definition.as_params().items() for v in vs)
                page, response = best(
                    lambda u=f"{url}?{query}": client.get(u, HTTP_HOST="127.0.0.1"), args.repeat
                )
                assert response.status_code == 200, response.status_code
                cells = [f"{page:6.3f}"]
            for fmt in exports.FORMATS:
                if definition.kind == "theme" and complete != (fmt in COMPLETE_FORMATS):
                    cells.append(f"{'—':>7}")  # this format is written from the other build
                    continue
                seconds, _ = best(lambda r=report, f=fmt: exports.export(r, f), 1)
                cells.append(f"{seconds:7.3f}")
            print(f"{size:>8} {name:<19} {total:>10.3f} " + " ".join(cells))


if __name__ == "__main__":
    main()
