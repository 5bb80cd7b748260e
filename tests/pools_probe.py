"""What each request loads, in a fresh process set up as a worker of the interactive pool.

    python -m tests.pools_probe FOLDER

Run by tests/test_pools.py (FOLDER holds talk.pdf, codebook.xlsx and consent.pdf, made by
the test; PARLEY_DATA_DIR names the data directory). The process loads what gunicorn's master loads
for `PARLEY_POOL=interactive`, builds a small project, then:
- walks the site from the project's page, following the links of every page (at most two
  addresses of a kind) but those of the files and reports pool, codes a passage as the coding
  page does (through the API) and imports a PDF through the API (read by the task worker);
- sends the files and reports pool's requests: every report page, its exports, the passages
  behind a number, the API's report and tidy table, a PDF's import, a codebook from a
  spreadsheet, a consent form.
It prints one JSON object: for each request, its path and the large libraries it loaded.
"""

from __future__ import annotations

import json
import os
import re
import runpy
import sys
from pathlib import Path

from tests.test_settings import HEAVY as SETTINGS_HEAVY

# The settings' tests' large libraries, and what pandas, matplotlib and pypdf bring.
HEAVY = (*SETTINGS_HEAVY, "numpy", "pyarrow", "PIL")
SKIPPED = ("logout", "delete", "/admin/", "/static/", "download")


def _loaded() -> set[str]:
    return {name for name in HEAVY if name in sys.modules}


def main(folder: Path) -> None:
    os.environ["PARLEY_POOL"] = "interactive"
    import config.wsgi  # noqa: F401  (as gunicorn's master loads the application)

    runpy.run_path("deploy/gunicorn.conf.py")["when_ready"](None)
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    call_command("migrate", verbosity=0)
    setup_test_environment()
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    from coding.models import Code, Coding
    from config.pools import pool_of
    from interviews.models import Interviewee
    from interviews.services import project_create, source_create

    started_with = sorted(_loaded())
    user = get_user_model().objects.create_superuser("lead", "lead@example.org", "pw")
    project = project_create(user=user, name="Study")
    person = Interviewee.objects.create(project=project, pseudonym="BY-01", country="Belarus")
    text = (
        "Interviewer: What helps the sector?\n\n"
        "BY-01: State support helps. Export markets are hard to reach.\n\n"
        "Interviewer: And threats?\n\nBY-01: Piracy is one. Budgets shrink."
    )
    source = source_create(
        project=project,
        title="Talk",
        text=text,
        interviewees=[person],
        speaker_map={"BY-01": person, "Interviewer": "interviewer"},
    )
    strength = Code.objects.create(project=project, name="Strengths")
    weakness = Code.objects.create(project=project, name="Weaknesses")
    Coding.objects.create(source=source, code=strength, coder=user, start=42, end=62)
    client = Client()
    client.force_login(user)
    requests: list[dict] = []

    def sent(method: str, path: str, **data):
        before = _loaded()
        answer = getattr(client, method)(path, **data)
        requests.append(
            {
                "method": method.upper(),
                "path": path,
                "status": answer.status_code,
                "loaded": sorted(_loaded() - before),
            }
        )
        return answer

    # The interactive pool's requests: the site walked from the project's page.
    seen: set[str] = set()
    kinds: dict[str, int] = {}
    queue = ["/", f"/projects/{project.pk}/"]
    while queue:
        path = queue.pop(0)
        kind = re.sub(r"\d+", "N", path.split("?")[0])
        if path in seen or kinds.get(kind, 0) >= 2 or any(s in path for s in SKIPPED):
            continue
        if pool_of(path.split("?")[0]) != "interactive":
            continue
        seen.add(path)
        kinds[kind] = kinds.get(kind, 0) + 1
        answer = sent("get", path)
        if answer.status_code == 200 and "html" in answer.get("Content-Type", ""):
            for link in re.findall(r'href="(/[^"#]*)"', answer.content.decode()):
                queue.append(link.replace("&amp;", "&"))
    sent(
        "post",
        f"/api/v1/projects/{project.pk}/sources/{source.pk}/codings/",
        data=json.dumps({"code": weakness.pk, "start": 63, "end": 99}),
        content_type="application/json",
    )

    # The API's import answers at once and leaves the reading to the task worker: it stays
    # in the interactive pool (its address is also the list of sources').
    def imported(path: str, name: str) -> None:
        pdf = SimpleUploadedFile(name, (folder / "talk.pdf").read_bytes(), "application/pdf")
        sent("post", path, data={"language": "en", "kind": "interview", "files": pdf})

    imported(f"/api/v1/projects/{project.pk}/sources/", "api-talk.pdf")

    # The files and reports pool's requests.
    reports = f"/projects/{project.pk}/reports/"
    for kind in ("swot", "framework", "frequencies", "cooccurrence", "theme"):
        sent("get", f"{reports}{kind}/")
        for fmt in ("csv", "xlsx", "docx", "html"):
            sent("get", f"{reports}{kind}/export/{fmt}/")
    sent("get", f"{reports}passages/?d_code={strength.pk}")
    api = f"/api/v1/projects/{project.pk}/"
    sent("get", f"{api}reports/frequencies/")
    sent("get", f"{api}codings/table/?format=parquet")
    imported(f"/projects/{project.pk}/sources/import/", "talk.pdf")
    book = SimpleUploadedFile("codebook.xlsx", (folder / "codebook.xlsx").read_bytes())
    sent("post", f"/projects/{project.pk}/codebook/import/", data={"file": book})
    form = SimpleUploadedFile("consent.pdf", (folder / "consent.pdf").read_bytes())
    sent(
        "post",
        f"/projects/{project.pk}/interviewees/{person.pk}/consent-form/",
        data={"consent_form": form},
    )
    print(json.dumps({"started_with": started_with, "requests": requests}))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
