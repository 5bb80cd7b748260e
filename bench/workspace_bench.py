"""Coding-workspace benchmark: page render, page weight, Chromium time to show, round trips.

Run from the project root on PostgreSQL (the script creates and drops its own database,
`<name>_wsbench`, next to the one DATABASE_URL names):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/parley \\
        .venv/bin/python bench/workspace_bench.py [--words 50000 8000] [--codings 2000]

For each transcript size it prints:
- (first size only) the coding page fetched 3 × workers times over HTTP while gunicorn's
  workers are fresh, so the first request each worker serves shows what it loads late;
- server time to render the coding page (in-process Django client, median of 15);
- page weight: the HTML, the HTML gzipped, and the page's own CSS/JS and vendored files;
- Chromium time to show: navigation start to every highlight drawn (median of 5);
- with `--render-only` (SQLite too): the page alone, and the codings list of the API (what
  the page's script fetched before the page carried it), each through Django's WSGI
  handler with a session cookie: CPU time (`time.process_time`) and wall clock, p50 of
  `--renders`, alternated, and on PostgreSQL the mean CPU time of the database server's
  process; `--profile page|codings` prints a cProfile of 300 of one;
- coding round trip server-side: a POST of a new coding through Django's WSGI handler in
  this process, every middleware included, no client or network (p50/p95 of 300), and
  then the p50 of each statement it sends to the database (100 more writes);
- coding round trip end to end over HTTP to gunicorn (by default 4 worker processes × 2
  threads) with 1 and with 8 coders posting at once (p50/p95 of ~400 codings each); each
  coder is a process of its own with one keep-alive connection, as each is a browser.
"""

from __future__ import annotations

import argparse
import functools
import gzip
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
from pathlib import Path

import benchenv

print = functools.partial(print, flush=True)  # noqa: A001

STATIC_ROOT = tempfile.mkdtemp(prefix="parley-bench-static-")
ROOT = benchenv.setup(data_prefix="parley-ws-", STATIC_ROOT=STATIC_ROOT)

from django.conf import settings  # noqa: E402
from django.contrib.auth import (  # noqa: E402
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    get_user_model,
)
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from config.sessions import SessionStore  # noqa: E402

VOCABULARY = [
    "the",
    "film",
    "studio",
    "festival",
    "partners",
    "money",
    "budget",
    "audience",
    "heritage",
    "museum",
    "policy",
    "strategy",
    "culture",
    "industry",
    "export",
    "cooperation",
    "China",
    "Belarus",
    "Minsk",
    "Harbin",
    "subsidy",
    "co-production",
    "theatre",
    "digital",
    "platform",
    "rights",
    "market",
    "youth",
    "tradition",
    "support",
    "ministry",
    "programme",
    "investment",
    "licence",
    "television",
    "animation",
    "streaming",
    "was",
    "were",
    "is",
    "are",
    "and",
    "but",
    "because",
    "however",
    "we",
    "they",
    "it",
    "our",
    "their",
    "very",
    "always",
    "never",
    "often",
    "Минске",
    "фильм",
    "культура",
    "观众",
    "很喜欢",
    "电影",
    "🎬",
    "👩\u200d👩\u200d👧",
]


def transcript(words: int, rng: random.Random) -> str:
    turns, count, speaker = [], 0, 0
    while count < words:  # a label ("Respondent:") counts as a word too
        size = min(words - count, rng.randint(20, 180) if speaker else rng.randint(8, 30))
        body = " ".join(rng.choice(VOCABULARY) for _ in range(size))
        sentences = body.split(" policy ")
        text = ". ".join(s[:1].upper() + s[1:] for s in sentences if s) + "."
        turns.append(f"{'Respondent' if speaker else 'Interviewer'}: {text}")
        count += size + 1
        speaker = 1 - speaker
    return "\n\n".join(turns)


