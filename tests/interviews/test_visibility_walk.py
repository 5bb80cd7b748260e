"""Every URL of Parley, walked as a research assistant and as a viewer of the demo study:
no response may name an interviewee.

The URL patterns are read from the resolver, so a new page is walked as soon as it exists;
its ids are filled from the demo (a pattern with an id this walk does not know fails the
test, until the id is added to `ids_for`). Downloads are opened (XLSX, DOCX and .qdpx are
zip files), JSON is read as text, HTML is unescaped, so a name cannot hide in an encoding.

Two checks: the identity records (real names, contact details, consent forms) must never
reach a coder or a viewer. The words of the transcripts must reach them de-identified (no
name of an interviewee, no part of it, no contact detail), here with a transcript added that
names its speaker as transcription services write them, after the project's
de-identification has run as a scripted pipeline runs it.

A page may repeat what the request itself sent (a search box shows the name a coder typed):
such a word counts as a leak only where it stands more often than a word no source holds,
sent in its place, comes back.
"""

from __future__ import annotations

import html
import io
import json
import re
import zipfile
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from coding.models import Change, Code, Coding, Memo, SavedQuery
from interviews.consent import consent_form_attach
from interviews.deid.models import IdentifyingSpan
from interviews.models import Interviewee, Job, Membership, Project, Source
from reports.models import ReportKind, SavedReport
from tests.interviews.import_files import make_pdf

CONSENT_FORM_NAME = "Signed consent form of the first interviewee.pdf"
SKIPPED_PREFIXES = ("admin/", "static/", "media/")


@pytest.fixture
def demo(db):
    call_command("load_demo", verbosity=0)
    project = Project.objects.get()
    people = list(Interviewee.objects.filter(project=project).order_by("pseudonym"))
    users = {u.username: u for u in get_user_model().objects.all()}
    # What a walk should also meet: a consent form, memos, saved queries and reports, jobs.
    consent_form_attach(
        interviewee=people[0],
        upload=SimpleUploadedFile(CONSENT_FORM_NAME, make_pdf([["I agree to take part."]])),
    )
    first_code = Code.objects.filter(project=project, codings__isnull=False).first()
    coding = Coding.objects.filter(source__project=project, coder=users["artem"]).first()
    Memo.objects.create(project=project, author=users["artem"], text="A memo.", coding=coding)
    Memo.objects.create(
        project=project, author=users["olga"], text="About them.", interviewee=people[0]
    )
    SavedQuery.objects.create(
        project=project,
        name="Saved",
        definition={"operator": "or", "code_a": first_code.pk, "code_b": first_code.pk},
    )
    SavedReport.objects.create(project=project, name="Saved report", kind=ReportKind.SWOT)
    job = Job.objects.create(project=project, user=users["artem"], kind="import", title="Import")
    return {
        "project": project,
        "people": people,
        "users": users,
        "code": first_code,
        "coding": coding,
        "job": job,
    }


def ids_for(demo) -> dict[str, list[str]]:
    """Values for every URL parameter: the demo's objects, and each name a path may take."""
    project = demo["project"]
    person = demo["people"][0]
    # The first interviewee's transcript, and BY-06's when a test has added it.
    sources = Source.objects.filter(
        project=project, interviewees__pseudonym__in=[person.pseudonym, "BY-06"]
    ).order_by("pk")
    memo = Memo.objects.filter(project=project).first()
    return {
        "pk": [str(project.pk)],
        "source_pk": [str(source.pk) for source in sources],
        "interviewee_pk": [str(person.pk)],
        "code_pk": [str(demo["code"].pk)],
        "coding_pk": [str(demo["coding"].pk)],
        "memo_pk": [str(memo.pk)],
        "query_pk": [str(SavedQuery.objects.get(project=project).pk)],
        "saved_pk": [str(SavedReport.objects.get(project=project).pk)],
        "membership_pk": [str(Membership.objects.filter(project=project).first().pk)],
        "member_pk": [str(Membership.objects.filter(project=project).first().pk)],
        "token_pk": ["1"],
        "rest": ["no/such/address"],
        # A sync point that is not there: its delete answers "not found".
        "point_pk": ["999999"],
        # Coding help: a rule and a suggestion that are not there answer "not found".
        "rule_pk": ["999999"],
        "suggestion_pk": ["999999"],
        "attribute_pk": [str(project.attributes.first().pk)],
        "guid": [str(demo["job"].guid)],
        "kind": list(ReportKind.values),
        "fmt": ["csv", "xlsx", "docx", "html"],
        "change_pk": [str(Change.objects.filter(project=project).first().pk)],
        # A staged batch import that is not there (or no longer): the page says so.
        "key": ["no-such-batch"],
        # De-identification: the demo's terms, entities and spans (admins only).
        "term_pk": [str(project.deid_terms.first().pk)],
        "entity_pk": [str(project.deid_entities.first().pk)],
        "span_pk": [
            str(s.pk) for s in IdentifyingSpan.objects.filter(source__in=sources).order_by("pk")[:1]
        ],
    }


