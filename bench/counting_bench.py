"""Time what counting passages once adds to a report: merge_passages on a frame of codings.

Run from the project root (no database needed):

    .venv/bin/python bench/counting_bench.py --sizes 10000 50000 200000 --repeat 5

The frame is synthetic and shaped like a double-coded project: each source has codings of
20 codes by two coders, where half of one coder's codings overlap a coding of the other of
the same code. It prints, per size, the rows in and out and the best time of --repeat runs.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reports.counting import merge_passages  # noqa: E402

PER_SOURCE = 200


def frame_of(size: int, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    half = size // 2
    source = np.repeat(np.arange(size // PER_SOURCE + 1), PER_SOURCE)[:half]
    code = rng.integers(0, 20, half)
    start = rng.integers(0, 40_000, half)
    end = start + rng.integers(20, 400, half)
    # The second coder: half their codings overlap the first coder's, half lie elsewhere.
    shift = np.where(rng.random(half) < 0.5, rng.integers(-10, 10, half), 50_000)
    frame = pd.DataFrame(
        {
            "coding_id": np.arange(size),
            "source_id": np.concatenate([source, source]),
            "code_id": np.concatenate([code, code]),
            "coder": ["artem"] * half + ["dasha"] * (size - half),
            "start": np.concatenate([start, np.maximum(start + shift, 0)]),
            "end": np.concatenate([end, end + shift]),
            "quote": "",
            "memo": "",
        }
    )
    return frame


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000, 200_000])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"{'codings':>9} {'passages':>9} {'best s':>8}")
    for size in args.sizes:
        frame = frame_of(size)
        times = []
        for _ in range(args.repeat):
            began = time.perf_counter()
            merged = merge_passages(frame)
            times.append(time.perf_counter() - began)
        print(f"{size:>9} {len(merged):>9} {min(times):>8.3f}")


if __name__ == "__main__":
    main()