def word_spans(text: str) -> list[tuple[int, int]]:
    spans, start = [], None
    for i, ch in enumerate(text):
        if ch.isspace():
            if start is not None:
                spans.append((start, i))
                start = None
        elif start is None:
            start = i
    if start is not None:
        spans.append((start, len(text)))
    return spans


def build(words: int, codings: int, seed: int = 7):
    try:
        from coding.codebook_services import codebook_apply_template
    except ImportError:  # a checkout from before 2026-12 (the same function, in services)
        from coding.services import codebook_apply_template
    from coding.models import Code, Coding
    from interviews.models import Membership, Project, Role
    from interviews.services import source_create

    rng = random.Random(seed)
    User = get_user_model()
    coders = [User.objects.get_or_create(username=f"bench{i}")[0] for i in range(8)]  # eight coders
    project = Project.objects.create(name=f"Bench {words}", created_by=coders[0])
    for i, user in enumerate(coders):
        Membership.objects.create(
            project=project, user=user, role=Role.LEAD if i == 0 else Role.CODER
        )
    codebook_apply_template(project=project, template="swot")
    codebook_apply_template(project=project, template="policy")
    codes = [c for c in Code.objects.filter(project=project) if c.is_codable]
    text = transcript(words, rng)
    source = source_create(
        project=project, title=f"Transcript of {words} words", text=text, user=coders[0]
    )
    spans = word_spans(text)
    rows, seen = [], set()
    while len(rows) < codings:
        first = rng.randrange(len(spans))
        last = min(len(spans) - 1, first + rng.randint(2, 60))
        start, end = spans[first][0], spans[last][1]
        key = (rng.choice(codes).pk, rng.choice(coders[:4]).pk, start, end)
        if key in seen:
            continue
        seen.add(key)
        rows.append(Coding(source=source, code_id=key[0], coder_id=key[1], start=start, end=end))
    Coding.objects.bulk_create(rows, batch_size=500)
    return project, source, coders, codes, spans


def session_cookie(user) -> str:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return session.session_key


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def measure_render(source, user) -> tuple[float, bytes]:
    client = Client()
    client.force_login(user)
    url = reverse("coding:workspace", args=[source.project_id, source.pk])
    times, body = [], b""
    for _ in range(15):
        began = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - began)
        assert response.status_code == 200, response.status_code
        body = response.content
    return statistics.median(times[1:]), body


def wsgi_getter(user):
    """get(url) -> (status, body): a GET through Django's WSGI handler as gunicorn calls it,
    with a session cookie of `user` (every middleware, the session and user reads)."""
    cookie = f"{settings.SESSION_COOKIE_NAME}={session_cookie(user)}"
    return benchenv.wsgi_get(cookie, host="127.0.0.1")


def server_cpu() -> float:
    """The CPU time (s) PostgreSQL's process serving this connection has used (read from
    /proc, in clock ticks: summed over many requests for a mean); 0 elsewhere."""
    if connection.vendor != "postgresql":
        return 0.0
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:  # a server on another machine
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure_render_only(source, user, renders: int, profile: str | None) -> None:
    """The page and the codings list of the API, alternated, `renders` times each: CPU time
    and wall clock p50 (the first of each left out), or a cProfile of one of them."""
    import cProfile
    import io
    import pstats

    from django.test.utils import CaptureQueriesContext

    get = wsgi_getter(user)
    page = reverse("coding:workspace", args=[source.project_id, source.pk])
    status, body = get(page)
    assert status == 200, status
    data = benchenv.page_data(body)
    urls = {"page": page, "codings": data["urls"]["codings"]}
    for name, url in urls.items():
        with CaptureQueriesContext(connection) as queries:
            status, body = get(url)
        assert status == 200, (url, status)
        print(f"  {name}: {len(queries)} queries, {len(body) / 1024:.0f} KiB")
    if profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(300):
            get(urls[profile])
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(40)
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(60)
        print(out.getvalue())
        return
    cpu = {name: [] for name in urls}
    wall = {name: [] for name in urls}
    server = dict.fromkeys(urls, 0.0)
    for i in range(renders + 1):
        for name, url in urls.items():
            s0 = server_cpu()
            c0, t0 = time.process_time(), time.perf_counter()
            get(url)
            wall[name].append(time.perf_counter() - t0)
            cpu[name].append(time.process_time() - c0)
            if i:
                server[name] += server_cpu() - s0
    both_cpu = [a + b for a, b in zip(cpu["page"][1:], cpu["codings"][1:], strict=True)]
    both_wall = [a + b for a, b in zip(wall["page"][1:], wall["codings"][1:], strict=True)]
    for name in urls:
        print(
            f"  {name:<8} CPU p50 {ms(statistics.median(cpu[name][1:]))}, "
            f"wall p50 {ms(statistics.median(wall[name][1:]))} (n={renders})"
            + (f"; database server CPU, mean {ms(server[name] / renders)}" if server[name] else "")
        )
    print(
        f"  page + codings CPU p50 {ms(statistics.median(both_cpu))}, "
        f"wall p50 {ms(statistics.median(both_wall))}"
    )


