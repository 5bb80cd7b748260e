"""Shared fixtures: a small project with one member per role, and a second project."""

from __future__ import annotations

import os

import pytest
from django.contrib.auth import get_user_model
from django.db import connections
from django.test import Client

from coding.models import Code, Coding
from interviews.models import (
    Attribute,
    AttributeValue,
    Interviewee,
    Membership,
    Project,
    Role,
    Source,
)

ROLES = [Role.ADMIN, Role.LEAD, Role.CODER, Role.VIEWER]

SAMPLE_TEXT = (
    "Interviewer: How did the co-production start?\n\n"
    "Respondent: It started at a festival in Minsk. Money was always short, "
    "but the partners trusted each other.\n\n"
    "Interviewer: And the audience?\n\n"
    "Respondent: Audiences in Harbin loved the film 🎬 — 观众很喜欢 — и в Минске тоже."
)


@pytest.fixture
def make_user(db):
    def make(username: str, **extra):
        return get_user_model().objects.create_user(
            username=username, password="pw-for-tests-123", **extra
        )

    return make


@pytest.fixture
def project(db, make_user) -> Project:
    """A project with one member per role (users admin, lead, coder, viewer)."""
    owner = make_user("admin")
    project = Project.objects.create(name="Study", created_by=owner)
    Membership.objects.create(project=project, user=owner, role=Role.ADMIN)
    for role in ROLES[1:]:
        Membership.objects.create(project=project, user=make_user(str(role)), role=role)
    return project


@pytest.fixture
def users(project) -> dict[str, object]:
    User = get_user_model()
    return {str(role): User.objects.get(username=str(role)) for role in ROLES}


@pytest.fixture
def outsider(make_user):
    return make_user("outsider")


@pytest.fixture
def client_for(users, outsider):
    """client_for('coder') → a Client logged in as that member ('outsider' is in no project)."""

    def make(name: str) -> Client:
        client = Client()
        client.force_login(outsider if name == "outsider" else users[name])
        return client

    return make


@pytest.fixture
def interviewee(project) -> Interviewee:
    country = Attribute.objects.create(project=project, name="Organisation type")
    person = Interviewee.objects.create(
        project=project,
        pseudonym="BY-01",
        real_name="Alesia Secretname",
        contact="alesia.secret@example.org",
        organisation="Minsk Film Studio",
        sector="Film",
        country="Belarus",
        role="Producer",
        consent_status="given",
    )
    AttributeValue.objects.create(attribute=country, interviewee=person, value="Private company")
    return person


@pytest.fixture
def source(project, interviewee) -> Source:
    from interviews.services import source_create

    return source_create(
        project=project,
        title="Interview BY-01",
        text=SAMPLE_TEXT,
        interviewees=[interviewee],
        speaker_map={"Interviewer": "interviewer", "Respondent": interviewee},
    )


@pytest.fixture
def code(project) -> Code:
    parent = Code.objects.create(project=project, name="Weaknesses", colour="#c62828")
    return Code.objects.create(project=project, name="Financing", parent=parent, colour="#e57373")


@pytest.fixture
def coding(source, code, users) -> Coding:
    start = source.text.index("Money was always short")
    return Coding.objects.create(
        source=source, code=code, coder=users["coder"], start=start, end=start + 22
    )


@pytest.fixture
def other_project(db, make_user) -> Project:
    """A project none of the fixture users belong to, with its own source and code."""
    stranger = make_user("stranger")
    other = Project.objects.create(name="Someone else's study", created_by=stranger)
    Membership.objects.create(project=other, user=stranger, role=Role.ADMIN)
    Source.objects.create(project=other, title="Secret source", text="Private words.")
    Code.objects.create(project=other, name="Private code")
    Interviewee.objects.create(project=other, pseudonym="X-01", real_name="Hidden Person")
    return other


# Browser tests: Debian's Chromium through Playwright --------------------------------------

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser():
    """Chromium for one test module; Playwright's event loop ends with the module, so the
    tests that follow are not run inside it."""
    playwright_sync = pytest.importorskip("playwright.sync_api")
    if not os.path.exists(CHROMIUM):
        pytest.skip("Chromium is not installed at /usr/bin/chromium")
    # Playwright's sync API runs an event loop in this thread while the module's tests use
    # the ORM beside it, which is safe here. The variable lives exactly as long as the loop,
    # so it never reaches other tests (nor `check --deploy`).
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    # Playwright's event loop gives Django's connections a new context: close them on both
    # sides so that no PostgreSQL session outlives the module (the test database is dropped).
    connections.close_all()
    try:
        with playwright_sync.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            yield browser
            browser.close()
    finally:
        connections.close_all()
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
