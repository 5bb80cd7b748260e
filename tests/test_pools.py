"""The two pools of web processes (config/pools.py): nginx sends each request where
`pool_of` says, and the interactive pool's requests load none of the large libraries that
the files and reports pool holds."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests
from django.urls import URLPattern, URLResolver, get_resolver

from config.pools import FILES_AND_REPORTS, FILES_AND_REPORTS_PATHS, INTERACTIVE, pool_of
from tests.interviews.import_files import make_pdf
from tests.nginx import NGINX, block, free_port, serving
from tests.served import GUNICORN, first_answer, manage, site_environment
from tests.test_settings import _clean_environment

ROOT = Path(__file__).resolve().parents[1]
CONF = (ROOT / "deploy" / "nginx-parley.conf").read_text()
SAMPLES = {
    "int": "7",
    "id": "7",
    "str": "k3y",
    "slug": "swot",
    "uuid": str(uuid.UUID(int=5)),
    "uuidstr": str(uuid.UUID(int=5)),
    "path": "x/y",
}


def _sample_paths(patterns, prefix: str = "") -> list[str]:
    """One address of every URL pattern of the site, its parameters filled in."""
    paths = []
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        route = re.sub(r"<(?:(\w+):)?\w+>", lambda m: SAMPLES[m.group(1) or "str"], route)
        route = route.lstrip("^").rstrip("$").replace("\\Z", "")
        if isinstance(pattern, URLResolver):
            paths += _sample_paths(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern) and not re.search(r"[()\[\]\\?*+]", route):
            paths.append("/" + route)
    return paths


def test_the_files_pool_serves_reports_imports_and_uploads_and_nothing_else():
    files = [
        path for path in _sample_paths(get_resolver().url_patterns) if pool_of(path) == "files"
    ]
    assert sorted(files) == [
        "/api/v1/projects/7/codings/table/",
        "/api/v1/projects/7/reports/k3y/",
        "/api/v1/projects/7/saved-reports/7/run/",
        "/projects/7/codebook/import/",
        "/projects/7/interviewees/7/consent-form/",
        "/projects/7/interviewees/7/consent-form/delete/",
        "/projects/7/reports/",
        "/projects/7/reports/exemplar/7/",
        "/projects/7/reports/passages/",
        "/projects/7/reports/saved/",
        "/projects/7/reports/saved/7/",
        "/projects/7/reports/saved/7/delete/",
        "/projects/7/reports/summary/",
        "/projects/7/reports/swot/",
        "/projects/7/reports/swot/export/swot/",
        "/projects/7/sources/7/recording/attach/",
        "/projects/7/sources/import/",
        "/projects/7/sources/import/jobs/00000000-0000-0000-0000-000000000005/speakers/",
        "/projects/7/sources/import/k3y/",
        "/projects/7/sources/import/k3y/batch/",
    ]
    assert len(_sample_paths(get_resolver().url_patterns)) > 400


class _Backend(BaseHTTPRequestHandler):
    """Answers every request with the name of the pool it stands for."""

    def _answer(self) -> None:
        body = self.server.pool.encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def two_pools_behind_nginx(tmp_path):
    """nginx on a free port with the site's locations of deploy/nginx-parley.conf, its two
    upstreams each a small server answering with its pool's name."""
    if NGINX is None:
        pytest.skip("nginx is not installed")
    servers = {}
    for pool in (INTERACTIVE, FILES_AND_REPORTS):
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Backend)
        server.pool = pool
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers[pool] = server
    upstreams = {
        "parley": servers[INTERACTIVE].server_address[1],
        "parley_files": servers[FILES_AND_REPORTS].server_address[1],
    }
    openings = re.findall(r"^    (location ~ [^\n]*\{)$", CONF, re.M)
    blocks = [block(CONF, opening) for opening in openings] + [block(CONF, "location / {")]
    site = "\n".join(blocks)
    site = re.sub(
        r"proxy_pass http://(\w+);",
        lambda m: f"proxy_pass http://127.0.0.1:{upstreams[m.group(1)]};",
        site,
    )
    with serving(tmp_path, site) as address:
        yield address, openings
    for server in servers.values():
        server.shutdown()


