"""Parley beside Taguette 1.5.2 on the same machine and the same generated documents.

    .venv/bin/python bench/peer_bench.py [--rounds 3] [--sizes 8000 50000 200000]
        [--postgres postgres://postgres@127.0.0.1:5432/parley] [--no-preload] [--one-pool]
        [--client requests]

Taguette (pinned 1.5.2) is installed by the script into its own virtualenv under
bench/.peer/ (git-ignored) the first time, with `python -m venv` and pip. Three servers run
side by side on loopback ports: Taguette's own (one Tornado process, SQLite), and Parley
under gunicorn with deploy/gunicorn.conf.py, on SQLite and on PostgreSQL (a database
`<name>_peerbench` next to the one --postgres names, created and dropped here; leave
--postgres out to skip it). Parley runs as deploy/ runs it: two pools (config/pools.py), the
interactive one of 2 workers and the files and reports one (one process), each request sent
to the pool nginx would send it to (here: the import to the second, everything else to the
first). `--one-pool` runs one gunicorn of 2 workers serving and preloading everything
(PARLEY_POOL unset). `--no-preload` starts Parley without gunicorn's preload_app
(PARLEY_PRELOAD_APP=0), each worker loading the application itself.

Each round visits the systems in a rotated order and, for each document size, measures:
- import one document, until its text is codable: Taguette's one upload (HTML, as Taguette
  reads .txt only through Calibre); Parley's upload, the review page and its confirmation,
  the requests a browser sends (speakers mapped as the page preselects them);
- open a document: the page and the data its script loads first (Taguette: the page, the
  document's highlights and its contents; Parley: the coding page, which carries the first
  piece of the text, the outline and the codings, and whatever of those it does not carry);
- create a coding (a highlight) of a random passage with one code (tag), as the coding page
  sends it;
- open the document again once it has those codings ("open coded", printed beside the
  targets, which are of the first openings);
- after the round, the resident memory of each system's web processes: RSS summed, and PSS
  summed (shared pages counted once across the processes); for Parley, the 2 workers the
  target names (of the interactive pool), the files and reports pool, and all of them.

It prints p50/p95 per operation and size over all rounds, the ratios the targets name, and
the load average before and after.

The timed requests of opening and coding go through `http.client` on one connection per
system, kept open while the server keeps it (Taguette does; gunicorn's sync workers close
each), as a browser holds its connection: the client's own work is then a small part of
each figure. `--client requests` times them through `requests.Session` instead, whose own
work per request measured 0.8 to 2.7 ms here (bench/README.md, "The client's share"). Logging
in, creating the project and importing always go through `requests`.
"""

from __future__ import annotations

import argparse
import html
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))

import benchenv  # noqa: E402
from import_bench import make_transcripts  # noqa: E402

from config.pools import FILES_AND_REPORTS, pool_of  # noqa: E402

PEER = Path(__file__).resolve().parent / ".peer"
TAGUETTE_VERSION = "1.5.2"
PASSWORD = "peer-bench-password"


# ---- processes ----------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode}")
        try:
            requests.get(url, timeout=10)
            return
        except requests.RequestException:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer in {seconds} s")


def process_tree(pid: int) -> list[int]:
    """The process and its children (gunicorn's master and its workers)."""
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                children.append(int(entry.name))
    return [pid, *children]


def memory_mb(pid: int) -> tuple[float, float]:
    """(RSS, PSS) of one process in MB."""
    values = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value, *_ = line.split()
        values[name.rstrip(":")] = int(value)
    return values["Rss"] / 1024, values["Pss"] / 1024


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def fresh_database(url: str, suffix: str) -> str:
    """A new, empty PostgreSQL database `<name>_<suffix>` beside the one `url` names (one an
    earlier run left is dropped first): its URL."""
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}_{suffix}"')
        admin.execute(f'CREATE DATABASE "{name}_{suffix}"')
    return f"{base}/{name}_{suffix}"