# Query strings that make a page show what it can: a code's passages, a search, a run.
EXTRA_QUERIES = {
    "coding:retrieval": ["?code={code}&subcodes=1", "?code={code}&export=csv"],
    "coding:search": ["?q={surname}", "?q=film", "?q=Chengdu"],
    "coding:query": ["?operator=or&code_a={code}&code_b={code}"],
    "coding:memo_list": ["?export=csv"],
    "coding:history": ["?source={source}"],
    "reports:passages": ["?kind=swot"],
}


def _routes(resolver: URLResolver, prefix: str = "", namespace: str = ""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}" if entry.namespace else namespace
            yield from _routes(entry, prefix + str(entry.pattern), inner.strip(":"))
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if entry.name else ""
            yield prefix + str(entry.pattern), name.strip(":")


def every_url(demo) -> list[str]:
    values = ids_for(demo)
    person = demo["people"][0]
    extras = {
        "code": demo["code"].pk,
        "surname": person.real_name.split()[-1],
        "source": person.sources.get().pk,
    }
    urls: list[str] = []
    for route, name in _routes(get_resolver()):
        if route.startswith(SKIPPED_PREFIXES) or route.startswith("^"):
            continue
        paths = [route]
        for parameter in re.findall(r"<(?:\w+:)?(\w+)>", route):
            assert parameter in values, f"The walk has no value for <{parameter}> of {route}"
            paths = [
                re.sub(rf"<(?:\w+:)?{parameter}>", value, path, count=1)
                for path in paths
                for value in values[parameter]
            ]
        for path in paths:
            urls.append("/" + path)
            urls += ["/" + path + query.format(**extras) for query in EXTRA_QUERIES.get(name, [])]
    return urls


def readable(response) -> str:
    """Everything a response says, as text: zip members opened, JSON and HTML decoded."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    parts: list[bytes] = [body]
    if body[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            parts = [archive.read(info) for info in archive.infolist()]
    texts = []
    for part in parts:
        text = part.decode("utf-8", errors="replace")
        if response.get("Content-Type", "").startswith("application/json"):
            text = json.dumps(json.loads(text), ensure_ascii=False)
        texts.append(html.unescape(text))
    disposition = response.get("Content-Disposition", "")
    return "\n".join([disposition, *texts])


def _as_word(text: str) -> re.Pattern:
    """The text where it stands as a whole word (Chen, not Chengdu), case aside."""
    before = r"(?<!\w)" if text[:1].isalnum() else ""
    after = r"(?!\w)" if text[-1:].isalnum() else ""
    return re.compile(before + re.escape(text) + after, re.IGNORECASE)


# Sent in place of a forbidden word a request carries, to count how often a page repeats
# what it was sent.
ECHO = "Qwzxkvjq"


def _echoes(client, url: str, pattern: re.Pattern) -> int | None:
    """How often the answer to `url` may hold the word `pattern` finds because the request
    sent it: the times ECHO comes back when sent in its place (None: the request did not
    send the word)."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    if not any(pattern.search(value) for _name, value in query):
        return None
    sent = [(name, pattern.sub(ECHO, value)) for name, value in query]
    control = client.get(f"{parts.path}?{urlencode(sent)}")
    return len(_as_word(ECHO).findall(readable(control))) if control.status_code == 200 else 0


def walk(
    demo,
    username: str,
    forbidden: dict[str, str],
    *,
    first_leak: bool = False,
    urls: list[str] | None = None,
) -> tuple[int, list[str]]:
    """GET every URL (or `urls`) as `username`; the number of pages read and every leak
    found (or only the first, with `first_leak`)."""
    client = Client()
    client.force_login(demo["users"][username])
    read, leaks = 0, []
    patterns = {what: _as_word(text) for text, what in forbidden.items()}
    for url in every_url(demo) if urls is None else urls:
        response = client.get(url)
        assert response.status_code < 500, url
        if response.status_code != 200:
            continue
        read += 1
        text = readable(response)
        for what, pattern in patterns.items():
            found = len(pattern.findall(text))
            if found and found > (_echoes(client, url, pattern) or 0):
                leaks.append(f"{url}: {what}")
        if leaks and first_leak:
            break
    return read, leaks