def test_nginx_sends_each_request_to_the_pool_config_pools_names(two_pools_behind_nginx):
    address, openings = two_pools_behind_nginx
    # The site's expression for the pool is config.pools' own.
    assert f'location ~ "{FILES_AND_REPORTS_PATHS.pattern}" {{' in openings
    paths = _sample_paths(get_resolver().url_patterns) + [
        "/projects/7/reports",  # no slash: Django's redirect, from the interactive pool
        "/projects/x/reports/swot/",
        "/projects/7/sources/7/recording/",
        "/projects/7/codebook/export/",
        "/api/v1/projects/7/saved-reports/",
        "/api/v1/projects/7/codings/",
        "/static/projects/7/reports/",
        "/projects/7/reports/swot/?d_code=3",
    ]
    routed = {}
    for path in paths:
        for method in ("GET", "POST"):
            answer = requests.request(method, address + path, timeout=10)
            routed[method, path] = answer.text
    wanted = {(method, path): pool_of(path.split("?")[0]) for method, path in routed}
    assert routed == wanted
    assert sum(pool == FILES_AND_REPORTS for pool in routed.values()) == 2 * (20 + 1)


def test_the_interactive_pools_requests_load_no_large_library(tmp_path):
    """A fresh process loads what gunicorn's master loads for the interactive pool, walks
    the site, codes a passage, then sends the files pool's requests (tests/pools_probe.py)."""
    from openpyxl import Workbook

    (tmp_path / "talk.pdf").write_bytes(make_pdf([["Interviewer: Ready?", "BY-02: Yes."]]))
    (tmp_path / "consent.pdf").write_bytes(make_pdf([["I agree to take part."]]))
    book = Workbook()
    book.active.append(["path", "colour", "definition"])
    book.active.append(["Opportunities", "#00aa00", "Chances ahead"])
    buffer = io.BytesIO()
    book.save(buffer)
    (tmp_path / "codebook.xlsx").write_bytes(buffer.getvalue())
    result = subprocess.run(
        [sys.executable, "-m", "tests.pools_probe", str(tmp_path)],
        cwd=ROOT,
        env={
            **{k: v for k, v in _clean_environment().items() if k != "DATABASE_URL"},
            "DEBUG": "1",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "PARLEY_DATA_DIR": str(tmp_path / "data"),
        },
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.splitlines()[-1])
    assert probe["started_with"] == []
    interactive = [r for r in probe["requests"] if pool_of(r["path"].split("?")[0]) == INTERACTIVE]
    files = [r for r in probe["requests"] if r not in interactive]
    assert len(interactive) >= 45
    assert {r["status"] for r in interactive} == {200, 201, 202}
    assert [r for r in interactive if r["loaded"]] == []
    assert {r["status"] for r in files} <= {200, 302}
    loaded = {(r["method"], r["path"]): r["loaded"] for r in files if r["loaded"]}
    project = re.match(r"/projects/(\d+)/", files[0]["path"]).group(1)
    assert {"pandas", "matplotlib"} <= set(loaded["GET", f"/projects/{project}/reports/swot/"])
    assert loaded["GET", f"/projects/{project}/reports/swot/export/docx/"] == ["docx"]
    assert loaded["POST", f"/projects/{project}/sources/import/"] == ["pypdf"]
    assert loaded["POST", f"/projects/{project}/codebook/import/"] == ["openpyxl"]


SERVED_SETUP = """
import json
from django.contrib.auth import get_user_model
from coding.models import Code, Coding
from interviews.models import Interviewee
from interviews.services import project_create, source_create
user = get_user_model().objects.create_user("lead", password="pools-test-pw")
project = project_create(user=user, name="Pools")
person = Interviewee.objects.create(project=project, pseudonym="BY-01", country="Belarus")
text = "Interviewer: Why?\\n\\nBY-01: State support helps. Piracy hurts."
source = source_create(project=project, title="Talk", text=text, interviewees=[person],
                       speaker_map={"BY-01": person, "Interviewer": "interviewer"})
codes = []
for name, start, end in (("Strengths", 25, 45), ("Threats", 46, 59)):
    codes.append(Code.objects.create(project=project, name=name).pk)
    Coding.objects.create(source=source, code_id=codes[-1], coder=user, start=start, end=end)
print(json.dumps({"project": project.pk, "source": source.pk, "code": codes[0]}))
"""
LIBRARIES = ("pandas/_libs", "matplotlib/ft2font", "pyarrow/lib", "cryptography/hazmat")