def drop_database(url: str, suffix: str) -> None:
    """Drop what `fresh_database(url, suffix)` made, its connections closed."""
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}_{suffix}" WITH (FORCE)')


def load() -> str:
    return Path("/proc/loadavg").read_text().strip()


class Lean:
    """HTTP requests through `http.client` on one connection, kept while the server keeps it
    open and opened again when it closes it, with the cookies of a `requests.Session`."""

    def __init__(self, base: str, session: requests.Session):
        host, port = base.split("//", 1)[1].split(":")
        self.connection = http.client.HTTPConnection(host, int(port), timeout=120)
        self.session = session

    def request(self, method: str, path: str, body=None, headers=None) -> tuple[int, bytes]:
        sent = {"Cookie": "; ".join(f"{c.name}={c.value}" for c in self.session.cookies)}
        if body is not None:
            body = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        sent.update(headers or {})
        reused = self.connection.sock is not None
        try:
            self.connection.request(method, path, body, sent)
            answer = self.connection.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            if not reused:
                raise
            # The server closed the kept connection while it was idle: send on a new one.
            self.connection.close()
            self.connection.request(method, path, body, sent)
            answer = self.connection.getresponse()
        content = answer.read()
        if answer.will_close:
            self.connection.close()
        return answer.status, content

    def close(self) -> None:
        self.connection.close()


class Server:
    """What the two systems' clients share: a `requests.Session` (`http`, logged in) and the
    client of the timed requests (`lean`; None: `http`)."""

    base: str
    http: requests.Session
    process: subprocess.Popen
    lean: Lean | None = None

    def time_with(self, client: str) -> None:
        self.lean = Lean(self.base, self.http) if client == "http" else None

    def get(self, path: str) -> bytes:
        if self.lean is None:
            answer = self.http.get(self.base + path)
            answer.raise_for_status()
            return answer.content
        status, content = self.lean.request("GET", path)
        if status != 200:
            raise RuntimeError(f"{path} answered {status}")
        return content

    def files_processes(self) -> list[int]:
        """The processes of Parley's files and reports pool (none elsewhere)."""
        return []

    def close(self) -> None:
        if self.lean is not None:
            self.lean.close()
        stop(self.process)


# ---- Taguette -----------------------------------------------------------------------------
def taguette_python() -> Path:
    """The virtualenv's interpreter, with Taguette installed in it."""
    venv = PEER / "venv"
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    found = subprocess.run(
        [str(python), "-c", "import importlib.metadata as m; print(m.version('taguette'))"],
        capture_output=True,
        text=True,
    )
    if found.stdout.strip() != TAGUETTE_VERSION:
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", f"taguette=={TAGUETTE_VERSION}"],
            check=True,
        )
    return python


