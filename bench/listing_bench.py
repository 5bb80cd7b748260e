"""Pages and API lists that list a project's sources, with long transcripts in the project.

    DEBUG=1 .venv/bin/python bench/listing_bench.py [--sources 5] [--words 50000] [--requests 40]
    DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/NAME .venv/bin/python bench/listing_bench.py

A project with `--sources` generated transcripts of `--words` words each, all of one
interviewee; then each page is asked `--requests` times through Django's test client (every
middleware, the session, the template) by a signed-in lead, after five unmeasured requests.
Printed: the wall p50 per page. The pages show a source's title, length and link, never its
text: the figure should not grow with `--words`. The script creates and drops its own database
(`<name>_listingbench`, or a temporary SQLite file).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchenv  # noqa: E402

benchenv.setup(
    data_prefix="parley-listing-", STATIC_ROOT=tempfile.mkdtemp(prefix="parley-listing-static-")
)

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from import_bench import make_transcripts  # noqa: E402

from interviews.models import Interviewee, Membership, Project, Role  # noqa: E402
from interviews.services import source_create  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sources", type=int, default=5)
    parser.add_argument("--words", type=int, default=50000)
    parser.add_argument("--requests", type=int, default=40)
    args = parser.parse_args()
    with benchenv.scratch_site("listingbench"):
        run(args)


def run(args) -> None:
    user = get_user_model().objects.create_user("lead", password="bench-password-1")
    project = Project.objects.create(name="Bench", created_by=user)
    Membership.objects.create(project=project, user=user, role=Role.LEAD)
    person = Interviewee.objects.create(project=project, pseudonym="BY-01")
    for number, text in enumerate(make_transcripts(args.sources, args.words, seed=3)):
        source_create(project=project, title=f"Source {number}", text=text, interviewees=[person])
    client = Client()
    client.force_login(user)
    pages = {
        "project page": project.get_absolute_url(),
        "source list": reverse("interviews:source_list", args=[project.pk]),
        "interviewee page": person.get_absolute_url(),
        "API sources": f"/api/v1/projects/{project.pk}/sources/",
    }
    print(
        f"Listing sources · {connection.vendor} · {args.sources} sources of {args.words:,} words"
        f" · {time.strftime('%Y-%m-%d %H:%M')}"
    )
    for name, url in pages.items():
        for _ in range(5):
            assert client.get(url).status_code == 200, url
        walls = []
        for _ in range(args.requests):
            started = time.perf_counter()
            client.get(url)
            walls.append(time.perf_counter() - started)
        print(f"  {name:<17} p50 {statistics.median(walls) * 1000:6.2f} ms  {url}")


if __name__ == "__main__":
    main()
