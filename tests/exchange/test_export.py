import io
import re
import zipfile

from lxml import etree

from exchange.export import codebook_export, project_export, schema
from exchange.mapping import NS_PROJECT
from interviews.models import Source

NS = {"q": NS_PROJECT}


def export(project, **options) -> zipfile.ZipFile:
    buffer = io.BytesIO()
    project_export(project=project, stream=buffer, **options)
    return zipfile.ZipFile(io.BytesIO(buffer.getvalue()))


def test_the_export_is_valid_against_the_official_schema(rich_project):
    archive = export(rich_project)
    document = etree.fromstring(archive.read("project.qde"))
    validator = schema("Project-mrt2019.xsd")
    assert validator.validate(document), validator.error_log


def test_it_writes_one_project_file_and_lf_utf8_texts_named_by_guid(rich_project):
    archive = export(rich_project)
    names = archive.namelist()
    assert [n for n in names if n.endswith(".qde")] == ["project.qde"]
    for source in Source.objects.filter(project=rich_project):
        data = archive.read(f"sources/{source.guid}.txt")
        assert not data.startswith(b"\xef\xbb\xbf")
        assert b"\r" not in data
        assert data.decode("utf-8") == source.text
    assert len([n for n in names if n.startswith("sources/")]) == 2


def test_guids_are_lower_case_and_stable_from_one_export_to_the_next(rich_project):
    first = export(rich_project).read("project.qde")
    second = export(rich_project).read("project.qde")
    assert first == second
    guids = re.findall(rb'(?:guid|GUID|creatingUser)="([^"]+)"', first)
    assert len(guids) > 30
    assert all(g == g.lower() and not g.startswith(b"{") for g in guids)


def test_codings_are_selections_in_code_points(rich_project, source):
    document = etree.fromstring(export(rich_project).read("project.qde"))
    emoji = source.codings.get(code__name="Audience 🎬")
    selection = document.find(f".//q:PlainTextSelection[@guid='{emoji.guid}']", NS)
    assert int(selection.get("startPosition")) == emoji.start
    assert int(selection.get("endPosition")) == emoji.end
    assert source.text[emoji.start : emoji.end].count("🎬") == 1
    assert selection.find("q:Coding/q:CodeRef", NS).get("targetGUID") == str(emoji.code.guid)
    coder_guid = emoji.coder.profile.guid
    assert selection.find("q:Coding", NS).get("creatingUser") == str(coder_guid)
    assert len(document.findall(".//q:PlainTextSelection", NS)) == 5


def test_identities_are_left_out_unless_asked_for(rich_project):
    plain = export(rich_project).read("project.qde")
    assert b"Alesia Secretname" not in plain
    assert b"alesia.secret@example.org" not in plain
    assert b"Met in Harbin." not in plain  # notes are shown only to those who see identities
    assert b"Minsk Film Studio" in plain  # organisation is not an identity field
    full = export(rich_project, include_identities=True).read("project.qde")
    assert b"Alesia Secretname" in full
    assert b"alesia.secret@example.org" in full
    assert b"Met in Harbin." in full


def test_code_groups_are_sets_and_parents_keep_is_codable(rich_project):
    document = etree.fromstring(export(rich_project).read("project.qde"))
    weaknesses = document.find(".//q:Code[@name='Weaknesses']", NS)
    assert weaknesses.get("isCodable") == "false"
    assert weaknesses.find("q:Code", NS).get("name") == "Financing"
    assert weaknesses.find("q:Code", NS).get("isCodable") == "true"
    sets = {s.get("name"): s for s in document.findall(".//q:Sets/q:Set", NS)}
    assert set(sets) == {"Weaknesses", "Strengths"}
    assert len(sets["Strengths"].findall("q:MemberCode", NS)) == 1


def test_the_codebook_is_valid_against_the_codebook_schema(rich_project):
    document = etree.fromstring(codebook_export(project=rich_project))
    validator = schema("Codebook-mrt2019.xsd")
    assert validator.validate(document), validator.error_log
    assert len(document.findall(".//{urn:QDA-XML:codebook:1.0}Code")) == 5


def test_an_empty_project_is_valid_too(project):
    document = etree.fromstring(export(project).read("project.qde"))
    validator = schema("Project-mrt2019.xsd")
    assert validator.validate(document), validator.error_log
    assert document.find("q:CodeBook", NS) is None


def test_crlf_in_a_stored_text_is_exported_as_lf_with_positions_to_match(project, users):
    from coding.models import Code, Coding
    from exchange.readers import read_archive
    from exchange.storing import qdpx_import

    source = Source.objects.create(project=project, title="Pasted", text="One\r\nTwo 🎬\r\nThree")
    code = Code.objects.create(project=project, name="Numbers")
    start = source.text.index("Three")
    Coding.objects.create(source=source, code=code, coder=users["lead"], start=start, end=start + 5)
    archive = export(project)
    assert archive.read(f"sources/{source.guid}.txt") == "One\nTwo 🎬\nThree".encode()
    document = etree.fromstring(archive.read("project.qde"))
    selection = document.find(".//q:PlainTextSelection", NS)
    assert (selection.get("startPosition"), selection.get("endPosition")) == ("10", "15")
    buffer = io.BytesIO()
    project_export(project=project, stream=buffer)
    buffer.seek(0)
    imported, _report = qdpx_import(archive=read_archive(buffer), user=users["admin"])
    assert Coding.objects.get(source__project=imported).quote == "Three"


def test_cases_name_their_sources_without_reading_every_text_at_once(rich_project, source):
    """A case refers to its interviewee's sources by guid; the texts go into the archive
    source by source, not all together into memory for the cases."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        archive = export(rich_project)
    document = etree.fromstring(archive.read("project.qde"))
    refs = document.xpath("//q:Case/q:SourceRef/@targetGUID", namespaces=NS)
    assert str(source.guid) in refs
    for_cases = [
        q["sql"]
        for q in queries.captured_queries
        if '"interviews_source_interviewees"' in q["sql"] and "interviews_source" in q["sql"]
    ]
    assert for_cases
    assert not [sql for sql in for_cases if '"interviews_source"."text"' in sql]