def static_weight() -> dict[str, int]:
    names = {
        "own": ["js/workspace.js", "css/workspace.css", "css/parley.css"]
        + [f"js/workspace/{p.name}" for p in (ROOT / "static/js/workspace").glob("*.js")],
        "vendor": ["vendor/bootstrap-5.3.9.min.css", "vendor/bootstrap-5.3.9.bundle.min.js"],
    }
    result = {}
    for group, files in names.items():
        raw = [(ROOT / "static" / f).read_bytes() for f in files]
        result[group] = sum(len(b) for b in raw)
        result[f"{group}_gzip"] = sum(len(gzip.compress(b)) for b in raw)
    return result


def coding_poster(source, user, spans, codes, seed=11):
    """(post, body): post(body) sends a new coding through Django's WSGI handler as gunicorn
    calls it and returns the status; body() is a random span of the source with its quote."""
    import io
    import json

    from django.core.handlers.wsgi import WSGIHandler
    from django.middleware.csrf import CSRF_ALLOWED_CHARS
    from django.utils.crypto import get_random_string

    handler = WSGIHandler()
    url = reverse("api:source_codings", args=[source.project_id, source.pk])
    token = get_random_string(32, CSRF_ALLOWED_CHARS)
    cookie = (
        f"{settings.SESSION_COOKIE_NAME}={session_cookie(user)}; "
        f"{settings.CSRF_COOKIE_NAME}={token}"
    )
    rng = random.Random(seed)
    text = source.text

    def post(body: dict) -> int:
        data = json.dumps(body).encode()
        environ = {
            "REQUEST_METHOD": "POST",
            "SCRIPT_NAME": "",
            "PATH_INFO": url,
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": "127.0.0.1",
            "HTTP_COOKIE": cookie,
            "HTTP_X_CSRFTOKEN": token,
            "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(data)),
            "wsgi.input": io.BytesIO(data),
            "wsgi.errors": sys.stderr,
            "wsgi.url_scheme": "http",
            "wsgi.version": (1, 0),
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }
        status = []
        response = handler(environ, lambda code, headers: status.append(code))
        try:
            b"".join(response)
        finally:
            response.close()
        return int(status[0].split()[0])

    def body() -> dict:
        first = rng.randrange(len(spans) - 10)
        start, end = spans[first][0], spans[first + rng.randint(0, 8)][1]
        return {"code": rng.choice(codes).pk, "start": start, "end": end, "quote": text[start:end]}

    return post, body


