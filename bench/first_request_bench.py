"""A web worker's first requests, with and without the request it serves before them.

    .venv/bin/python bench/first_request_bench.py [--restarts 4] [--words 50000] [--opens 6]
        [--postgres postgres://postgres@127.0.0.1:5432/NAME] [--idle 0]

Parley is started under gunicorn as `bench/peer_bench.py` starts it (deploy/gunicorn.conf.py,
2 workers, preload_app; SQLite, and PostgreSQL with `--postgres`), one generated transcript
is imported, and the server is stopped. It is then started again `--restarts` times with
`PARLEY_WARM_REQUEST=0` and as many with `1`, alternately; after each start (and 2 s, so
that both workers are up) the coding page is opened `--opens` times, one request at a time.
Printed per start: the time each opening took in the worker (gunicorn's access log, `%(D)s`),
marking each worker's first, and the minor page faults of the workers while they served
them (a worker copying a page it shares with the master) and the workers' memory after
them; then, per setting, the median of the workers' first openings and of the later ones.
With `--idle N`, after those openings the server sits idle N seconds and the page is opened
`--opens` times again (a quiet server: a connection kept or closed meanwhile).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchenv  # noqa: E402
from import_bench import make_transcripts  # noqa: E402
from peer_bench import ROOT, Parley, load, memory_mb, process_tree, stop, wait_for  # noqa: E402


def minor_faults(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[7])


def started(parley: Parley, log: Path, warm: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py"]
    process = subprocess.Popen(
        [*command, "--access-logfile", str(log), "--access-logformat", "%(D)s %(p)s %(U)s"]
        + ["config.wsgi"],
        cwd=ROOT,
        env={**parley.env, "PARLEY_WARM_REQUEST": warm},
        stdout=subprocess.DEVNULL,
        stderr=open(log.with_suffix(".err"), "w"),  # noqa: SIM115
        start_new_session=True,
    )
    wait_for(f"{parley.base}/accounts/login/", process)
    time.sleep(2)
    return process


def measure(args, scratch: Path) -> None:
    """Every start and its openings (see the module's doc)."""
    static_root = scratch / "static"
    benchenv.collect_static(static_root)
    urls = [f"sqlite:///{scratch}/parley.sqlite3"]
    if args.postgres:
        import psycopg

        base, name = args.postgres.rsplit("/", 1)
        with psycopg.connect(args.postgres, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}_firstbench"')
            admin.execute(f'CREATE DATABASE "{name}_firstbench"')
        urls.append(f"{base}/{name}_firstbench")
    text = make_transcripts(1, args.words, seed=18)[0]
    for url in urls:
        parley = Parley(scratch, static_root, url, preload=True)
        parley.time_with("http")
        source, _length = parley.import_document("First", text)
        stop(parley.process)
        firsts: dict[str, list[float]] = {"0": [], "1": []}
        laters: dict[str, list[float]] = {"0": [], "1": []}
        print(f"\n{parley.name}, {args.words:,} words")
        for restart in range(args.restarts):
            for warm in ("0", "1"):
                log = scratch / f"access-{parley.name.split()[1]}-{restart}-{warm}.log"
                parley.process = started(parley, log, warm)
                parley.time_with("http")
                workers = process_tree(parley.process.pid)[1:]
                before = sum(minor_faults(pid) for pid in workers)
                for _ in range(args.opens):
                    parley.open_document(source)
                faults = sum(minor_faults(pid) for pid in workers) - before
                rss, pss = (sum(memory_mb(pid)[i] for pid in workers) for i in (0, 1))
                idle = []
                if args.idle:
                    time.sleep(args.idle)
                    for _ in range(args.opens):
                        start = time.perf_counter()
                        parley.open_document(source)
                        idle.append(f"{(time.perf_counter() - start) * 1000:.1f}")
                stop(parley.process)
                seen, cells = set(), []
                rows = [line.split() for line in log.read_text().splitlines()]
                # The openings before any idle time, in the order served.
                openings = [row for row in rows if row[2].endswith("/code/")][: args.opens]
                for micros, pid, _path in openings:
                    ms = int(micros) / 1000
                    if pid in seen:
                        laters[warm].append(ms)
                        cells.append(f"{ms:.1f}")
                    else:
                        seen.add(pid)
                        firsts[warm].append(ms)
                        cells.append(f"*{ms:.1f}")
                print(
                    f"  PARLEY_WARM_REQUEST={warm}: openings {' '.join(cells)} ms "
                    f"(* a worker's first); the workers' minor faults meanwhile {faults:,}, "
                    f"their RSS / PSS after {rss:.0f} / {pss:.0f} MB"
                )
                if idle:
                    print(f"    after {args.idle} s idle, openings (client) {' '.join(idle)} ms")
        for warm in ("0", "1"):
            print(
                f"  PARLEY_WARM_REQUEST={warm}: a worker's first opening p50 "
                f"{statistics.median(firsts[warm]):.1f} ms (n={len(firsts[warm])}), "
                f"the later ones {statistics.median(laters[warm]):.1f} ms"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--restarts", type=int, default=4)
    parser.add_argument("--words", type=int, default=50000)
    parser.add_argument("--opens", type=int, default=6)
    parser.add_argument("--postgres")
    parser.add_argument("--idle", type=int, default=0)
    args = parser.parse_args()
    print(f"load average before: {load()}")
    scratch = Path(tempfile.mkdtemp(prefix="parley-first-"))
    try:
        measure(args, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        if args.postgres:
            import psycopg

            name = args.postgres.rsplit("/", 1)[1]
            with psycopg.connect(args.postgres, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}_firstbench"')
    print(f"\nload average after: {load()}")


if __name__ == "__main__":
    main()
