"""Text cleaning on hostile input: 5 MB of each pattern of the hostile corpus, per reader.

    python bench/hostile_bench.py               # every pattern, 5 MB, best of 2 runs
    python bench/hostile_bench.py --mb 1 --runs 1

Prints, per pattern, the seconds each reader (.txt, .md, .html, .vtt) takes to turn the
bytes into the stored text (decoding, markup removal, normalisation, speaker turns), and the
sentence splitter on the same text; the target is under 2 s per reader. Runs alternate
pattern by pattern, and the load average is printed with the figures.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=float, default=5)
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()

    import django

    django.setup()
    from interviews import nlp
    from interviews.importers import ImportRefused, read_file
    from tests.hostile import corpus

    nlp.sentence_starts("Warm. Up.", "en")  # the tokenizer rules loaded
    size = int(args.mb * 1024 * 1024)
    print(f"{args.mb:g} MB per pattern, best of {args.runs}; load average {os.getloadavg()[0]:.1f}")
    print(f"{'pattern':24s} {'txt':>6s} {'md':>6s} {'html':>6s} {'vtt':>6s} {'sentences':>10s}")
    worst = 0.0
    for pattern in corpus.TEXT_PATTERNS:
        body = corpus.text_pattern(pattern, size)
        files = {
            "txt": ("a.txt", body.encode()),
            "md": ("a.md", body.encode()),
            "html": ("a.html", f"<html><body><pre>{body}</pre></body></html>".encode()),
            "vtt": ("a.vtt", corpus.as_subtitles(body, "vtt").encode()),
        }
        best: dict[str, float] = {}
        for _ in range(args.runs):
            for kind, (name, data) in files.items():
                started = time.perf_counter()
                with contextlib.suppress(ImportRefused):
                    read_file(name, data)
                best[kind] = min(best.get(kind, 1e9), time.perf_counter() - started)
            started = time.perf_counter()
            nlp.sentence_starts(body, "en")
            best["sentences"] = min(best.get("sentences", 1e9), time.perf_counter() - started)
        worst = max(worst, *(best[k] for k in files))
        print(
            f"{pattern:24s} "
            + " ".join(f"{best[k]:6.2f}" for k in files)
            + f" {best['sentences']:10.2f}"
        )
    print(f"slowest reader: {worst:.2f} s; load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