def identity_records(demo) -> dict[str, str]:
    """What the interviewee records hold that names or reaches a person."""
    forbidden = {}
    for person in demo["people"]:
        forbidden[person.real_name] = f"real name of {person.pseudonym}"
        for line in person.contact.splitlines():
            forbidden[line.strip()] = f"contact of {person.pseudonym}"
    forbidden[CONSENT_FORM_NAME] = "a consent form's file name"
    forbidden["%PDF-"] = "a consent form's content"
    return forbidden


# A transcript as they come from a transcription service: the interviewee's name in the
# speaker labels and in the words, and a contact detail said aloud.
NAMED_TRANSCRIPT = (
    "Uladzimir Kaspiarovich: Good morning. I run inbound tours from Brest, mostly for groups.\n\n"
    "Interviewer: Thank you, Uladzimir. How did the first Chinese groups find you?\n\n"
    "Uladzimir Kaspiarovich: Through a tourism fair in Chengdu. Anyone who wants the figures "
    "can write to uladzimir.kaspiarovich@example.org, I keep them all.\n"
)


def add_named_transcript(demo) -> None:
    """BY-06's interview, imported as any transcript is, with codings by a coder; then the
    project's de-identification, run as a scripted pipeline runs it."""
    from coding.services import coding_create
    from interviews.services import source_create

    project = demo["project"]
    person = Interviewee.objects.get(project=project, pseudonym="BY-06")
    source = source_create(
        project=project,
        title="Interview with BY-06 (tour operator)",
        text=NAMED_TRANSCRIPT,
        interviewees=[person],
        speaker_map={"Uladzimir Kaspiarovich": person, "Interviewer": "interviewer"},
    )
    for passage in ("I run inbound tours from Brest", "Through a tourism fair in Chengdu"):
        start = NAMED_TRANSCRIPT.index(passage)
        coding_create(
            source=source,
            code=demo["code"],
            coder=demo["users"]["artem"],
            start=start,
            end=start + len(passage),
        )
    call_command("deidentify", str(project.pk), "--detect", verbosity=0)
    call_command("deidentify", str(project.pk), "--apply", "--accept-all", verbosity=0)


def identifying_text(demo) -> dict[str, str]:
    """What de-identified transcripts no longer hold: each interviewee's name, every part of
    it, and their contact details."""
    forbidden = {}
    for person in demo["people"]:
        forbidden[person.real_name] = f"name of {person.pseudonym}"
        for part in person.real_name.split():
            if len(part) >= 3:
                forbidden[part] = f"part of the name of {person.pseudonym}"
        for line in person.contact.splitlines():
            forbidden[line.strip()] = f"contact of {person.pseudonym}"
    return forbidden


def test_no_page_or_file_shows_a_coder_or_viewer_an_interviewees_identity(demo):
    forbidden = identity_records(demo)
    for username in ("artem", "victor"):
        read, leaks = walk(demo, username, forbidden)
        assert read >= 40, f"only {read} pages answered {username}: the walk reaches too little"
        assert leaks == [], username
    # The same walk as an admin finds the records: it sees a leak where there is one.
    read, leaks = walk(demo, "olga", forbidden)
    assert read >= 60
    assert any("real name of BY-01" in leak for leak in leaks)
    assert any("a consent form's file name" in leak for leak in leaks)
    assert any("a consent form's content" in leak for leak in leaks)
    assert any("contact of BY-01" in leak for leak in leaks)


def test_no_page_or_file_shows_a_coder_or_viewer_identifying_words_of_a_transcript(demo):
    add_named_transcript(demo)
    forbidden = identifying_text(demo)
    assert "Uladzimir" in forbidden
    for username in ("artem", "victor"):
        read, leaks = walk(demo, username, forbidden, first_leak=True)
        assert leaks == [], username
        assert read >= 40, username
    # The walk finds the words where they stand: in the identified text an admin reads, and
    # in a search's results although the search box repeats the word searched for.
    project = demo["project"]
    source = Source.objects.get(project=project, interviewees__pseudonym="BY-06")
    identified = reverse("deid:identified", args=[project.pk, source.pk])
    assert (
        f"{identified}: part of the name of BY-06"
        in walk(demo, "olga", forbidden, urls=[identified])[1]
    )
    searched = reverse("coding:search", args=[project.pk]) + "?q=film"
    assert walk(demo, "artem", {"film": "a word"}, urls=[searched]) == (1, [f"{searched}: a word"])