def measure_server_round_trip(source, user, spans, codes, n=300) -> list[float]:
    """Server-side time of a coding write: Django's WSGI handler called as gunicorn calls it
    (every middleware: session, authentication, CSRF check, the view, the response), from
    the request's WSGI environ to the last byte of the response, without client or network."""
    from django.test.utils import CaptureQueriesContext

    from coding.models import Coding

    post, body = coding_poster(source, user, spans, codes)
    times = []
    for _ in range(n):
        data = body()
        began = time.perf_counter()
        status = post(data)
        times.append(time.perf_counter() - began)
        assert status in (201, 409), status  # 409: that coder had already coded that span
    with CaptureQueriesContext(connection) as queries:
        assert post(body()) in (201, 409)
    print(f"  queries per coding write: {len(queries.captured_queries)}")
    # Where the time goes: each statement timed from the call to its result (100 writes).
    spent: dict[str, list[float]] = {}

    def timed(execute, sql, params, many, context):
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            # Named by the table read last (SELECT) or written first (INSERT).
            read = re.findall(r'FROM "(\w+)"', sql)
            written = re.findall(r'INTO "(\w+)"', sql)
            name = f"read {read[-1]}" if sql.startswith("SELECT") else f"write {written[0]}"
            spent.setdefault(name, []).append(time.perf_counter() - began)

    with connection.execute_wrapper(timed):
        for _ in range(100):
            assert post(body()) in (201, 400)
    print(
        "  per statement, p50: "
        + "; ".join(f"{name} {ms(percentile(t, 0.5))}" for name, t in spent.items())
    )
    Coding.objects.filter(source=source, coder=user).delete()
    return times


def measure_first_requests(base, source, user, count: int) -> list[float]:
    """The coding page fetched `count` times over new connections while gunicorn's workers
    are fresh: the first request each worker serves shows what it still loads then."""
    import urllib.request

    url = base + reverse("coding:workspace", args=[source.project_id, source.pk])
    times = []
    for _ in range(count):
        request = urllib.request.Request(
            url, headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={session_cookie(user)}"}
        )
        began = time.perf_counter()
        with urllib.request.urlopen(request) as response:
            response.read()
        times.append(time.perf_counter() - began)
    return times


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(database_url: str, workers: int, threads: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--keep-alive",
            "30",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    import requests

    for _ in range(120):
        try:
            requests.get(f"{base}/accounts/login/", timeout=30).raise_for_status()
            return process, base
        except requests.RequestException:
            time.sleep(0.5)
    process.kill()
    raise RuntimeError("gunicorn did not start")


def _coder_process(base, page, url, cookie, spans, codes, text, seed, count, barrier, out):
    """One coder: a process of its own (as each coder is a browser of their own) posting
    codings over one keep-alive connection and reporting the round trips of those stored."""
    try:
        out.put(_code_over_http(base, page, url, cookie, spans, codes, text, seed, count, barrier))
    except BaseException as error:  # reported by the parent, which must not wait forever
        barrier.abort()
        out.put(([], [repr(error)]))


def _code_over_http(base, page, url, cookie, spans, codes, text, seed, count, barrier):
    import http.client
    import json
    from http.cookies import SimpleCookie

    host, port = base.removeprefix("http://").split(":")
    http = http.client.HTTPConnection(host, int(port), timeout=60)
    cookies = {settings.SESSION_COOKIE_NAME: cookie}

    def request(method, path, body=None, headers=None):
        sent = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()), **(headers or {})}
        http.request(method, path, body=body, headers=sent)
        response = http.getresponse()
        data = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                cookies[name] = morsel.value
        return response.status, data

    status, _ = request("GET", page)
    assert status == 200, status
    token = cookies["csrftoken"]
    headers = {"X-CSRFToken": token, "Content-Type": "application/json"}
    rng = random.Random(seed)
    times, mine, errors = [], [], []
    barrier.wait()
    http.close()  # a fresh connection: the server may have closed an idle one meanwhile
    for _ in range(count):
        first = rng.randrange(len(spans) - 10)
        start, end = spans[first][0], spans[first + rng.randint(0, 8)][1]
        body = {"code": rng.choice(codes), "start": start, "end": end, "quote": text[start:end]}
        began = time.perf_counter()
        status, data = request("POST", url, json.dumps(body), headers)
        elapsed = time.perf_counter() - began
        if status == 201:
            mine.append(json.loads(data)["id"])
            times.append(elapsed)
        elif status != 409:  # 409: this coder had already coded that span with that code
            errors.append(f"{status} {data[:200]!r}")
    one = url.split("sources/")[0] + "codings/"  # the project's codings: one is `{id}/`
    for coding_id in mine:
        request("DELETE", f"{one}{coding_id}/", headers=headers)
    return times, errors


