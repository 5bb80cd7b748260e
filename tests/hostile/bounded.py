"""Run one hostile case in a fresh process under a memory and CPU bound.

The bounds are structural guards, far above what a correct reader needs and far below what
the attack would take: a reader that inflates a bomb fails with MemoryError, one that goes
quadratic is killed by the CPU limit, and the test says which.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

_CHILD = r"""
import importlib, json, os, resource, sys, time
os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
import django
django.setup()
module, name, *arguments = sys.argv[1].split(":")
action = getattr(importlib.import_module(module), name)(*arguments)  # builds its input, unbounded
with open("/proc/self/status") as status:
    size_kb = next(int(line.split()[1]) for line in status if line.startswith("VmSize:"))
memory = (size_kb * 1024) + int(sys.argv[2]) * 1024 * 1024
resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
used = resource.getrusage(resource.RUSAGE_SELF)
cpu = int(used.ru_utime + used.ru_stime) + int(sys.argv[3])
resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
started = time.process_time()
try:
    value = action()
    out = {"outcome": "returned", "value": value}
except MemoryError:
    out = {"outcome": "MemoryError"}
except Exception as error:
    out = {"outcome": type(error).__name__, "message": str(error)[:500]}
out["cpu_seconds"] = round(time.process_time() - started, 3)
print("RESULT " + json.dumps(out, default=str))
"""


def run_bounded(case: str, *, memory_mb: int, cpu_seconds: int) -> dict:
    """`case` names a function and its text arguments ("tests.hostile.cases:text:md:…")
    that builds its input and returns the action to bound; the action's result comes back
    as JSON."""
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, case, str(memory_mb), str(cpu_seconds)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=cpu_seconds * 10 + 120,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    assert done.returncode == 0 and lines, (
        f"{case} did not finish within {cpu_seconds} s of CPU and {memory_mb} MB "
        f"(exit {done.returncode}): {done.stderr[-2000:]}"
    )
    return json.loads(lines[-1].removeprefix("RESULT "))
