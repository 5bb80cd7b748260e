"""The one visibility rule: withdrawn consent keeps words out of search, reports and every
export (which say so), blinded coding holds in the history, and only admins get the
identified text — a choice each file and the history record."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from coding.models import Change, ChangeAction, Code, Coding, Memo
from exchange.export import project_export
from interviews.models import ConsentStatus, Interviewee, Source
from interviews.services import source_create
from interviews.visibility import Disclosure, exclusion_note

WITHDRAWN_TEXT = "Respondent: The quinceharvest plan failed, and the budget was cut."
KEPT_TEXT = "Respondent: The quinceharvest plan worked, and the budget grew."


@pytest.fixture
def withdrawn(project, users, code):
    """Two interviewees speaking of the same thing; one of them withdrew consent."""
    people, sources = {}, {}
    for pseudonym, status, text in (
        ("BY-02", ConsentStatus.WITHDRAWN, WITHDRAWN_TEXT),
        ("BY-03", ConsentStatus.GIVEN, KEPT_TEXT),
    ):
        person = Interviewee.objects.create(
            project=project,
            pseudonym=pseudonym,
            real_name=f"Name {pseudonym}",
            consent_status=status,
        )
        source = source_create(
            project=project,
            title=f"Interview {pseudonym}",
            text=text,
            interviewees=[person],
            speaker_map={"Respondent": person},
        )
        start = text.index("The quinceharvest")
        Coding.objects.create(
            source=source, code=code, coder=users["coder"], start=start, end=start + 24
        )
        Memo.objects.create(project=project, author=users["coder"], text="On it.", source=source)
        people[pseudonym], sources[pseudonym] = person, source
    return people, sources


def test_search_leaves_out_the_words_of_an_interviewee_who_withdrew(client_for, project, withdrawn):
    people, sources = withdrawn
    url = reverse("coding:search", args=[project.pk])
    for role in ("admin", "coder"):
        page = client_for(role).get(url, {"q": "quinceharvest"}).content.decode()
        assert "Interview BY-03" in page
        assert "Interview BY-02" not in page
        assert "plan failed" not in page
        assert "Not searched: 1 interviewee excluded: consent withdrawn." in page
        assert "1 source</strong> holds" in page
    people["BY-02"].consent_status = ConsentStatus.GIVEN
    people["BY-02"].save()
    page = client_for("coder").get(url, {"q": "quinceharvest"}).content.decode()
    assert "Interview BY-02" in page and "Not searched" not in page


def test_the_source_rule_for_analysis_leaves_out_withdrawn_sources(project, users, withdrawn):
    from interviews.access import access_for

    _people, sources = withdrawn
    access = access_for(users["viewer"], project)
    assert set(Source.objects.visible_to(access)) == set(sources.values())
    assert list(Source.objects.visible_to(access, analysis=True)) == [sources["BY-03"]]
    assert [c.source for c in Coding.objects.for_analysis(access)] == [sources["BY-03"]]
    assert exclusion_note(project) == "1 interviewee excluded: consent withdrawn"


def test_every_report_file_says_who_was_left_out(client_for, project, withdrawn):
    url = reverse("reports:export", args=[project.pk, "frequencies", "csv"])
    first_line = client_for("viewer").get(url).content.decode("utf-8-sig").splitlines()[0]
    assert "1 passage · text as coders read it · 1 interviewee excluded: consent withdrawn" in (
        first_line
    )
    page = client_for("viewer").get(reverse("reports:report", args=[project.pk, "theme"]))
    assert "1 interviewee excluded: consent withdrawn" in page.content.decode()


def test_retrieval_and_query_files_say_who_was_left_out(client_for, project, withdrawn, code):
    retrieval = client_for("coder").get(
        reverse("coding:retrieval", args=[project.pk]), {"code": code.pk, "export": "xlsx"}
    )
    book = load_workbook(io.BytesIO(retrieval.content))
    assert [row[-4] for row in book["Passages"].iter_rows(min_row=2, values_only=True)] == [
        "The quinceharvest plan w"
    ]
    assert "1 interviewee excluded: consent withdrawn" in book["About"]["B1"].value
    query = client_for("coder").get(
        reverse("coding:query", args=[project.pk]),
        {"operator": "or", "code_a": code.pk, "code_b": code.pk, "export": "csv"},
    )
    provenance, body = query.content.decode("utf-8-sig").split("\n", 1)
    assert provenance.endswith(" UTC") and "1 interviewee excluded: consent withdrawn" in provenance
    assert [row[0] for row in csv.reader(io.StringIO(body))] == ["source", "Interview BY-03"]


@pytest.mark.parametrize("role", ["lead", "coder", "viewer"])
def test_only_an_admin_may_ask_for_the_identified_text(client_for, project, withdrawn, code, role):
    client = client_for(role)
    urls = [
        reverse("reports:export", args=[project.pk, "theme", "xlsx"]) + "?identified=1",
        reverse("coding:retrieval", args=[project.pk]) + f"?code={code.pk}&export=csv&identified=1",
        reverse("coding:query", args=[project.pk])
        + f"?operator=or&code_a={code.pk}&code_b={code.pk}&export=csv&identified=1",
    ]
    for url in urls:
        assert client.get(url).status_code == 403, url
    assert not Change.objects.filter(action=ChangeAction.EXPORT).exists()


def test_an_admins_identified_export_says_so_and_is_in_the_history(
    client_for, project, withdrawn, code, users
):
    client = client_for("admin")
    plain = client.get(reverse("reports:export", args=[project.pk, "theme", "csv"]))
    assert "text as coders read it" in plain.content.decode("utf-8-sig").splitlines()[0]
    assert not Change.objects.filter(action=ChangeAction.EXPORT).exists()

    response = client.get(
        reverse("reports:export", args=[project.pk, "theme", "csv"]), {"identified": "1"}
    )
    assert "identified text, asked for by an admin" in response.content.decode("utf-8-sig")
    retrieval = client.get(
        reverse("coding:retrieval", args=[project.pk]),
        {"code": code.pk, "export": "csv", "identified": "1"},
    )
    assert "identified text, asked for by an admin" in retrieval.content.decode("utf-8-sig")
    records = list(
        Change.objects.filter(action=ChangeAction.EXPORT)
        .order_by("pk")
        .values_list("user__username", "after__summary")
    )
    assert records == [
        ("admin", "Theme report as CSV, with the identified text"),
        ("admin", f"A retrieval of “{code.full_path}”, with the identified text"),
    ]
    history = client.get(reverse("coding:history", args=[project.pk])).content.decode()
    assert "Exported the identified text of project" in history
    assert "Theme report as CSV, with the identified text" in history


def test_a_disclosure_of_the_identified_text_is_refused_to_anyone_but_an_admin(project, users):
    from django.core.exceptions import PermissionDenied

    from interviews.access import access_for

    assert Disclosure.of(access_for(users["admin"], project), identified=True).identified
    with pytest.raises(PermissionDenied):
        Disclosure.of(access_for(users["lead"], project), identified=True)


def test_a_qdpx_leaves_out_whoever_withdrew_with_their_words_and_memos(project, withdrawn):
    people, sources = withdrawn
    buffer = io.BytesIO()
    counts = project_export(project=project, stream=buffer)
    archive = zipfile.ZipFile(buffer)
    document = archive.read("project.qde").decode()
    names = archive.namelist()
    assert f"sources/{sources['BY-03'].guid}.txt" in names
    assert f"sources/{sources['BY-02'].guid}.txt" not in names
    assert "BY-02" not in document and str(people["BY-02"].guid) not in document
    assert counts["sources"] == 1 and counts["codings"] == 1 and counts["notes"] == 1


def test_the_export_page_names_the_text_and_who_was_left_out(client_for, project, withdrawn):
    client = client_for("admin")
    response = client.post(
        reverse("exchange:project_export", args=[project.pk]), {"include_identities": "on"}
    )
    page = client.get(response.url).content.decode()
    assert (
        "identified text, asked for by an admin · 1 interviewee excluded: consent withdrawn" in page
    )
    assert Change.objects.filter(action=ChangeAction.EXPORT).count() == 1


def test_under_blinded_coding_the_history_shows_a_coder_only_their_own_codings(
    client_for, project, users, source, code
):
    from coding.services import coding_create

    project.blinded_coding = True
    project.save()
    mine = coding_create(source=source, code=code, coder=users["coder"], start=0, end=11)
    coding_create(source=source, code=code, coder=users["lead"], start=13, end=20)
    page = client_for("coder").get(reverse("coding:history", args=[project.pk])).content
    assert page.decode().count("Created coding") == 1
    assert Code.objects.filter(pk=code.pk).exists() and mine.pk
    lead_page = client_for("lead").get(reverse("coding:history", args=[project.pk])).content
    assert lead_page.decode().count("Created coding") == 2


def test_the_report_command_quotes_the_identified_text_only_when_asked(project, withdrawn, capsys):
    from django.core.management import call_command

    call_command("report", str(project.pk), "theme")
    plain = capsys.readouterr().out.splitlines()[0]
    assert "text as coders read it · 1 interviewee excluded: consent withdrawn" in plain
    assert not Change.objects.filter(action=ChangeAction.EXPORT).exists()
    call_command("report", str(project.pk), "theme", "--identified")
    identified = capsys.readouterr().out.splitlines()[0]
    assert "identified text, asked for by an admin" in identified
    record = Change.objects.get(action=ChangeAction.EXPORT)
    assert record.user is None
    assert record.after["summary"] == "Theme report as CSV (command line), with the identified text"


def test_a_readable_text_maps_coding_offsets_into_the_text_it_holds():
    from interviews.visibility import ReadableText

    same = ReadableText("Thank you, [BY-06].")
    assert same.passage(11, 18) == "[BY-06]"
    # An identified text is longer where a placeholder stood for a name.
    identified = ReadableText(
        "Thank you, Uladzimir.", offsets=lambda offset: offset if offset <= 11 else offset + 2
    )
    assert identified.passage(11, 18) == "Uladzimir"
    assert identified.passage(0, 5) == "Thank"


def test_agreement_offers_no_source_of_an_interviewee_who_withdrew(client_for, project, withdrawn):
    page = client_for("lead").get(reverse("agreement:figures", args=[project.pk])).content.decode()
    assert "Interview BY-03" in page
    assert "Interview BY-02" not in page


PANEL_TEXT = (
    "Respondent: The quinceharvest plan worked.\n\nGuest: The quinceharvest plan hid a secret loan."
)


@pytest.fixture
def guest(project, users, code):
    """BY-05 withdrew consent and speaks only in a turn mapped to them, in a panel linked to
    BY-03 alone; BY-03 has an interview of their own."""
    kept = Interviewee.objects.create(
        project=project, pseudonym="BY-03", consent_status=ConsentStatus.GIVEN
    )
    person = Interviewee.objects.create(
        project=project, pseudonym="BY-05", consent_status=ConsentStatus.WITHDRAWN
    )
    own = source_create(
        project=project,
        title="Interview BY-03",
        text=KEPT_TEXT,
        interviewees=[kept],
        speaker_map={"Respondent": kept},
    )
    panel = source_create(
        project=project,
        title="Panel",
        text=PANEL_TEXT,
        interviewees=[kept],
        speaker_map={"Respondent": kept, "Guest": person},
    )
    assert list(panel.interviewees.all()) == [kept]
    for source in (own, panel):
        for start in [m for m in range(len(source.text)) if source.text.startswith("The q", m)]:
            Coding.objects.create(
                source=source, code=code, coder=users["coder"], start=start, end=start + 24
            )
    return {"kept": kept, "person": person, "own": own, "panel": panel}


def test_a_withdrawn_speaker_of_a_mapped_turn_takes_the_source_out_of_analysis(
    client_for, project, users, code, guest
):
    from interviews.access import access_for

    panel, own = guest["panel"], guest["own"]
    access = access_for(users["viewer"], project)
    assert list(Source.objects.visible_to(access, analysis=True)) == [own]
    assert {c.source for c in Coding.objects.for_analysis(access)} == {own}
    assert exclusion_note(project) == "1 interviewee excluded: consent withdrawn"
    client = client_for("coder")
    page = client.get(reverse("coding:search", args=[project.pk]), {"q": "quinceharvest"})
    page = page.content.decode()
    assert "Interview BY-03" in page and "Panel" not in page and "secret loan" not in page
    assert "Not searched: 1 interviewee excluded: consent withdrawn." in page
    first_line = (
        client.get(reverse("reports:export", args=[project.pk, "frequencies", "csv"]))
        .content.decode("utf-8-sig")
        .splitlines()[0]
    )
    assert "1 passage · text as coders read it · 1 interviewee excluded: consent withdrawn" in (
        first_line
    )
    retrieval = client.get(
        reverse("coding:retrieval", args=[project.pk]), {"code": code.pk, "export": "csv"}
    ).content.decode("utf-8-sig")
    assert "The quinceharvest plan w" in retrieval and "hid a secret" not in retrieval
    assert "Panel" not in retrieval
    query = client.get(
        reverse("coding:query", args=[project.pk]),
        {"operator": "or", "code_a": code.pk, "code_b": code.pk, "export": "csv"},
    ).content.decode("utf-8-sig")
    assert [row[0] for row in csv.reader(io.StringIO(query.split("\n", 1)[1]))] == [
        "source",
        "Interview BY-03",
    ]
    listed = client.get(f"/api/v1/projects/{project.pk}/codings/").json()["items"]
    assert {item["source"] for item in listed} == {own.pk}
    buffer = io.BytesIO()
    counts = project_export(project=project, stream=buffer)
    archive = zipfile.ZipFile(buffer)
    document = archive.read("project.qde").decode()
    assert f"sources/{panel.guid}.txt" not in archive.namelist()
    assert str(panel.guid) not in document and "BY-05" not in document
    assert counts["sources"] == 1 and counts["codings"] == 1
    response = client_for("admin").post(
        reverse("coding:memo_add", args=[project.pk]),
        {"target_kind": "source", "target_id": panel.pk, "text": "About the panel"},
        follow=True,
    )
    assert "withdrew consent: no memo is written about their words" in response.content.decode()
    assert not Memo.objects.exists()

    guest["person"].consent_status = ConsentStatus.GIVEN
    guest["person"].save()
    assert set(Source.objects.visible_to(access, analysis=True)) == {own, panel}
    page = client.get(reverse("coding:search", args=[project.pk]), {"q": "quinceharvest"})
    assert "Panel" in page.content.decode()
    assert exclusion_note(project) == ""
