"""Debian's nginx for tests, run on a free port from a configuration the test writes
(`apt-get install nginx-light`; tests skip where it is missing)."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


def block(text: str, opening: str) -> str:
    """The `location … { … }` block that starts with `opening`, braces matched."""
    start = text.index(opening)
    depth = 0
    for at in range(start, len(text)):
        if text[at] == "{":
            depth += 1
        elif text[at] == "}":
            depth -= 1
            if depth == 0:
                return text[start : at + 1]
    raise AssertionError(f"{opening!r} is not closed")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serving(folder: Path, server: str):
    """nginx with one server whose directives (after `listen`) are `server`; yields its
    address and stops it afterwards. Its files and logs are in `folder`."""
    port = free_port()
    for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi", "logs"):
        (folder / name).mkdir()
    conf = folder / "nginx.conf"
    # Run as root (a container), the workers would be `nobody`, who may not read the test's
    # private folders.
    user = "user root;" if os.geteuid() == 0 else ""
    conf.write_text(
        f"""
{user}
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/logs/error.log;
events {{}}
http {{
  include /etc/nginx/mime.types;
  access_log {folder}/logs/access.log;
  client_body_temp_path {folder}/body;
  proxy_temp_path {folder}/proxy;
  fastcgi_temp_path {folder}/fastcgi;
  uwsgi_temp_path {folder}/uwsgi;
  scgi_temp_path {folder}/scgi;
  server {{
    listen 127.0.0.1:{port};
    {server}
  }}
}}
"""
    )
    run = [NGINX, "-e", str(folder / "logs" / "error.log"), "-c", str(conf)]
    checked = subprocess.run([*run, "-t"], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    subprocess.run(run, check=True)
    pid_file = folder / "nginx.pid"
    for _ in range(50):
        if pid_file.exists() and pid_file.read_text().strip():
            break
        time.sleep(0.1)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        subprocess.run([*run, "-s", "stop"], check=False)
