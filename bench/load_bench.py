"""Load benchmark of a team server: gunicorn and task workers, driven over HTTP.

    python bench/load_bench.py                                  # SQLite, every phase
    python bench/load_bench.py --database postgres://…/scratch --redis redis://127.0.0.1:6379/7
    python bench/load_bench.py --batch 6 --writers 8 --writes 50 --human 0 --saturation 0

It starts its own server on a scratch database (SQLite in a temporary folder unless
--database is given: that database is emptied): `manage.py migrate`, a project with 64
coders, one long transcript and a codebook; gunicorn with deploy/gunicorn.conf.py and
--web-workers workers (with --pools, as deploy/ runs it: those workers in the interactive
pool and a files and reports process beside them, the import and the pages it redirects
to each sent where nginx would send them, config/pools.py); --task-workers task workers
(`rqworker` on Redis with --redis, else `db_worker`). Then, in order:

- batch: one coder uploads a zip of --batch transcripts, starts the import and polls the
  job until it is done (every file imported, none failed);
- writes: --writers coders at once, --writes requests each: create codings, edit memos and
  spans, delete some; then every coder's codings are read back and compared with what the
  client knows it left: lost, duplicated, errors, and p50/p95 of each kind of request;
- human: --human coders at a human pace for --human-seconds (a coding every 5 s and a
  poll every 3 s each): p50/p95/p99;
- saturation: --saturation coders as fast as they can for --saturation-seconds:
  throughput, p95, errors.

It prints each figure and exits 1 on any error, lost or duplicated coding (the CI uses it).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PASSWORD = "load-bench-pw-2026"

from config.pools import FILES_AND_REPORTS, pool_of  # noqa: E402

SETUP = r"""
import json, sys
from django.contrib.auth import get_user_model
from coding.models import Code
from interviews.models import Membership, Project, Role, Source
coders = int(sys.argv[1])
User = get_user_model()
owner = User.objects.create_user("bench-admin", password=sys.argv[2])
project = Project.objects.create(name="Load bench", created_by=owner)
Membership.objects.create(project=project, user=owner, role=Role.ADMIN)
for i in range(coders):
    user = User.objects.create_user(f"coder{i}", password=sys.argv[2])
    Membership.objects.create(project=project, user=user, role=Role.CODER)
