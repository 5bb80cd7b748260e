"""REFI-QDA exchange benchmark: export and re-import of a large project.

    python bench/refi_bench.py                      # 500 sources, 2.5 M words, 200,000 codings
    python bench/refi_bench.py --sources 50 --codings 20000   # a quick run

Each step runs in its own process so that its peak memory (max RSS) is its own. The
database is a fresh SQLite file in a temporary directory unless --database-url is given
(use a database made for the purpose: the benchmark creates tables and rows in it).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

VOCABULARY = (
    "the partners film festival money trust audience cooperation strategy culture industry "
    "state support market China Belarus Minsk Harbin co-production distribution rights "
    "subsidy private studio policy museum exchange television heritage youth digital "
    "культура фестиваль партнёр 文化 合作 电影 🎬"
)
WORDS = VOCABULARY.split()


def _django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # Not DEBUG: it would record every query, which no production process does.
    os.environ.setdefault("SECRET_KEY", "refi-bench-only")
    os.environ.setdefault("DEBUG", "0")
    import django

    django.setup()


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def setup(sources: int, words: int, codings: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from coding.models import Code, Coding
    from interviews.models import Membership, Project, Role, Source

    call_command("migrate", verbosity=0)
    rng = random.Random(8)
    User = get_user_model()
    users = [User.objects.create_user(f"bench-{i}", password=None) for i in range(4)]
    project = Project.objects.create(name="REFI bench", created_by=users[0])
    for user in users:
        Membership.objects.create(project=project, user=user, role=Role.ADMIN)
    codes = []
    for g in range(8):
        group = Code.objects.create(project=project, name=f"Group {g}", is_codable=False)
        codes += [
            Code.objects.create(project=project, parent=group, name=f"Code {g}.{c}")
            for c in range(5)
        ]
    per_source = codings // sources
    total_words = 0
    made = 0
    for s in range(sources):
        lines, count = [], 0
        while count < words:
            n = min(rng.randint(40, 120), words - count)
            speaker = "Interviewer" if len(lines) % 2 == 0 else "Respondent"
            lines.append(f"{speaker}: " + " ".join(rng.choice(WORDS) for _ in range(n)) + ".")
            count += n
        text = "\n\n".join(lines)
        total_words += count
        source = Source(project=project, title=f"Interview {s:03d}", text=text)
        source.save()
        spans = set()
        starts = [i + 1 for i, ch in enumerate(text) if ch == " "]
        while len(spans) < per_source:
            start = rng.choice(starts)
            end = min(len(text), start + rng.randint(20, 300))
            spans.add((start, end, rng.randrange(len(codes)), rng.randrange(len(users))))
        Coding.objects.bulk_create(
            [
                Coding(source=source, code=codes[c], coder=users[u], start=a, end=b)
                for a, b, c, u in spans
            ],
            batch_size=2000,
        )
        made += len(spans)
    return {"project": project.pk, "sources": sources, "words": total_words, "codings": made}


def export(project_id: int, path: str) -> dict:
    from exchange.services import project_export_to_path
    from interviews.models import Project

    project = Project.objects.get(pk=project_id)
    started, cpu = time.perf_counter(), time.process_time()
    counts = project_export_to_path(project=project, path=Path(path))
    seconds = time.perf_counter() - started
    return {
        "seconds": round(seconds, 1),
        "cpu": round(time.process_time() - cpu, 2),
        "peak_mb": round(_peak_mb()),
        "file_mb": round(Path(path).stat().st_size / 1024 / 1024, 1),
        **counts,
    }


def reimport(path: str) -> dict:
    from django.contrib.auth import get_user_model

    from coding.models import Coding
    from exchange.services import project_import_from_path

    user = get_user_model().objects.get(username="bench-0")
    started, cpu = time.perf_counter(), time.process_time()
    project, report = project_import_from_path(path=Path(path), user=user)
    seconds = time.perf_counter() - started
    return {
        "seconds": round(seconds, 1),
        "cpu": round(time.process_time() - cpu, 2),
        "peak_mb": round(_peak_mb()),
        "codings": Coding.objects.filter(source__project=project).count(),
        "sources": project.sources.count(),
        "warnings": len(report.warnings),
        "not_carried": len(report.not_carried),
    }


def _child(step: str, *args) -> dict:
    result = subprocess.run(
        [sys.executable, __file__, f"_{step}", *map(str, args)],
        check=True,
        capture_output=True,
        text=True,
        env=os.environ,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=int, default=500)
    parser.add_argument("--words", type=int, default=5000, help="words per source")
    parser.add_argument("--codings", type=int, default=200_000)
    parser.add_argument("--database-url", default="")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="refi-bench-") as tmp:
        os.environ["PARLEY_DATA_DIR"] = tmp
        os.environ["PARLEY_MAX_UPLOAD_MB"] = "1024"
        os.environ["PARLEY_MAX_UNPACKED_MB"] = "2048"
        if options.database_url:
            os.environ["DATABASE_URL"] = options.database_url
        else:
            os.environ.pop("DATABASE_URL", None)
        started = time.perf_counter()
        made = _child("setup", options.sources, options.words, options.codings)
        print(
            f"Built {made['sources']} sources, {made['words']:,} words, "
            f"{made['codings']:,} codings in {time.perf_counter() - started:.0f} s"
        )
        archive = Path(tmp) / "bench.qdpx"
        out = _child("export", made["project"], archive)
        print(
            f"export:   {out['seconds']:6.1f} s (CPU {out['cpu']:.2f} s)  peak {out['peak_mb']:5d} MB  "
            f"file {out['file_mb']} MB  ({out['codings']:,} codings)"
        )
        back = _child("import", archive)
        print(
            f"import:   {back['seconds']:6.1f} s (CPU {back['cpu']:.2f} s)  peak {back['peak_mb']:5d} MB  "
            f"({back['sources']} sources, {back['codings']:,} codings, "
            f"{back['warnings']} warnings, {back['not_carried']} not carried)"
        )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1].startswith("_"):
        _django()
        step, args = sys.argv[1][1:], sys.argv[2:]
        if step == "setup":
            result = setup(*map(int, args))
        elif step == "export":
            result = export(int(args[0]), args[1])
        else:
            result = reimport(args[0])
        print(json.dumps(result))
    else:
        main()
