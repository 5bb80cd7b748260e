"""Coding-workspace benchmark: page render, page weight, Chromium time to show, round trips.

Run from the project root on PostgreSQL (the script creates and drops its own database,
`<name>_wsbench`, next to the one DATABASE_URL names):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/parley \\
        .venv/bin/python bench/workspace_bench.py [--words 50000 8000] [--codings 2000]

For each transcript size it prints:
- server time to render the coding page (in-process Django client, median of 15);
- page weight: the HTML, the HTML gzipped, and the page's own CSS/JS and vendored files;
- Chromium time to show: navigation start to every highlight drawn (median of 5);
- coding round trip server-side: in-process POST of a new coding (p50/p95 of 300);
- coding round trip end to end over HTTP to gunicorn (2 workers × 4 threads) with 1 and
  with 8 coders posting at once (p50/p95 of ~400 codings each).
"""

from __future__ import annotations

import argparse
import gzip
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")
os.environ.update(
    DEBUG="0",
    SECURE_SSL_REDIRECT="0",
    SESSION_COOKIE_SECURE="0",
    CSRF_COOKIE_SECURE="0",
    SECURE_HSTS_SECONDS="0",
    ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
    DJANGO_SETTINGS_MODULE="config.settings",
)
STATIC_ROOT = tempfile.mkdtemp(prefix="parley-bench-static-")
os.environ["STATIC_ROOT"] = STATIC_ROOT

import functools  # noqa: E402

import django  # noqa: E402

print = functools.partial(print, flush=True)  # noqa: A001

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import (  # noqa: E402
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    get_user_model,
)
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

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
    from coding.models import Code, Coding
    from coding.services import codebook_apply_template
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
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
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


def measure_server_round_trip(source, user, spans, codes, n=300) -> list[float]:
    from coding.models import Coding

    client = Client()
    client.force_login(user)
    url = reverse("coding:api_codings", args=[source.project_id, source.pk])
    rng = random.Random(11)
    text = source.text
    times = []
    for _ in range(n):
        first = rng.randrange(len(spans) - 10)
        start, end = spans[first][0], spans[first + rng.randint(0, 8)][1]
        body = {"code": rng.choice(codes).pk, "start": start, "end": end, "quote": text[start:end]}
        began = time.perf_counter()
        response = client.post(url, body, content_type="application/json")
        times.append(time.perf_counter() - began)
        assert response.status_code in (201, 400), response.content
    from django.test.utils import CaptureQueriesContext

    first = rng.randrange(len(spans) - 10)
    start, end = spans[first][0], spans[first + 1][1]
    body = {"code": codes[0].pk, "start": start, "end": end, "quote": text[start:end]}
    with CaptureQueriesContext(connection) as queries:
        client.post(url, body, content_type="application/json")
    print(f"  queries per coding write: {len(queries.captured_queries)}")
    Coding.objects.filter(source=source, coder=user).delete()
    return times


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(database_url: str) -> tuple[subprocess.Popen, str]:
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
            "2",
            "--threads",
            "4",
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


def measure_http_round_trips(base, source, coders, spans, codes, concurrency, per_coder):
    import requests

    page = reverse("coding:workspace", args=[source.project_id, source.pk])
    url = base + reverse("coding:api_codings", args=[source.project_id, source.pk])
    text = source.text
    results: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(concurrency)

    def coder(index: int) -> None:
        http = requests.Session()
        http.cookies.set(settings.SESSION_COOKIE_NAME, session_cookie(coders[index]))
        connection.close()  # this thread's own database connection is done with
        http.get(base + page).raise_for_status()
        token = http.cookies["csrftoken"]
        rng = random.Random(index)
        mine = []
        barrier.wait()
        for _ in range(per_coder):
            first = rng.randrange(len(spans) - 10)
            start, end = spans[first][0], spans[first + rng.randint(0, 8)][1]
            body = {
                "code": rng.choice(codes).pk,
                "start": start,
                "end": end,
                "quote": text[start:end],
            }
            began = time.perf_counter()
            response = http.post(url, json=body, headers={"X-CSRFToken": token})
            elapsed = time.perf_counter() - began
            if response.status_code == 201:
                mine.append(response.json()["id"])
                with lock:
                    results.append(elapsed)
            elif response.status_code != 400:
                errors.append(f"{response.status_code} {response.text[:200]}")
        for coding_id in mine:
            http.delete(f"{url}{coding_id}/", headers={"X-CSRFToken": token})

    threads = [threading.Thread(target=coder, args=(i,)) for i in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, nargs="+", default=[50_000, 8_000])
    parser.add_argument("--codings", type=int, default=2_000)
    parser.add_argument("--per-coder", type=int, default=50)
    args = parser.parse_args()
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
        server, base = start_gunicorn(base_url)
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(
            f"Coding workspace benchmark · PostgreSQL · {time.strftime('%Y-%m-%d %H:%M')} · "
            f"{os.cpu_count()} cores, load average {load}"
        )
        weights = static_weight()
        for words in args.words:
            project, source, coders, codes, spans = build(words, args.codings)
            print(
                f"\n{source.word_count} words, {source.codings.count()} codings, "
                f"{len(source.text)} characters"
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
            shown = measure_chromium(base, source, coders[0])
            print(
                f"  Chromium time to show (median of {len(shown)}): {ms(statistics.median(shown))}"
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
