"""Two ways of serving the coding page, alternated in one process: p50 of each.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/NAME .venv/bin/python bench/open_ab_bench.py \
        --empty coding.views.workspace:project_with_role_query \
        [--keep-first module:name] [--swap module:name=module:name] \
        [--words 50000] [--codings 0] [--other-codings 0] [--history 0] \
        [--blocks 40] [--block 15]

Way A is the checkout as it is; way B replaces each `module:name` of `--empty` by a function
that returns an empty list, each of `--keep-first` by one that returns the first item of
what it returns (a list of queries sent together, the others then sent on their own), and
each of `--swap` by another `module:name`.
The two are alternated in blocks of `--block` requests (A first, then B first, and so on),
so that a machine whose speed drifts from one minute to the next (as the runs of
`open_bench.py` in separate processes did by ±30 %) weighs on both alike. Each request goes
through Django's WSGI handler with a session cookie, as in `open_bench.py`, whose setup it
shares (`open_bench.page_setup`: one generated transcript of `--words` words and `--codings`
codings, `--other-codings`, `--history`), in a database of its own, created and dropped
here.
"""

from __future__ import annotations

import argparse
import importlib
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchenv  # noqa: E402
import open_bench  # noqa: E402  (starts Django as open_bench.py does)
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402


def nothing(*args, **kwargs) -> list:
    return []


def _resolve(spec: str):
    module, name = spec.split(":")
    return importlib.import_module(module), name


def _first_of(function):
    def first(*args, **kwargs):
        return function(*args, **kwargs)[:1]

    return first


def swapped(swaps: list[tuple[str, str | None]]) -> list[tuple[object, str, object]]:
    kept = []
    for target, replacement in swaps:
        module, name = _resolve(target)
        kept.append((module, name, getattr(module, name)))
        if replacement is None:
            setattr(module, name, nothing)
        elif replacement == "first":
            setattr(module, name, _first_of(getattr(module, name)))
        else:
            other, other_name = _resolve(replacement)
            setattr(module, name, getattr(other, other_name))
    return kept


def restored(kept: list[tuple[object, str, object]]) -> None:
    for module, name, value in kept:
        setattr(module, name, value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--swap", action="append", default=[], help="module:name=module:name")
    parser.add_argument("--empty", action="append", default=[], help="module:name")
    parser.add_argument("--keep-first", action="append", default=[], help="module:name")
    parser.add_argument("--words", type=int, default=50000)
    parser.add_argument("--codings", type=int, default=0)
    parser.add_argument("--other-codings", type=int, default=0)
    parser.add_argument("--history", type=int, default=0)
    parser.add_argument("--blocks", type=int, default=40)
    parser.add_argument("--block", type=int, default=15)
    args = parser.parse_args()
    swaps = [tuple(spec.split("=", 1)) for spec in args.swap]
    swaps += [(spec, None) for spec in args.empty]
    swaps += [(spec, "first") for spec in args.keep_first]
    if not swaps:
        parser.error("nothing differs between A and B: give --empty, --keep-first or --swap")
    try:
        with benchenv.scratch_database("openab"):
            call_command("collectstatic", interactive=False, verbosity=0)
            run(args, swaps)
    finally:
        shutil.rmtree(os.environ["STATIC_ROOT"], ignore_errors=True)


def run(args, swaps) -> None:
    get, url = open_bench.page_setup(args)
    for _ in range(50):  # both ways warmed: statements prepared, templates compiled
        assert get(url)[0] == 200
        kept = swapped(swaps)
        assert get(url)[0] == 200
        restored(kept)
    times: dict[str, list[float]] = {"A": [], "B": []}
    for block in range(args.blocks):
        for way in ("A", "B") if block % 2 == 0 else ("B", "A"):
            kept = swapped(swaps) if way == "B" else []
            for _ in range(args.block):
                start = time.perf_counter()
                get(url)
                times[way].append(time.perf_counter() - start)
            restored(kept)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"Coding page, two ways · {connection.vendor} · {args.words:,} words, "
        f"{args.codings} codings · {time.strftime('%Y-%m-%d %H:%M')} · load average {load}"
    )
    changed = [f"{spec} empty" for spec in args.empty]
    changed += [f"{spec} its first only" for spec in args.keep_first]
    print(f"  B: {', '.join(args.swap + changed)}")
    for way, found in times.items():
        print(f"  {way}: p50 {statistics.median(found) * 1000:.2f} ms (n={len(found)})")


if __name__ == "__main__":
    main()
