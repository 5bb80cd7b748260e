"""Creating a new database: `manage.py migrate` on an empty one, timed; prints the figures.

    python bench/migrate_bench.py [--runs 5] [--postgres URL] [CHECKOUT ...]

Each run is a process of its own (`manage.py migrate` in the checkout, with DEBUG=1) on a new
SQLite file in a temporary folder, or with `--postgres` on a new database of that server
(created and dropped by the script). Printed per checkout: the migrations applied, the CPU
seconds of the process (user + system; on PostgreSQL the server's work is not in them) and
the wall clock, median and minimum over the runs. With several checkouts (this one by
default; others, such as a worktree at an older commit, by path) the runs alternate between
them, so that the machine's drift falls on each alike.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]


def _database(postgres: str | None, data: Path) -> tuple[dict[str, str], str | None]:
    """The environment of a run's new database, and its name on PostgreSQL."""
    if postgres is None:
        return {"PARLEY_DATA_DIR": str(data)}, None
    name = f"parley_migrate_{uuid.uuid4().hex[:10]}"
    subprocess.run(["createdb", *_server(postgres), name], check=True)
    return {"DATABASE_URL": urlunsplit(urlsplit(postgres)._replace(path=f"/{name}"))}, name


def _server(postgres: str) -> list[str]:
    url = urlsplit(postgres)
    return ["-h", url.hostname or "localhost", "-p", str(url.port or 5432), "-U", url.username]


def run_once(checkout: Path, postgres: str | None) -> tuple[float, float, int]:
    """CPU seconds, wall seconds and migrations applied of one `migrate` on a new database."""
    with tempfile.TemporaryDirectory(prefix="parley-migrate-bench-") as folder:
        database, name = _database(postgres, Path(folder))
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PARLEY_DATA_DIR")}
        env.update(DEBUG="1", **database)
        python = checkout / ".venv" / "bin" / "python"
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        try:
            done = subprocess.run(
                [
                    str(python if python.exists() else sys.executable),
                    "manage.py",
                    "migrate",
                    "-v",
                    "1",
                ],
                cwd=checkout,
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
        finally:
            wall = time.perf_counter() - start
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            if name is not None:
                subprocess.run(["dropdb", *_server(postgres), "--if-exists", name], check=True)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    applied = sum(1 for line in done.stdout.splitlines() if line.strip().startswith("Applying "))
    return cpu, wall, applied


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("checkouts", nargs="*", type=Path, default=[ROOT])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--postgres", help="a PostgreSQL server's URL (its database is ignored)")
    args = parser.parse_args()
    figures: dict[Path, list[tuple[float, float, int]]] = {c: [] for c in args.checkouts}
    for _ in range(args.runs):
        for checkout in args.checkouts:
            figures[checkout].append(run_once(checkout.resolve(), args.postgres))
    print(
        f"migrate on a new {'PostgreSQL' if args.postgres else 'SQLite'} database, {args.runs} runs each"
    )
    print(f"load average {os.getloadavg()[0]:.1f}")
    for checkout, runs in figures.items():
        cpu = [r[0] for r in runs]
        wall = [r[1] for r in runs]
        print(
            f"  {str(checkout):<24} {runs[0][2]:3d} migrations   CPU s median {statistics.median(cpu):5.2f} "
            f"min {min(cpu):5.2f}   wall s median {statistics.median(wall):5.2f} min {min(wall):5.2f}"
        )


if __name__ == "__main__":
    main()