class Taguette(Server):
    name = "Taguette"

    def __init__(self, scratch: Path):
        python = taguette_python()
        self.port = free_port()
        database = f"sqlite:///{scratch / 'taguette.sqlite3'}"
        config = scratch / "taguette-config.py"
        config.write_text(
            f"NAME = 'Peer bench'\nPORT = {self.port}\nBIND_ADDRESS = '127.0.0.1'\n"
            f"SECRET_KEY = {os.urandom(16).hex()!r}\nDATABASE = {database!r}\n"
            "TOS_FILE = None\nDOMAIN = '127.0.0.1'\nX_HEADERS = False\nEMAIL = 'a@b.c'\n"
            "MAIL_SERVER = {'host': 'localhost', 'port': 25}\nCOOKIES_PROMPT = False\n"
            "MULTIUSER = True\nREGISTRATION_ENABLED = False\n"
            "HTML_OUT_SIZE_LIMIT = 50000000\n"
        )
        # The admin account, made before the server starts (it would ask for a password).
        subprocess.run(
            [
                str(python),
                "-c",
                "import asyncio, sys; from taguette import database\n"
                "db = database.connect(sys.argv[1])()\n"
                "user = database.User(login='admin')\n"
                "asyncio.run(user.set_password(sys.argv[2]))\n"
                "db.add(user); db.commit()",
                database,
                PASSWORD,
            ],
            check=True,
            capture_output=True,
        )
        log = open(scratch / "taguette.log", "w")  # noqa: SIM115
        self.process = subprocess.Popen(
            [str(python), "-m", "taguette.main", "server", str(config)],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.base = f"http://127.0.0.1:{self.port}"
        wait_for(f"{self.base}/health", self.process)
        self.http = requests.Session()
        self.http.get(f"{self.base}/login")
        self.http.post(
            f"{self.base}/login",
            data={"login": "admin", "password": PASSWORD, "next": "/", "_xsrf": self.xsrf},
        ).raise_for_status()
        answer = self.http.post(
            f"{self.base}/project/new",
            data={"name": "Bench", "description": "", "_xsrf": self.xsrf},
            allow_redirects=False,
        )
        self.project = int(answer.headers["Location"].rstrip("/").rsplit("/", 1)[1])
        tag = self.api("POST", "tag/new", {"path": "bench", "description": ""})
        self.code = tag["id"]

    @property
    def xsrf(self) -> str:
        return self.http.cookies["_xsrf"]

    def api(self, method: str, path: str, body=None):
        answer = self.http.request(
            method,
            f"{self.base}/api/project/{self.project}/{path}",
            data=None if body is None else json.dumps(body),
            headers={"X-XSRFToken": self.xsrf, "Content-Type": "application/json"},
        )
        answer.raise_for_status()
        return answer.json() if answer.content else None

    def import_document(self, title: str, text: str) -> tuple[int, int]:
        """(document id, length of its text in Taguette's offsets)."""
        paragraphs = [p for p in text.split("\n\n") if p]
        body = "".join(f"<p>{html.escape(p)}</p>\n" for p in paragraphs).encode("utf-8")
        answer = self.http.post(
            f"{self.base}/api/project/{self.project}/document/new",
            data={"name": title, "description": "", "_xsrf": self.xsrf},
            files={"file": (f"{title}.html", body, "text/html")},
            headers={"X-XSRFToken": self.xsrf},
        )
        answer.raise_for_status()
        return answer.json()["created"], sum(len(p) for p in paragraphs)

    def open_document(self, document: int) -> int:
        size = 0
        for path in (
            f"/project/{self.project}/document/{document}",
            f"/api/project/{self.project}/document/{document}",
            f"/api/project/{self.project}/document/{document}/contents",
        ):
            size += len(self.get(path))
        return size

    def create_coding(self, document: int, start: int, end: int) -> None:
        path = f"document/{document}/highlight/new"
        body = {"start_offset": start, "end_offset": end, "tags": [self.code]}
        if self.lean is None:
            self.api("POST", path, body)
            return
        status, content = self.lean.request(
            "POST", f"/api/project/{self.project}/{path}", body, {"X-XSRFToken": self.xsrf}
        )
        if status != 200:
            raise RuntimeError(f"highlight answered {status}: {content[:200]!r}")

    def processes(self) -> list[int]:
        return [self.process.pid]


# ---- Parley -------------------------------------------------------------------------------
SETUP = """
import json
from django.contrib.auth import get_user_model
from coding.models import Code

from interviews.services import project_create
user = get_user_model().objects.create_user("bench", password=%r)
project = project_create(user=user, name="Bench")

code = Code.objects.create(project=project, name="bench")
print(json.dumps({"project": project.pk, "code": code.pk}))
"""


def _gunicorn(env: dict[str, str], log: Path) -> subprocess.Popen:
    command = [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py"]
    return subprocess.Popen(
        [*command, "--access-logfile", "/dev/null", "config.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(log, "w"),  # noqa: SIM115
        start_new_session=True,
    )


class Parley(Server):
    def __init__(
        self, scratch: Path, static_root: Path, database_url: str, preload: bool, pools: bool
    ):
        self.name = "Parley " + ("PostgreSQL" if database_url.startswith("postgres") else "SQLite")
        data = scratch / self.name.split()[1].lower()
        data.mkdir()
        self.env = {
            **os.environ,
            "DEBUG": "0",
            "SECRET_KEY": "bench-only-not-a-secret",
            "SECURE_SSL_REDIRECT": "0",
            "SESSION_COOKIE_SECURE": "0",
            "CSRF_COOKIE_SECURE": "0",
            "SECURE_HSTS_SECONDS": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "PARLEY_DATA_DIR": str(data),
            "STATIC_ROOT": str(static_root),
            "DATABASE_URL": database_url,
            "PARLEY_WEB_WORKERS": "2",
            "PARLEY_PRELOAD_APP": "1" if preload else "0",
            "LOG_LEVEL": "WARNING",
            "AXES_ENABLED": "0",
        }
        manage = [sys.executable, "manage.py"]
        for command in (["migrate", "-v", "0"], ["createcachetable"]):
            subprocess.run([*manage, *command], cwd=ROOT, env=self.env, check=True)
        made = subprocess.run(
            [*manage, "shell", "-c", SETUP % PASSWORD],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
        )
        ids = json.loads(made.stdout.strip().splitlines()[-1])
        self.project, self.code = ids["project"], ids["code"]
        self.port = free_port()
        self.env["PARLEY_BIND"] = f"127.0.0.1:{self.port}"
        # Two pools as deploy/ runs them (config/pools.py), the files and reports pool on a
        # port of its own, sent what nginx would send it; one pool (--one-pool): PARLEY_POOL
        # unset, one gunicorn serving and preloading everything.
        self.files_process: subprocess.Popen | None = None
        self.files_base = ""
        if pools:
            files_port = free_port()
            self.files_process = _gunicorn(
                {
                    **self.env,
                    "PARLEY_POOL": "files",
                    "PARLEY_FILES_BIND": f"127.0.0.1:{files_port}",
                },
                data / "gunicorn-files.log",
            )
            self.files_base = f"http://127.0.0.1:{files_port}"
            self.env["PARLEY_POOL"] = "interactive"
        self.process = _gunicorn(self.env, data / "gunicorn.log")
        self.base = f"http://127.0.0.1:{self.port}"
        wait_for(f"{self.base}/accounts/login/", self.process)
        if self.files_process is not None:
            wait_for(f"{self.files_base}/accounts/login/", self.files_process)
        # Both workers answer before any timing starts.
        time.sleep(2)
        self.http = requests.Session()
        self.http.get(f"{self.base}/accounts/login/").raise_for_status()
        self.http.post(
            f"{self.base}/accounts/login/",
            data={"username": "bench", "password": PASSWORD, "csrfmiddlewaretoken": self.csrf},
            headers={"Referer": f"{self.base}/accounts/login/"},
        ).raise_for_status()
        self.headers = {"X-CSRFToken": self.csrf, "Referer": self.base + "/"}

    @property
    def csrf(self) -> str:
        return self.http.cookies["csrftoken"]

    def address(self, path: str) -> str:
        """Where nginx would send a request for `path`."""
        if self.files_process is not None and pool_of(path) == FILES_AND_REPORTS:
            return self.files_base + path
        return self.base + path

    def import_document(self, title: str, text: str) -> tuple[int, int]:
        url = self.address(f"/projects/{self.project}/sources/import/")
        answer = self.http.post(
            url,
            data={"language": "en", "kind": "interview", "csrfmiddlewaretoken": self.csrf},
            files={"files": (f"{title}.txt", text.encode("utf-8"), "text/plain")},
            headers=self.headers,
            allow_redirects=False,
        )
        if answer.status_code != 302:
            raise RuntimeError(f"upload answered {answer.status_code}")
        review = self.address(answer.headers["Location"])
        page = self.http.get(review)
        page.raise_for_status()
        form = {
            "title": title,
            "language": "en",
            "kind": "interview",
            "csrfmiddlewaretoken": self.csrf,
        }
        for name, options in re.findall(
            r'<select name="(speaker_\d+)"[^>]*>(.*?)</select>', page.text, re.S
        ):
            chosen = re.search(r'<option value="([^"]*)"[^>]*selected', options)
            form[name] = chosen.group(1) if chosen else ""
        # As a browser sends the form (multipart, its recording field left empty).
        answer = self.http.post(
            review,
            data=form,
            files={"recording": ("", b"", "application/octet-stream")},
            headers=self.headers,
            allow_redirects=False,
        )
        if answer.status_code != 302:
            raise RuntimeError(f"review answered {answer.status_code}")
        source = int(re.search(r"/sources/(\d+)/", answer.headers["Location"]).group(1))
        return source, len(text)

    def open_document(self, source: int) -> int:
        page = self.get(f"/projects/{self.project}/sources/{source}/code/")
        size = len(page)
        # What the page's script asks for before the text shows (static/js/workspace.js,
        # startPage): what the page does not carry already (`first` in its data).
        carried = benchenv.page_data(page).get("first", {})
        api = f"/api/v1/projects/{self.project}/sources/{source}"
        for name, path, query in (
            ("pieces", "pieces/", {"start": 0, "end": 0, "outline": "true"}),
            ("codings", "codings/", {}),
        ):
            if name not in carried:
                size += len(self.get(f"{api}/{path}" + (f"?{urlencode(query)}" if query else "")))
        return size

    def create_coding(self, source: int, start: int, end: int) -> None:
        path = f"/api/v1/projects/{self.project}/sources/{source}/codings/"
        body = {"code": self.code, "start": start, "end": end}
        if self.lean is None:
            answer = self.http.post(self.base + path, json=body, headers=self.headers)
            status, content = answer.status_code, answer.content
        else:
            status, content = self.lean.request("POST", path, body, self.headers)
        if status != 201:
            raise RuntimeError(f"coding answered {status}: {content[:200]!r}")

    def processes(self) -> list[int]:
        return process_tree(self.process.pid)

    def files_processes(self) -> list[int]:
        return [] if self.files_process is None else process_tree(self.files_process.pid)

    def close(self) -> None:
        super().close()
        if self.files_process is not None:
            stop(self.files_process)


# ---- the run ------------------------------------------------------------------------------
@dataclass
class Memory:
    """MB after a round: every web process (both pools, masters included), the workers of
    the interactive pool (of the one pool), and the files and reports pool (0: none)."""

    rss: float
    pss: float
    workers_rss: float
    workers_pss: float
    files_rss: float = 0.0
    files_pss: float = 0.0


@dataclass
class Figures:
    times: dict[tuple[str, str, int], list[float]] = field(default_factory=dict)
    memory: dict[str, list[Memory]] = field(default_factory=dict)
    weight: dict[tuple[str, int], int] = field(default_factory=dict)

    def add(self, system: str, operation: str, words: int, seconds: float) -> None:
        self.times.setdefault((system, operation, words), []).append(seconds * 1000)

    def p(self, system: str, operation: str, words: int, q: float) -> float | None:
        values = sorted(self.times.get((system, operation, words), []))
        if not values:
            return None
        return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def timed(call, *args):
    started = time.perf_counter()
    result = call(*args)
    return time.perf_counter() - started, result


def word_spans(text: str, count: int, rng: random.Random, limit: int) -> list[tuple[int, int]]:
    starts = [m.start() for m in re.finditer(r"\b\w", text[: max(0, limit - 200)])]
    spans = []
    for _ in range(count):
        start = rng.choice(starts)
        spans.append((start, start + rng.randint(20, 160)))
    return spans


def measure(system, figures: Figures, texts: dict[int, str], args, rng, label: str) -> None:
    for words, text in texts.items():
        seconds, (document, length) = timed(system.import_document, f"{label} {words}", text)
        figures.add(system.name, "import", words, seconds)
        for _ in range(args.opens):
            seconds, size = timed(system.open_document, document)
            figures.add(system.name, "open", words, seconds)
            figures.weight[(system.name, words)] = size
        for start, end in word_spans(text, args.codings, rng, length):
            seconds, _ = timed(system.create_coding, document, start, end)
            figures.add(system.name, "coding", words, seconds)
        # The document opened again with its codings (the page and the highlights it loads
        # carry them): beside the targets, which name the first openings.
        for _ in range(args.opens):
            seconds, _ = timed(system.open_document, document)
            figures.add(system.name, "open coded", words, seconds)
    rss = pss = workers_rss = workers_pss = files_rss = files_pss = 0.0
    pids = system.processes()
    for index, pid in enumerate(pids):
        one_rss, one_pss = memory_mb(pid)
        rss, pss = rss + one_rss, pss + one_pss
        if index or len(pids) == 1:
            workers_rss, workers_pss = workers_rss + one_rss, workers_pss + one_pss
    for pid in system.files_processes():
        one_rss, one_pss = memory_mb(pid)
        files_rss, files_pss = files_rss + one_rss, files_pss + one_pss
    figures.memory.setdefault(system.name, []).append(
        Memory(rss + files_rss, pss + files_pss, workers_rss, workers_pss, files_rss, files_pss)
    )


def report(figures: Figures, systems: list[str], sizes: list[int]) -> None:
    print("\noperation            words   " + "".join(f"{s:>26}" for s in systems))
    for operation in ("coding", "open", "open coded", "import"):
        for words in sizes:
            cells = []
            for system in systems:
                p50 = figures.p(system, operation, words, 0.5)
                p95 = figures.p(system, operation, words, 0.95)
                cells.append("—" if p50 is None else f"{p50:8.1f} / {p95:7.1f} ms")
            print(f"{operation:<20} {words:>7,}  " + "".join(f"{c:>26}" for c in cells))
    print("(p50 / p95; " + ", ".join(f"{k}: n={n}" for k, n in _counts(figures)) + ")")
    print("\npage weight (page + first data), KB:")
    for words in sizes:
        print(
            f"  {words:>7,} words: "
            + ", ".join(f"{s} {figures.weight.get((s, words), 0) / 1024:,.0f}" for s in systems)
        )
    print("\nmemory of the web processes after each round, MB (RSS sum / PSS sum):")
    for system in systems:
        rounds = figures.memory.get(system, [])
        files = (
            "   files and reports pool: "
            + "; ".join(f"{m.files_rss:.0f} / {m.files_pss:.0f}" for m in rounds)
            if any(m.files_rss for m in rounds)
            else ""
        )
        print(
            f"  {system:<18} all: "
            + "; ".join(f"{m.rss:.0f} / {m.pss:.0f}" for m in rounds)
            + "   workers only: "
            + "; ".join(f"{m.workers_rss:.0f} / {m.workers_pss:.0f}" for m in rounds)
            + files
        )
    taguette = "Taguette"
    print("\nratios (Taguette p50 / Parley p50; targets in brackets):")
    for system in systems:
        if system == taguette:
            continue
        for operation, words, target in (
            ("coding", 8000, "≥ 4"),
            ("coding", 50000, "≥ 15"),
            ("open", 50000, "≥ 2"),
            ("open coded", 50000, "no target"),
            ("import", 8000, "≥ 1"),
            ("import", 50000, "≥ 1"),
        ):
            ours = figures.p(system, operation, words, 0.5)
            theirs = figures.p(taguette, operation, words, 0.5)
            if ours and theirs:
                print(
                    f"  {system:<18} {operation:<10} {words:>7,} words: "
                    f"{theirs / ours:5.2f}× faster [{target}]"
                )
        small, large = figures.p(system, "open", 8000, 0.5), figures.p(system, "open", 200000, 0.5)
        if small and large:
            print(f"  {system:<18} open 200k / open 8k: {large / small:5.2f} [≤ 1.2]")
        mine = figures.memory.get(system)
        peer = figures.memory.get(taguette)
        if mine and peer:
            workers = statistics.median(m.workers_rss for m in mine)
            workers_pss = statistics.median(m.workers_pss for m in mine)
            everything = statistics.median(m.rss for m in mine)
            everything_pss = statistics.median(m.pss for m in mine)
            files = statistics.median(m.files_rss for m in mine)
            theirs = statistics.median(m.rss for m in peer)
            pools = "interactive pool's " if files else ""
            print(
                f"  {system:<18} memory: {pools}2 workers RSS {workers:.0f} MB = "
                f"{workers / theirs:4.2f}× Taguette's {theirs:.0f} MB [≤ 1.5]; "
                f"PSS workers {workers_pss:.0f} MB, with master{'s' if files else ''} "
                f"{everything_pss:.0f} MB"
            )
            if files:
                print(
                    f"  {system:<18} memory: files and reports pool RSS {files:.0f} MB; every "
                    f"web process RSS {everything:.0f} MB = {everything / theirs:4.2f}× Taguette's"
                )


def _counts(figures: Figures):
    seen = {}
    for (_, operation, _), values in figures.times.items():
        seen[operation] = max(seen.get(operation, 0), len(values))
    return sorted(seen.items())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sizes", type=int, nargs="+", default=[8000, 50000, 200000])
    parser.add_argument("--codings", type=int, default=30, help="codings per document a round")
    parser.add_argument("--opens", type=int, default=5, help="opens per document a round")
    parser.add_argument("--postgres", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument(
        "--no-preload", dest="preload", action="store_false", help="no gunicorn preload_app"
    )
    parser.add_argument(
        "--one-pool",
        dest="pools",
        action="store_false",
        help="one gunicorn serving everything (PARLEY_POOL unset) instead of the two pools",
    )
    parser.add_argument(
        "--client",
        choices=["http", "requests"],
        default="http",
        help="the client of the timed requests (opening, coding): http.client or requests",
    )
    args = parser.parse_args()
    print(f"load average before: {load()}")
    scratch = Path(tempfile.mkdtemp(prefix="parley-peer-"))
    static_root = scratch / "static"
    benchenv.collect_static(static_root)
    systems = []
    peer_db = ""
    try:
        systems.append(Taguette(scratch))
        systems.append(
            Parley(
                scratch,
                static_root,
                f"sqlite:///{scratch}/parley.sqlite3",
                args.preload,
                args.pools,
            )
        )
        if args.postgres:
            # Set once the database exists: the cleanup below drops only what this run made.
            peer_db = fresh_database(args.postgres, "peerbench")
            systems.append(Parley(scratch, static_root, peer_db, args.preload, args.pools))
        for system in systems:
            system.time_with(args.client)
        figures = Figures()
        rng = random.Random(18)
        for number in range(args.rounds):
            order = systems[number % len(systems) :] + systems[: number % len(systems)]
            for system in order:
                seed = 1000 * number + len(system.name)
                texts = {w: make_transcripts(1, w, seed=seed + w)[0] for w in args.sizes}
                measure(system, figures, texts, args, rng, f"Round {number + 1}")
            print(f"round {number + 1} done ({', '.join(s.name for s in order)}); load {load()}")
        report(figures, [s.name for s in systems], args.sizes)
        print(
            f"\n{args.rounds} rounds; Parley: gunicorn, deploy/gunicorn.conf.py, "
            + (
                "two pools (2 interactive workers, a files and reports process)"
                if args.pools
                else "one pool of 2 workers"
            )
            + f"{', preload_app' if args.preload else ', no preload_app'}; timed requests "
            + ("through http.client" if args.client == "http" else "through requests")
        )
    finally:
        for system in systems:
            system.close()
        if peer_db:
            drop_database(args.postgres, "peerbench")
        if not os.environ.get("PEER_KEEP"):
            shutil.rmtree(scratch, ignore_errors=True)
        print(f"load average after: {load()}")


if __name__ == "__main__":
    main()
