"""Time the coding write's read (`coding.services.coding_target`) against other checkouts'.

Loads `coding/services.py` of each checkout given by --base (e.g. a `git worktree` of an
earlier commit) beside this one's and calls every `coding_target` in turn, call by call,
on the workspace bench's generated project, so all meet the same load; with --write, each
call is the whole service-level write (`coding_target`, then `coding_create` of a new
coding), without the request around it:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/parley \\
        .venv/bin/python bench/coding_read_bench.py --base /tmp/parley-base [--write]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=Path, nargs="+", required=True, help="other checkouts")
    parser.add_argument("--words", type=int, default=8_000)
    parser.add_argument("--calls", type=int, default=1_500)
    parser.add_argument("--write", action="store_true", help="time the read and the insert")
    args = parser.parse_args()
    sys.argv = sys.argv[:1]
    bench = load("workspace_bench", ROOT / "bench" / "workspace_bench.py")
    from django.conf import settings
    from django.db import connection

    database = settings.DATABASES["default"]
    database.setdefault("TEST", {})["NAME"] = f"{database['NAME']}_readbench"
    name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from coding import services

        project, source, coders, codes, spans = bench.build(args.words, 200)
        user = coders[1]
        load_avg = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"{connection.vendor} · {time.strftime('%Y-%m-%d %H:%M')} · load average {load_avg}")
        paths = {
            f"base ({base})": load(f"base_services_{n}", base / "coding" / "services.py")
            for n, base in enumerate(args.base)
        }
        paths["this"] = services
        print("the read and the insert" if args.write else "the read")
        times = {label: [] for label in paths}
        for i in range(args.calls):
            start, end = spans[i % len(spans)]
            order = list(paths.items())[:: 1 if i % 2 else -1]
            for n, (label, module) in enumerate(order):
                # A code per path, so that no write repeats another's span.
                code = codes[(n if i % 2 else len(order) - 1 - n) % len(codes)]
                began = time.perf_counter()
                _, found, got = module.coding_target(
                    user, project.pk, source.pk, code.pk, (start, end)
                )
                if args.write:
                    module.coding_create(source=found, code=got, coder=user, start=start, end=end)
                times[label].append(time.perf_counter() - began)
                assert found.pk == source.pk and got.pk == code.pk
        for label, values in times.items():
            print(
                f"  {label}: p50 {bench.ms(bench.percentile(values, 0.5))}, "
                f"p95 {bench.ms(bench.percentile(values, 0.95))} (n={len(values)})"
            )
    finally:
        connection.creation.destroy_test_db(name, verbosity=0)


if __name__ == "__main__":
    main()