sentence = "Interviewer: How did the co-production with Harbin start?\n\nRespondent: It started at a festival in Minsk and money was always short, but the partners trusted each other.\n\n"
source = Source.objects.create(project=project, title="Long transcript", text=sentence * 400, created_by=owner)
codes = [Code.objects.create(project=project, name=f"Theme {i}", order=i).pk for i in range(12)]
print("SETUP " + json.dumps({"project": project.pk, "source": source.pk, "codes": codes, "text": source.text}))
"""


@dataclass
class Timings:
    samples: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, seconds: float, ok: bool, detail: str = "") -> None:
        with self.lock:
            self.samples.setdefault(kind, []).append(seconds)
            if not ok:
                self.errors.append(f"{kind}: {detail}"[:300])

    def all(self) -> list[float]:
        return [s for values in self.samples.values() for s in values]


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """A scratch instance: database, gunicorn, task workers."""

    def __init__(self, args):
        self.args = args
        self.folder = Path(tempfile.mkdtemp(prefix="parley-load-"))
        self.port = args.port or _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.files_port = _free_port() if args.pools else 0
        self.env = {
            **os.environ,
            "DEBUG": "0",
            "SECRET_KEY": "load-bench-secret-key-not-for-production-0123456789",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "0",
            "SESSION_COOKIE_SECURE": "0",
            "CSRF_COOKIE_SECURE": "0",
            "SECURE_HSTS_SECONDS": "0",
            "PARLEY_DATA_DIR": str(self.folder / "data"),
            "STATIC_ROOT": str(self.folder / "static"),
            "PARLEY_BIND": f"127.0.0.1:{self.port}",
            "PARLEY_WEB_WORKERS": str(args.web_workers),
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }
        self.env.pop("DATABASE_URL", None)
        if args.database:
            self.env["DATABASE_URL"] = args.database
        if args.redis:
            self.env["REDIS_URL"] = args.redis
            self.env["PARLEY_TASKS_BACKEND"] = "django_tasks_rq.RQBackend"
        self.processes: list[subprocess.Popen] = []

    def manage(self, *command: str, stdin: str | None = None) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            input=stdin,
        )
        if done.returncode:
            raise SystemExit(f"manage.py {' '.join(command)} failed:\n{done.stderr[-3000:]}")
        return done.stdout

    def prepare(self, coders: int) -> dict:
        if self.args.database:
            self.manage("migrate", "--noinput")
            self.manage("flush", "--noinput")
        self.manage("migrate", "--noinput")
        self.manage("createcachetable")
        self.manage("collectstatic", "--noinput")
        if self.args.redis:
            import redis

            redis.Redis.from_url(self.args.redis).flushdb()
        done = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", SETUP.replace("sys.argv[1]", str(coders)).replace("sys.argv[2]", repr(PASSWORD))],
            cwd=ROOT, env=self.env, capture_output=True, text=True,
        )  # fmt: skip
        line = next((x for x in done.stdout.splitlines() if x.startswith("SETUP ")), None)
        if line is None:
            raise SystemExit(f"setup failed:\n{done.stderr[-3000:]}")
        return json.loads(line.removeprefix("SETUP "))

    def address(self, path: str) -> str:
        """Where nginx would send a request for `path` (config/pools.py)."""
        if self.files_port and pool_of(path) == FILES_AND_REPORTS:
            return f"http://127.0.0.1:{self.files_port}{path}"
        return self.url + path

    def followed(self, http: requests.Session, response: requests.Response) -> requests.Response:
        """`response` with its redirects followed as a browser behind nginx follows them: each
        address to the pool nginx would send it to."""
        while response.is_redirect:
            target = urlsplit(urljoin(response.url, response.headers["Location"]))
            path = target.path + (f"?{target.query}" if target.query else "")
            response = http.get(self.address(path), timeout=120, allow_redirects=False)
        response.raise_for_status()
        return response

    def start(self) -> None:
        gunicorn = [
            str(Path(sys.executable).with_name("gunicorn")),
            *("-c", "deploy/gunicorn.conf.py", "config.wsgi"),
        ]
        if self.files_port:
            self._spawn(gunicorn, PARLEY_POOL="interactive")
            self._spawn(
                gunicorn, PARLEY_POOL="files", PARLEY_FILES_BIND=f"127.0.0.1:{self.files_port}"
            )
        else:
            self._spawn(gunicorn)
        worker = (
            ["rqworker", "--job-class", "django_tasks_rq.Job", "default"]
            if self.args.redis
            else ["db_worker"]
        )
        for _ in range(self.args.task_workers):
            self._spawn([sys.executable, "manage.py", *worker])
        addresses = [self.url] + (
            [f"http://127.0.0.1:{self.files_port}"] if self.files_port else []
        )
        for number, address in enumerate(addresses):
            for _ in range(600):
                if self.processes[number].poll() is not None:
                    raise SystemExit(f"gunicorn stopped; see {self.folder}/process-{number}.log")
                try:
                    if requests.get(f"{address}/accounts/login/", timeout=2).status_code == 200:
                        break
                except requests.RequestException:
                    pass
                time.sleep(0.2)
            else:
                raise SystemExit("the server did not start")

    def _spawn(self, command: list[str], **env: str) -> None:
        log = open(self.folder / f"process-{len(self.processes)}.log", "w")  # noqa: SIM115
        self.processes.append(
            subprocess.Popen(
                command, cwd=ROOT, env={**self.env, **env}, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )  # fmt: skip

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


class Coder:
    """One logged-in browser: a session with its CSRF token."""

    def __init__(self, server: Server, username: str, setup: dict, timings: Timings):
        self.server, self.setup, self.timings = server, setup, timings
        self.http = requests.Session()
        login = f"{server.url}/accounts/login/"
        self.http.get(login, timeout=30)
        token = self.http.cookies["csrftoken"]
        response = self.http.post(
            login,
            {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
            headers={"Referer": login},
            timeout=30,
        )
        if "sessionid" not in self.http.cookies:
            raise SystemExit(
                f"{username} could not log in ({response.status_code} {response.url}, "
                f"{dict(self.http.cookies)}): {response.text[:3000]}"
            )
        self.headers = {"X-CSRFToken": self.http.cookies["csrftoken"]}
        self.api = (
            f"{server.url}/api/v1/projects/{setup['project']}/sources/{setup['source']}/codings/"
        )
        self.one = f"{server.url}/api/v1/projects/{setup['project']}/codings/"
        self.words = [m.span() for m in re.finditer(r"\w+", setup["text"])]
        self.mine: dict[int, tuple] = {}  # id → (code, start, end) of the codings it left
        # As the coding page does: it loads the codings and their cursor, then polls since.
        self.cursor = self.http.get(self.api, params={"quotes": "0"}, timeout=120).json()["cursor"]

    def _call(self, kind: str, method: str, url: str, expect: int, **kwargs):
        started = time.perf_counter()
        try:
            response = self.http.request(method, url, headers=self.headers, timeout=60, **kwargs)
            ok = response.status_code == expect
            detail = f"{response.status_code} {response.text[:120]}"
        except requests.RequestException as error:
            response, ok, detail = None, False, str(error)
        self.timings.add(kind, time.perf_counter() - started, ok, detail)
        return response if ok else None

    def create(self) -> None:
        # A passage this coder already holds with the same code is refused (409) by design:
        # draw again rather than count that as an error.
        while True:
            first = random.randrange(len(self.words) - 6)
            start, end = self.words[first][0], self.words[first + random.randint(0, 5)][1]
            key = (random.choice(self.setup["codes"]), start, end)
            if key not in self.mine.values():
                break
        body = {"code": key[0], "start": start, "end": end, "quote": self.setup["text"][start:end]}
        response = self._call("create", "POST", self.api, 201, json=body)
        if response is not None:
            data = response.json()
            self.mine[data["id"]] = key

    def edit(self) -> None:
        if self.mine:
            pk = random.choice(list(self.mine))
            self._call("edit", "PATCH", f"{self.one}{pk}/", 200, json={"memo": f"memo {pk}"})

    def delete(self) -> None:
        if self.mine:
            pk = random.choice(list(self.mine))
            if self._call("delete", "DELETE", f"{self.one}{pk}/", 204) is not None:
                del self.mine[pk]

    def poll(self) -> None:
        response = self._call("poll", "GET", self.api, 200, params={"since": self.cursor})
        if response is not None:
            self.cursor = response.json()["cursor"]

    def server_side(self) -> list[int]:
        response = self.http.get(self.api, params={"quotes": "0"}, timeout=60)
        return [row["id"] for row in response.json()["codings"] if row["mine"]]


def run_batch(server: Server, setup: dict, count: int, timings: Timings) -> None:
    coder = Coder(server, "bench-admin", setup, timings)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for index in range(count):
            text = "".join(
                f"Interviewer: Question {index}.{turn} about the festival?\n\n"
                f"Respondent: Answer {index}.{turn}: the partners in Minsk trusted each other.\n\n"
                for turn in range(40)
            )
            archive.writestr(f"interview-{index:02d}.txt", text)
    started = time.perf_counter()
    url = server.address(f"/projects/{setup['project']}/sources/import/")
    coder.http.get(url, timeout=30)
    response = coder.http.post(
        url,
        {"csrfmiddlewaretoken": coder.http.cookies["csrftoken"], "kind": "interview"},
        files={"files": ("batch.zip", buffer.getvalue(), "application/zip")},
        headers={"Referer": url},
        timeout=120,
        allow_redirects=False,
    )
    page = server.followed(coder.http, response)
    # The speaker choices as the page preselects them (Interviewer, Respondent).
    chosen = {
        name: (re.search(r'<option value="([^"]*)"[^>]*selected', options) or [None, ""])[1]
        for name, options in re.findall(
            r'<select name="(speaker_\w+)"[^>]*>(.*?)</select>', page.text, re.S
        )
    }
    data = {"csrfmiddlewaretoken": coder.http.cookies["csrftoken"], "start": "1", **chosen}
    started_job = server.followed(
        coder.http,
        coder.http.post(
            page.url, data, headers={"Referer": page.url}, timeout=120, allow_redirects=False
        ),
    )
    # The job page's address ends with the job's guid; its progress is in the API.
    guid = started_job.url.rstrip("/").rsplit("/", 1)[-1]
    job_url = f"{server.url}/api/v1/jobs/{guid}/"
    while True:
        status = coder.http.get(job_url, timeout=30)
        if status.status_code != 200:
            raise SystemExit(f"job {guid}: {status.status_code} {status.text[:300]}")
        job = status.json()
        if job["finished"]:
            break
        if time.perf_counter() - started > 600:
            raise SystemExit("the batch import did not finish within 10 minutes")
        time.sleep(0.5)
    seconds = time.perf_counter() - started
    imported = job["result"].get("imported", 0)
    ok = job["status"] == "done" and imported == count and not job["result"].get("failed")
    timings.add("batch", seconds, ok, json.dumps(job["result"])[:200])
    print(f"batch: {imported}/{count} files imported by the task workers in {seconds:.1f} s")


def _together(work, coders: list[Coder]) -> float:
    """Seconds for every coder to do `work` at the same time, a thread each."""
    threads = [threading.Thread(target=work, args=(c,)) for c in coders]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def run_writes(server: Server, setup: dict, writers: int, writes: int) -> tuple[Timings, int, int]:
    timings = Timings()
    coders = [Coder(server, f"coder{i}", setup, timings) for i in range(writers)]

    def work(coder: Coder) -> None:
        for index in range(writes):
            kind = index % 10
            if kind < 6:
                coder.create()
            elif kind < 8:
                coder.edit()
            else:
                coder.delete()

    seconds = _together(work, coders)
    lost = duplicated = 0
    for coder in coders:
        stored = coder.server_side()
        lost += len(set(coder.mine) - set(stored))
        duplicated += len(stored) - len(set(stored)) + len(set(stored) - set(coder.mine))
    total = sum(len(v) for v in timings.samples.values())
    print(
        f"writes: {writers} coders × {writes} requests = {total} in {seconds:.1f} s "
        f"({total / seconds:.0f}/s); lost {lost}, duplicated {duplicated}, "
        f"errors {len(timings.errors)}"
    )
    for kind, values in sorted(timings.samples.items()):
        print(
            f"  {kind:7s} n={len(values):5d}  p50 {ms(statistics.median(values))}  "
            f"p95 {ms(percentile(values, 0.95))}"
        )
    return timings, lost, duplicated


def run_paced(server, setup, coders: int, seconds: float, *, human: bool) -> Timings:
    timings = Timings()
    clients = [Coder(server, f"coder{i}", setup, timings) for i in range(coders)]
    stop = time.perf_counter() + seconds

    def work(coder: Coder) -> None:
        next_code = time.perf_counter() + random.uniform(0, 5)
        next_poll = time.perf_counter() + random.uniform(0, 3)
        while time.perf_counter() < stop:
            if not human:
                coder.create() if random.random() < 0.4 else coder.poll()
                continue
            now = time.perf_counter()
            if now >= next_code:
                coder.create()
                next_code += 5
            if now >= next_poll:
                coder.poll()
                next_poll += 3
            time.sleep(max(0.0, min(next_code, next_poll) - time.perf_counter()))

    elapsed = _together(work, clients)
    values = timings.all()
    label = "human pace" if human else "saturation"
    print(
        f"{label}: {coders} coders for {elapsed:.0f} s: {len(values)} requests "
        f"({len(values) / elapsed:.1f}/s), p50 {ms(percentile(values, 0.5))}, "
        f"p95 {ms(percentile(values, 0.95))}, p99 {ms(percentile(values, 0.99))}, "
        f"errors {len(timings.errors)}"
    )
    return timings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", help="a scratch database URL (emptied); default SQLite")
    parser.add_argument("--redis", help="Redis URL: tasks on RQ with rqworker")
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument(
        "--pools", action="store_true", help="the two pools of deploy/ (config/pools.py)"
    )
    parser.add_argument("--task-workers", type=int, default=2)
    parser.add_argument("--batch", type=int, default=6, help="files in the batch import (0: none)")
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--writes", type=int, default=1000)
    parser.add_argument("--human", type=int, default=64)
    parser.add_argument("--human-seconds", type=float, default=60)
    parser.add_argument("--saturation", type=int, default=64)
    parser.add_argument("--saturation-seconds", type=float, default=30)
    args = parser.parse_args()
    random.seed(14)
    server = Server(args)
    coders = max(args.writers, args.human, args.saturation, 1)
    setup = server.prepare(coders)
    print(
        f"server: gunicorn × {args.web_workers}"
        f"{' (interactive pool) and a files and reports process' if args.pools else ''}, "
        f"{args.task_workers} task workers "
        f"({'rqworker on Redis' if args.redis else 'db_worker'}), "
        f"{'PostgreSQL' if args.database and args.database.startswith('postgres') else 'SQLite'}; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    failures: list[str] = []
    server.start()
    try:
        if args.batch:
            timings = Timings()
            run_batch(server, setup, args.batch, timings)
            failures += timings.errors
        if args.writers and args.writes:
            timings, lost, duplicated = run_writes(server, setup, args.writers, args.writes)
            failures += timings.errors
            if lost or duplicated:
                failures.append(f"{lost} lost and {duplicated} duplicated codings")
        if args.human:
            failures += run_paced(server, setup, args.human, args.human_seconds, human=True).errors
        if args.saturation:
            failures += run_paced(
                server, setup, args.saturation, args.saturation_seconds, human=False
            ).errors
    finally:
        server.stop()
    print(f"load average at the end {os.getloadavg()[0]:.1f}")
    for failure in failures[:20]:
        print("FAILED", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