def measure_http_round_trips(base, source, coders, spans, codes, concurrency, per_coder):
    import multiprocessing

    page = reverse("coding:workspace", args=[source.project_id, source.pk])
    url = reverse("api:source_codings", args=[source.project_id, source.pk])
    cookies = [session_cookie(coders[i]) for i in range(concurrency)]
    connection.close()  # the children inherit no open database connection
    context = multiprocessing.get_context("fork")
    barrier, out = context.Barrier(concurrency), context.Queue()
    code_ids = [c.pk for c in codes]
    processes = [
        context.Process(
            target=_coder_process,
            args=(base, page, url, cookies[i], spans, code_ids, source.text, i, per_coder),
            kwargs={"barrier": barrier, "out": out},
        )
        for i in range(concurrency)
    ]
    for process in processes:
        process.start()
    results: list[float] = []
    errors: list[str] = []
    for _ in processes:
        times, failed = out.get(timeout=600)
        results.extend(times)
        errors.extend(failed)
    for process in processes:
        process.join()
    if errors:
        print("  errors:", errors[:3])
    return results


def measure_chromium(base, source, user, runs=5) -> list[float]:
    from playwright.sync_api import sync_playwright

    url = base + reverse("coding:workspace", args=[source.project_id, source.pk])
    times, details = [], []
    cookies = [session_cookie(user) for _ in range(runs)]  # the ORM stays outside the loop
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        for cookie in cookies:
            context = browser.new_context()
            context.add_cookies(
                [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": base}]
            )
            page = context.new_page()
            page.goto(url)
            page.wait_for_selector("#workspace[data-ready=true]", timeout=60_000)
            marks = page.evaluate(
                """() => ({
                  ready: performance.getEntriesByName('workspace-ready')[0].startTime,
                  script: performance.getEntriesByName('workspace-ready')[0].startTime
                    - performance.getEntriesByName('workspace-start')[0].startTime,
                  paint: (performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime,
                  html: performance.getEntriesByType('navigation')[0].responseEnd,
                })"""
            )
            times.append(marks["ready"] / 1000)
            details.append(marks)
            drawn = page.locator("mark.hl").count()
            context.close()
        browser.close()

    def median(key: str) -> str:
        values = [d[key] for d in details if d.get(key) is not None]
        return f"{statistics.median(values):.0f} ms" if values else "n/a"

    print(
        f"  (medians: HTML received {median('html')}, first text painted {median('paint')}, "
        f"highlighting script {median('script')}; highlight elements drawn: {drawn})"
    )
    return times


def render_only(args) -> None:
    """`--render-only`: the server's time of the page and of the codings list, on the
    database DATABASE_URL names or SQLite (a scratch database, dropped after)."""
    name = connection.vendor
    with benchenv.scratch_database("wsrender"):
        try:
            call_command("collectstatic", interactive=False, verbosity=0)
            load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
            print(
                f"Coding page render · {name} · {time.strftime('%Y-%m-%d %H:%M')} · "
                f"load average {load}"
            )
            for words in args.words:
                project, source, coders, codes, spans = build(words, args.codings)
                print(
                    f"\n{source.word_count} words, {source.codings.count()} codings, "
                    f"{len(source.text)} characters"
                )
                measure_render_only(source, coders[0], args.renders, args.profile)
        finally:
            shutil.rmtree(STATIC_ROOT, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, nargs="+", default=[50_000, 8_000])
    parser.add_argument("--codings", type=int, default=2_000)
    parser.add_argument("--per-coder", type=int, default=50)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=2, help="threads per gunicorn worker")
    parser.add_argument("--no-browser", action="store_true", help="skip the Chromium timing")
    parser.add_argument(
        "--render-only", action="store_true", help="only the page and the codings list, CPU time"
    )
    parser.add_argument("--renders", type=int, default=60, help="with --render-only")
    parser.add_argument("--profile", choices=["page", "codings"], default=None)
    args = parser.parse_args()
    if args.render_only or args.profile:
        render_only(args)
        return
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database; the benchmark targets PostgreSQL.")

    database = settings.DATABASES["default"]
    database.setdefault("TEST", {})["NAME"] = f"{database['NAME']}_wsbench"
    bench_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    base_url = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/" + bench_name
    call_command("collectstatic", interactive=False, verbosity=0)
    from django.contrib.staticfiles.storage import staticfiles_storage

    staticfiles_storage.hashed_files, staticfiles_storage.manifest_hash = (
        staticfiles_storage.load_manifest()
    )
    server = None
    try:
        server, base = start_gunicorn(base_url, args.workers, args.threads)
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(
            f"Coding workspace benchmark · PostgreSQL · {time.strftime('%Y-%m-%d %H:%M')} · "
            f"{os.cpu_count()} cores, load average {load} · gunicorn {args.workers} "
            f"workers × {args.threads} threads"
        )
        weights = static_weight()
        for words in args.words:
            project, source, coders, codes, spans = build(words, args.codings)
            print(
                f"\n{source.word_count} words, {source.codings.count()} codings, "
                f"{len(source.text)} characters"
            )
            if words == args.words[0]:
                first = measure_first_requests(base, source, coders[0], 3 * args.workers)
                print(
                    f"  coding page over HTTP while the {args.workers} workers are fresh: "
                    + ", ".join(f"{t * 1000:.0f}" for t in first)
                    + " ms"
                )
            render, html = measure_render(source, coders[0])
            print(f"  server render (median): {ms(render)}")
            print(
                f"  page weight: HTML {len(html) / 1024:.0f} KiB "
                f"({len(gzip.compress(html)) / 1024:.0f} KiB gzipped); own CSS+JS "
                f"{weights['own'] / 1024:.0f} KiB; vendored Bootstrap {weights['vendor'] / 1024:.0f} KiB; "
                f"total {(len(html) + weights['own'] + weights['vendor']) / 1024:.0f} KiB "
                f"({(len(gzip.compress(html)) + weights['own_gzip'] + weights['vendor_gzip']) / 1024:.0f} KiB gzipped)"
            )
            if not args.no_browser:
                shown = measure_chromium(base, source, coders[0])
                print(
                    f"  Chromium time to show (median of {len(shown)}): "
                    f"{ms(statistics.median(shown))}"
                )
            server_side = measure_server_round_trip(source, coders[1], spans, codes)
            print(
                f"  round trip server-side, 1 coder: p50 {ms(percentile(server_side, 0.5))}, "
                f"p95 {ms(percentile(server_side, 0.95))} (n={len(server_side)})"
            )
            for concurrency in (1, 8):
                per = args.per_coder * (8 if concurrency == 1 else 1)
                trips = measure_http_round_trips(
                    base, source, coders, spans, codes, concurrency, per
                )
                print(
                    f"  round trip end to end over HTTP, {concurrency} coder(s): "
                    f"p50 {ms(percentile(trips, 0.5))}, p95 {ms(percentile(trips, 0.95))} "
                    f"(n={len(trips)})"
                )
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
        connection.creation.destroy_test_db(bench_name, verbosity=0)
        shutil.rmtree(STATIC_ROOT, ignore_errors=True)


if __name__ == "__main__":
    main()
