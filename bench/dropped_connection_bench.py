"""A request on a PostgreSQL connection that the network dropped without a word.

    sudo DATABASE_URL=postgres://postgres@127.0.0.1:5432/parley \\
        .venv/bin/python bench/dropped_connection_bench.py [--drop-seconds 45]

Needs root and iptables, and a database reached over TCP on this machine (loopback). For
each of two connections made from a web process's settings (as configured, `config.web`,
and with `tcp_user_timeout` 0, the kernel's own behaviour), the script runs a statement, then drops
every packet the server sends to that connection (`iptables -I INPUT -i lo -p tcp --dport
<the connection's port> -j DROP`), as a firewall or NAT that forgot the connection would,
and runs another statement. It prints how long that statement took to fail (or to be
answered, once the drop is lifted after --drop-seconds). The rule is removed in every case.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.db import connections  # noqa: E402

from config.web import serve_web  # noqa: E402

serve_web()


def one(options: dict, drop_seconds: float) -> str:
    base = connections["default"]
    settings = {**base.settings_dict, "OPTIONS": {**base.settings_dict["OPTIONS"], **options}}
    kept = type(base)(settings, "dropped")
    kept.ensure_connection()
    try:
        with kept.cursor() as cursor:
            cursor.execute("SELECT 1")
        probe = socket.socket(fileno=os.dup(kept.connection.pgconn.socket))
        port = probe.getsockname()[1]
        probe.close()
        rule = ["INPUT", "-i", "lo", "-p", "tcp", "--dport", str(port), "-j", "DROP"]
        subprocess.run(["iptables", "-I", *rule], check=True)
        lifted = threading.Timer(drop_seconds, subprocess.run, [["iptables", "-D", *rule]])
        lifted.start()
        started = time.perf_counter()
        try:
            with kept.cursor() as cursor:
                cursor.execute("SELECT 1")
            outcome = "answered after the drop was lifted"
        except Exception as error:  # noqa: BLE001 - the failure is the figure
            outcome = f"failed: {type(error).__name__}: {str(error).splitlines()[0][:80]}"
        seconds = time.perf_counter() - started
        lifted.cancel()
        subprocess.run(["iptables", "-D", *rule], capture_output=True)
        return f"{seconds:6.1f} s  {outcome}"
    finally:
        kept.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drop-seconds", type=float, default=45)
    args = parser.parse_args()
    if connections["default"].vendor != "postgresql":
        sys.exit("DATABASE_URL must name a PostgreSQL database reached over TCP")
    configured = connections["default"].settings_dict["OPTIONS"].get("tcp_user_timeout")
    print(f"drop lifted after {args.drop_seconds:.0f} s")
    print(f"tcp_user_timeout {configured} ms (as configured): {one({}, args.drop_seconds)}")
    print(
        f"tcp_user_timeout 0 (the kernel's):      {one({'tcp_user_timeout': 0}, args.drop_seconds)}"
    )


if __name__ == "__main__":
    main()
