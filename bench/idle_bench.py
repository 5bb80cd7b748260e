"""What a pause between requests costs on this machine: opening a document through gunicorn,
and a database round trip, measured back to back and after pauses.

    .venv/bin/python bench/idle_bench.py [--postgres postgres://postgres@127.0.0.1:5432/parley]
        [--pauses 0 2 20 100] [--opens 40] [--rounds 2] [--words 50000] [--no-taguette]

A virtual machine whose CPUs halt while idle wakes them slowly, and a request that passes
between processes waits for a wake at each pass. This script separates what that costs from
what the code costs:
- psycopg's `SELECT 1` on a kept connection, one and three in a row, p50 of 300 after each
  pause (PostgreSQL only);
- opening one document as `peer_bench.py` opens it (Taguette 1.5.2: its page, the document
  and its contents; Parley: the coding page, which carries its first data), on Taguette and
  on Parley under gunicorn as `peer_bench.py` runs them (deploy/gunicorn.conf.py, two pools,
  preload_app), on SQLite and on PostgreSQL (a database `<name>_idlebench` next to the one
  --postgres names, created and dropped here), `--opens` times after each pause, in
  `--rounds` rotated rounds: p50 and p10, and Taguette's p50 over each Parley's
  (`--no-taguette`: Parley only, nothing installed).

A page on PostgreSQL makes three round trips to the database (the session, the project with
the member's role and the source, then the page's other queries in one pipeline); on SQLite
none leaves the worker. It also prints the kernel's cpuidle driver and governor.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchenv  # noqa: E402
from import_bench import make_transcripts  # noqa: E402
from peer_bench import Parley, Taguette, drop_database, fresh_database, load  # noqa: E402

CPUIDLE = Path("/sys/devices/system/cpu/cpuidle")


def cpuidle() -> str:
    found = []
    for name in ("current_driver", "current_governor"):
        path = CPUIDLE / name
        found.append(f"{name} {path.read_text().strip() if path.exists() else 'unknown'}")
    return ", ".join(found)


def round_trips(url: str, pauses: list[float]) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        for pause in pauses:
            for count in (1, 3):
                times = []
                for _ in range(300):
                    if pause:
                        time.sleep(pause / 1000)
                    began = time.perf_counter()
                    for _ in range(count):
                        connection.execute("SELECT 1").fetchall()
                    times.append(time.perf_counter() - began)
                print(
                    f"  pause {pause:>5g} ms: {count} × SELECT 1, p50 "
                    f"{statistics.median(times) * 1000:.3f} ms"
                )


def openings(systems: list, documents: dict[str, int], args) -> None:
    for pause in args.pauses:
        figures: dict[str, list[float]] = {system.name: [] for system in systems}
        for number in range(args.rounds):
            order = systems[number % len(systems) :] + systems[: number % len(systems)]
            for system in order:
                for _ in range(args.opens):
                    if pause:
                        time.sleep(pause / 1000)
                    began = time.perf_counter()
                    system.open_document(documents[system.name])
                    figures[system.name].append(time.perf_counter() - began)
        for name, times in figures.items():
            times.sort()
            print(
                f"  pause {pause:>5g} ms: {name:<18} p50 {statistics.median(times) * 1000:5.2f} ms"
                f", p10 {times[len(times) // 10] * 1000:5.2f} ms (n={len(times)})"
            )
        if Taguette.name not in figures:
            continue
        peer = statistics.median(figures[Taguette.name])
        print(
            "  "
            + " · ".join(
                f"Taguette / {name}: {peer / statistics.median(times):.2f}×"
                for name, times in figures.items()
                if name != Taguette.name
            )
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", default="")
    parser.add_argument("--pauses", type=float, nargs="+", default=[0, 2, 20, 100])
    parser.add_argument("--opens", type=int, default=40, help="openings a pause and round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--words", type=int, default=50_000)
    parser.add_argument(
        "--no-taguette",
        dest="taguette",
        action="store_false",
        help="Parley only (Taguette is installed from PyPI the first time)",
    )
    args = parser.parse_args()
    print(f"{time.strftime('%Y-%m-%d %H:%M')} · load average {load()} · {cpuidle()}")
    if args.postgres:
        print("psycopg round trips on a kept connection:")
        round_trips(args.postgres, args.pauses)
    scratch = Path(tempfile.mkdtemp(prefix="parley-idle-"))
    static_root = scratch / "static"
    benchenv.collect_static(static_root)
    systems: list = []
    bench_db = ""
    try:
        if args.taguette:
            systems.append(Taguette(scratch))
        systems.append(Parley(scratch, static_root, f"sqlite:///{scratch}/p.sqlite3", True, True))
        if args.postgres:
            bench_db = fresh_database(args.postgres, "idlebench")
            systems.append(Parley(scratch, static_root, bench_db, True, True))
        text = make_transcripts(1, args.words, seed=args.words)[0]
        documents = {}
        for system in systems:
            system.time_with("http")
            documents[system.name] = system.import_document("Idle bench", text)[0]
        print(f"opening a {args.words:,}-word document through gunicorn:")
        openings(systems, documents, args)
    finally:
        for system in systems:
            system.close()
        if bench_db:
            drop_database(args.postgres, "idlebench")
        shutil.rmtree(scratch, ignore_errors=True)
        print(f"load average after: {load()}")


if __name__ == "__main__":
    main()