def _gunicorn_children(process: subprocess.Popen) -> list[int]:
    return [
        int(pid)
        for pid in Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
    ]


def _mapped(pid: int) -> set[str]:
    """Which of LIBRARIES' shared objects the process has mapped."""
    maps = Path(f"/proc/{pid}/maps").read_text()
    return {library for library in LIBRARIES if library in maps}


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="needs Linux's /proc")
def test_two_gunicorn_pools_serve_a_team_and_only_the_files_pool_maps_the_libraries(tmp_path):
    """Both pools as deploy/ runs them, on one SQLite database: the interactive workers serve
    the coding page and a coding without mapping pandas, matplotlib, pyarrow or pypdf's
    cryptography; the files and reports process serves four report pages at once from its
    threads, and a Word export."""
    env = site_environment(tmp_path, AXES_ENABLED="0", PARLEY_WEB_WORKERS="2")
    manage(env, "migrate", "-v", "0")
    manage(env, "createcachetable")
    manage(env, "collectstatic", "--noinput", "-v", "0")
    ids = json.loads(manage(env, "shell", "-c", SERVED_SETUP).strip().splitlines()[-1])
    ports = {INTERACTIVE: free_port(), FILES_AND_REPORTS: free_port()}
    servers = {}
    try:
        for pool in ports:
            servers[pool] = subprocess.Popen(
                GUNICORN,
                cwd=ROOT,
                env={
                    **env,
                    "PARLEY_POOL": pool,
                    "PARLEY_BIND": f"127.0.0.1:{ports[INTERACTIVE]}",
                    "PARLEY_FILES_BIND": f"127.0.0.1:{ports[FILES_AND_REPORTS]}",
                },
                stdout=subprocess.DEVNULL,
                stderr=open(tmp_path / f"{pool}.log", "w"),  # noqa: SIM115
            )
        addresses = {pool: f"http://127.0.0.1:{port}" for pool, port in ports.items()}
        for pool, address in addresses.items():
            first_answer(
                servers[pool], f"{address}/accounts/login/", (tmp_path / f"{pool}.log").read_text
            )

        def address(path: str) -> str:
            return addresses[pool_of(path)] + path

        http = requests.Session()
        login = address("/accounts/login/")
        http.get(login).raise_for_status()
        signed_in = http.post(
            login,
            data={
                "username": "lead",
                "password": "pools-test-pw",
                "csrfmiddlewaretoken": http.cookies["csrftoken"],
            },
            headers={"Referer": login},
        )
        assert signed_in.status_code == 200 and "Pools" in signed_in.text
        headers = {"X-CSRFToken": http.cookies["csrftoken"], "Referer": addresses[INTERACTIVE]}
        project, source = ids["project"], ids["source"]
        page = http.get(address(f"/projects/{project}/sources/{source}/code/"))
        assert page.status_code == 200 and "State support helps." in page.text
        coded = http.post(
            address(f"/api/v1/projects/{project}/sources/{source}/codings/"),
            json={"code": ids["code"], "start": 0, "end": 12},
            headers=headers,
        )
        assert coded.status_code == 201, coded.text

        kinds = ["swot", "framework", "frequencies", "cooccurrence"]
        answers: dict[str, requests.Response] = {}

        def fetch(kind: str) -> None:
            answers[kind] = http.get(address(f"/projects/{project}/reports/{kind}/"), timeout=60)

        threads = [threading.Thread(target=fetch, args=(kind,)) for kind in kinds]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert {kind: answer.status_code for kind, answer in answers.items()} == dict.fromkeys(
            kinds, 200
        )
        assert all("Strengths" in answer.text for answer in answers.values())
        word = http.get(address(f"/projects/{project}/reports/frequencies/export/docx/"))
        assert word.status_code == 200 and word.content.startswith(b"PK")

        interactive = _gunicorn_children(servers[INTERACTIVE])
        files = _gunicorn_children(servers[FILES_AND_REPORTS])
        assert len(interactive) == 2 and len(files) == 1
        assert [_mapped(pid) for pid in interactive] == [set(), set()]
        assert _mapped(files[0]) == set(LIBRARIES)
    finally:
        for server in servers.values():
            server.terminate()
            server.wait(30)
