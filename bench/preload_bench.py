"""What gunicorn's master preloads: the web processes' memory and each worker's first requests.

    .venv/bin/python bench/preload_bench.py [--configs app,import,reports app,import app none]
        [--words 8000] [--codings 20] [--opens 3] [--reports 3] [--exports 3]

For each configuration (what `deploy/gunicorn.conf.py` loads before forking: `app` the
application, `import` the file readers and tokenizer rules of phase one of an import, `reports` pandas and
matplotlib; `none` is no preload_app at all), Parley is started under gunicorn with 2
workers on SQLite, as in bench/peer_bench.py, and:
- the memory of its processes is read after the start (RSS and PSS summed, workers only and
  with the master);
- one document is imported and coded (the import's time is a first import in a worker
  unless `import` is preloaded);
- its coding page is asked for by two clients at once, `--opens` times: the first pair are
  the workers' first coding pages (templates compiled and queries written by then, or not);
- a report page (frequencies) is asked for by two clients at once, `--reports` times, so
  that both workers serve one: the first pair are the workers' first reports;
- then its Word and its Excel file likewise, `--exports` times each: the first pair are the
  workers' first exports of that format;
- the memory is read again, with how many workers hold pandas.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchenv  # noqa: E402
from import_bench import make_transcripts  # noqa: E402
from peer_bench import Parley, load, memory_mb, word_spans  # noqa: E402

PRELOADS = {"app", "import", "reports"}


def environment(config: str) -> dict[str, str]:
    parts = set(config.split(",")) - {"none"}
    if parts - PRELOADS:
        raise SystemExit(f"unknown preload in {config!r}: choose from {sorted(PRELOADS)}")
    return {
        "PARLEY_PRELOAD_APP": "1" if "app" in parts else "0",
        "PARLEY_PRELOAD_LANGUAGE": "en" if "import" in parts else "",
        "PARLEY_PRELOAD_REPORTS": "1" if "reports" in parts else "0",
    }


def memory(parley: Parley) -> tuple[float, float, float, float, int]:
    """RSS and PSS summed (all processes, workers only) and how many workers hold pandas."""
    master, *workers = parley.processes()
    figures = {pid: memory_mb(pid) for pid in [master, *workers]}
    pandas = sum("/pandas/" in Path(f"/proc/{pid}/maps").read_text() for pid in workers)
    return (
        sum(r for r, _ in figures.values()),
        sum(p for _, p in figures.values()),
        sum(figures[pid][0] for pid in workers),
        sum(figures[pid][1] for pid in workers),
        pandas,
    )


def request_pair(clients: list[requests.Session], url: str) -> list[float]:
    """The same request by each client at once (one per worker), ms each."""

    def one(client: requests.Session) -> float:
        started = time.perf_counter()
        client.get(url, headers={"Connection": "close"}).raise_for_status()
        return (time.perf_counter() - started) * 1000

    with ThreadPoolExecutor(len(clients)) as pool:
        return list(pool.map(one, clients))


def pairs_line(label: str, pairs: list[list[float]]) -> str:
    later = [t for pair in pairs[1:] for t in pair]
    return (
        f"  {label}, two at once: first pair "
        + " / ".join(f"{t:.0f}" for t in pairs[0])
        + " ms"
        + (f"; later p50 {statistics.median(later):.0f} ms (n={len(later)})" if later else "")
    )


def run(config: str, args, scratch: Path, static_root: Path, text: str) -> None:
    os.environ.update(environment(config))
    folder = scratch / config.replace(",", "+")
    folder.mkdir()
    parley = Parley(folder, static_root, f"sqlite:///{folder}/parley.sqlite3", "app" in config)
    try:
        after_start = memory(parley)
        started = time.perf_counter()
        source, length = parley.import_document("preload", text)
        imported = (time.perf_counter() - started) * 1000
        rng = random.Random(18)
        for start, end in word_spans(text, args.codings, rng, length):
            parley.create_coding(source, start, end)
        clients = []
        for _ in range(2):
            client = requests.Session()
            client.cookies.update(parley.http.cookies)
            clients.append(client)
        page = f"{parley.base}/projects/{parley.project}/sources/{source}/code/"
        opened = [request_pair(clients, page) for _ in range(args.opens)]
        report = f"{parley.base}/projects/{parley.project}/reports/frequencies/"
        pairs = [request_pair(clients, report) for _ in range(args.reports)]
        exported = {
            fmt: [request_pair(clients, f"{report}export/{fmt}/") for _ in range(args.exports)]
            for fmt in ("docx", "xlsx")
        }
        after_reports = memory(parley)
    finally:
        parley.close()
    print(f"\n{config}:")
    for label, (rss, pss, w_rss, w_pss, pandas) in (
        ("after start", after_start),
        ("after the reports", after_reports),
    ):
        print(
            f"  {label:18s} workers RSS {w_rss:4.0f} / PSS {w_pss:4.0f} MB; "
            f"with master RSS {rss:4.0f} / PSS {pss:4.0f} MB; workers holding pandas: {pandas}"
        )
    print(f"  import of one {args.words:,}-word document: {imported:6.0f} ms")
    print(pairs_line("coding page", opened))
    print(pairs_line("report page", pairs))
    print(pairs_line("Word file", exported["docx"]))
    print(pairs_line("Excel file", exported["xlsx"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--configs", nargs="+", default=["app,import,reports", "app,import", "app", "none"]
    )
    parser.add_argument("--words", type=int, default=8000)
    parser.add_argument("--codings", type=int, default=20)
    parser.add_argument("--opens", type=int, default=3, help="pairs of coding page requests")
    parser.add_argument("--reports", type=int, default=3, help="pairs of report requests")
    parser.add_argument("--exports", type=int, default=3, help="pairs of each export")
    args = parser.parse_args()
    print(f"load average before: {load()}")
    scratch = Path(tempfile.mkdtemp(prefix="parley-preload-"))
    static_root = scratch / "static"
    benchenv.collect_static(static_root)
    text = make_transcripts(1, args.words, seed=18)[0]
    try:
        for config in args.configs:
            run(config, args, scratch, static_root, text)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"\nload average after: {load()}")


if __name__ == "__main__":
    main()
