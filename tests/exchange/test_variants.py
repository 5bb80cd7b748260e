"""Real-world REFI-QDA variants import with every selection on its intended text.

Each file is built here, the way the named tool writes it (see DESIGN.md, Interop).
"""

import io

import docx
import pytest

from coding.models import Code, Coding, Memo
from exchange.positions import code_points_to_utf16
from exchange.readers import ExchangeError, read_archive
from exchange.storing import qdpx_import
from interviews.models import Interviewee

from .conftest import build_qdpx

U1 = "11111111-aaaa-4bbb-8ccc-000000000001"
CODE_A = "22222222-aaaa-4bbb-8ccc-000000000001"
CODE_B = "22222222-aaaa-4bbb-8ccc-000000000002"
CODE_C = "22222222-aaaa-4bbb-8ccc-000000000003"
SRC = "33333333-aaaa-4bbb-8ccc-000000000001"
CASE = "44444444-aaaa-4bbb-8ccc-000000000001"
NOTE = "55555555-aaaa-4bbb-8ccc-000000000001"
VAR = "66666666-aaaa-4bbb-8ccc-000000000001"

TEXT = "Q: Where did it start?\nA: In Minsk 🎬 and Harbin.\nQ: And money?\nA: Always short."


def sel(
    n: int, start: int, end: int, code: str = CODE_A, name: str | None = "", inner: str = ""
) -> str:
    name_attr = f' name="{name}"' if name else ""
    return (
        f'<PlainTextSelection guid="77777777-aaaa-4bbb-8ccc-{n:012d}" startPosition="{start}" '
        f'endPosition="{end}" creatingUser="{U1}"{name_attr}>{inner}'
        f'<Coding guid="88888888-aaaa-4bbb-8ccc-{n:012d}" creatingUser="{U1}">'
        f'<CodeRef targetGUID="{code}"/></Coding></PlainTextSelection>'
    )


def project_xml(
    selections: str,
    *,
    origin: str = "Some Tool 1.0",
    path: str = f"internal://{SRC}.txt",
    source_attrs: str = "",
    codes: str | None = None,
    extra: str = "",
    xmlns: str = ' xmlns="urn:QDA-XML:project:1.0"',
    src_guid: str = SRC,
    source_extra: str = "",
) -> str:
    codes = codes or (
        f'<Code guid="{CODE_A}" name="Places" isCodable="true" color="#f00">'
        f'<Code guid="{CODE_B}" name="Money" isCodable="true"/></Code>'
    )
    path_attr = f' plainTextPath="{path}"' if path else ""
    return (
        f'<?xml version="1.0" encoding="utf-8"?>\n<Project{xmlns} name="Foreign study" origin="{origin}">'
        f'<Users><User guid="{U1}" name="Maria Q"/></Users>'
        f"<CodeBook><Codes>{codes}</Codes></CodeBook>"
        f'<Sources><TextSource guid="{src_guid}" name="Interview 1"{path_attr}{source_attrs}>'
        f"{selections}{source_extra}</TextSource></Sources>{extra}</Project>"
    )


def run(files, user):
    return qdpx_import(archive=read_archive(io.BytesIO(build_qdpx(files))), user=user)


def quotes(project) -> list[tuple[str, str]]:
    return sorted(
        (c.code.name, c.quote)
        for c in Coding.objects.filter(source__project=project).select_related("code", "source")
    )


def span(text: str, part: str) -> tuple[int, int]:
    start = text.index(part)
    return start, start + len(part)


def test_capital_sources_folder_and_a_bare_path(users):
    s, e = span(TEXT, "In Minsk")
    files = {
        "project.qde": project_xml(sel(1, s, e), path=f"{SRC}.txt"),
        f"Sources/{SRC}.txt": TEXT,
    }
    project, report = run(files, users["admin"])
    assert quotes(project) == [("Places", "In Minsk")]
    assert report.not_carried == []


def test_a_qde_with_another_name_and_a_relative_path(users):
    s, e = span(TEXT, "Always short")
    files = {
        "My Study.qde": project_xml(sel(1, s, e, CODE_B), path=f"sources/{SRC}.txt"),
        f"sources/{SRC}.txt": TEXT,
    }
    project, report = run(files, users["admin"])
    assert quotes(project) == [("Money", "Always short")]
    assert any("My Study.qde" in line for line in report.info)


def test_guids_in_upper_case_and_braces(users):
    s, e = span(TEXT, "Harbin")
    upper_code = "{" + CODE_B.upper() + "}"
    xml = project_xml(
        sel(1, s, e, code=upper_code),
        src_guid="{" + SRC.upper() + "}",
        codes=f'<Code guid="{upper_code}" name="Money" isCodable="true"/>',
    )
    files = {"project.qde": xml, f"sources/{SRC}.txt": TEXT}
    project, report = run(files, users["admin"])
    assert quotes(project) == [("Money", "Harbin")]
    code = Code.objects.get(project=project)
    assert str(code.guid) == CODE_B


def test_empty_containers(users):
    s, e = span(TEXT, "Minsk")
    xml = project_xml(sel(1, s, e), extra="<Notes/><Links/><Sets/><Graphs/>").replace(
        "<Users>", "<Variables/><Cases/><Users>"
    )
    # Keep the schema's order for readers that care: Users come first.
    xml = xml.replace("<Variables/><Cases/><Users>", "<Users>").replace(
        "</CodeBook>", "</CodeBook><Variables/><Cases/>"
    )
    files = {"project.qde": xml, f"sources/{SRC}.txt": TEXT}
    project, report = run(files, users["admin"])
    assert quotes(project) == [("Places", "Minsk")]
    assert report.not_carried == []


@pytest.mark.parametrize(
    "xmlns",
    ["", ' xmlns="urn:QDA-XML:project:1:0"', ' xmlns:qda="urn:QDA-XML:project:1.0"'],
    ids=["no-namespace", "colon-variant", "prefixed"],
)
def test_namespace_variants(users, xmlns):
    s, e = span(TEXT, "Minsk")
    xml = project_xml(sel(1, s, e), xmlns=xmlns)
    if "qda" in xmlns:
        xml = xml.replace("<", "<qda:").replace("<qda:/", "</qda:").replace("<qda:?xml", "<?xml")
    files = {"project.qde": xml, f"sources/{SRC}.txt": TEXT}
    project, _report = run(files, users["admin"])
    assert quotes(project) == [("Places", "Minsk")]


def test_a_bom_in_the_xml_and_in_the_text(users):
    s, e = span(TEXT, "Harbin")
    files = {
        "project.qde": b"\xef\xbb\xbf" + project_xml(sel(1, s, e)).encode("utf-8"),
        f"sources/{SRC}.txt": b"\xef\xbb\xbf" + TEXT.encode("utf-8"),
    }
    project, _report = run(files, users["admin"])
    assert quotes(project) == [("Places", "Harbin")]
    assert project.sources.get().text == TEXT


@pytest.mark.parametrize(("origin", "crlf_as_two"), [("ATLAS.ti 23", False), ("MAXQDA 2022", True)])
def test_crlf_text_counted_as_the_tool_counts(users, origin, crlf_as_two):
    raw = TEXT.replace("\n", "\r\n")
    basis = raw if crlf_as_two else TEXT
    s, e = span(basis, "Always short")
    files = {
        "project.qde": project_xml(sel(1, s, e, CODE_B), origin=origin),
        f"sources/{SRC}.txt": raw.encode("utf-8"),
    }
    project, report = run(files, users["admin"])
    assert project.sources.get().text == TEXT
    assert quotes(project) == [("Money", "Always short")]
    assert report.warnings and "unsure" in report.warnings[0]  # no names to verify against


@pytest.mark.parametrize("origin", ["NVivo 14 (Windows)", "QualCoder 3.5"])
def test_utf16_positions_from_tools_that_write_them(users, origin):
    s, e = span(TEXT, "and Harbin")
    u16 = (code_points_to_utf16(TEXT, s), code_points_to_utf16(TEXT, e))
    assert u16 != (s, e)
    files = {
        "project.qde": project_xml(sel(1, *u16, name="and Harbin"), origin=origin),
        f"sources/{SRC}.txt": TEXT,
    }
    project, report = run(files, users["admin"])
    assert quotes(project) == [("Places", "and Harbin")]
    assert report.warnings == []
    assert any("UTF-16" in line for line in report.info)


def test_positions_are_verified_against_the_quoted_text_when_the_origin_is_wrong(users):
    # The file says MAXQDA (code points), but its positions are UTF-16 units.
    s, e = span(TEXT, "and Harbin")
    u16 = (code_points_to_utf16(TEXT, s), code_points_to_utf16(TEXT, e))
    files = {
        "project.qde": project_xml(sel(1, *u16, name="and Harbin"), origin="MAXQDA 2022"),
        f"sources/{SRC}.txt": TEXT,
    }
    project, report = run(files, users["admin"])
    assert quotes(project) == [("Places", "and Harbin")]
    assert any("not what" in line for line in report.info)


def test_code_points_after_an_emoji_are_kept_for_code_point_tools(users):
    s, e = span(TEXT, "and Harbin")
    files = {
        "project.qde": project_xml(sel(1, s, e, name="and Harbin"), origin="MAXQDA 2022"),
        f"sources/{SRC}.txt": TEXT,
    }
    project, report = run(files, users["admin"])
    assert quotes(project) == [("Places", "and Harbin")]
    assert report.warnings == []


def test_a_clear_warning_when_positions_cannot_be_verified(users):
    s, e = span(TEXT, "and Harbin")
    files = {
        "project.qde": project_xml(sel(1, s, e), origin="NVivo 12 (Windows)"),
        f"sources/{SRC}.txt": TEXT,
    }
    _project, report = run(files, users["admin"])
    assert len(report.warnings) == 1
    assert "unsure how positions were counted" in report.warnings[0]
    assert "Interview 1" in report.warnings[0]


def test_memos_as_selection_descriptions_and_as_notes(users):
    s1, e1 = span(TEXT, "In Minsk")
    s2, e2 = span(TEXT, "Always short")
    selections = sel(1, s1, e1, inner="<Description>ATLAS quotation comment</Description>") + sel(
        2, s2, e2, CODE_B, inner=f'<NoteRef targetGUID="{NOTE}"/>'
    )
    notes = (
        f'<Notes><Note guid="{NOTE}" name="Money memo" creatingUser="{U1}">'
        "<PlainTextContent>Money came up late.</PlainTextContent></Note>"
        '<Note guid="55555555-aaaa-4bbb-8ccc-000000000002" name="Loose">'
        "<PlainTextContent>A project note.</PlainTextContent></Note></Notes>"
    )
    files = {"project.qde": project_xml(selections, extra=notes), f"sources/{SRC}.txt": TEXT}
    project, report = run(files, users["admin"])
    memos = {
        (m.target_kind, m.title, m.text, m.coding.quote if m.coding else None)
        for m in Memo.objects.filter(project=project)
    }
    assert memos == {
        ("coding", "", "ATLAS quotation comment", "In Minsk"),
        ("coding", "Money memo", "Money came up late.", "Always short"),
        ("project", "Loose", "A project note.", None),
    }
    author = Memo.objects.get(project=project, title="Money memo").author
    assert author.username == "Maria_Q"
    assert not author.is_active
    assert not author.has_usable_password()
    assert str(author.profile.guid) == U1


def test_codable_and_non_codable_parents(users):
    codes = (
        f'<Code guid="{CODE_A}" name="Places" isCodable="false">'
        f'<Code guid="{CODE_B}" name="Cities" isCodable="true"/></Code>'
        f'<Code guid="{CODE_C}" name="Money" isCodable="true">'
        '<Code guid="22222222-aaaa-4bbb-8ccc-000000000004" name="Shortage" isCodable="true"/></Code>'
    )
    s, e = span(TEXT, "Minsk")
    s2, e2 = span(TEXT, "money")
    files = {
        "project.qde": project_xml(
            sel(1, s, e, CODE_B, name="Minsk") + sel(2, s2, e2, CODE_C, name="money"), codes=codes
        ),
        f"sources/{SRC}.txt": TEXT,
    }
    project, report = run(files, users["admin"])
    tree = {c.full_path: c.is_codable for c in Code.objects.filter(project=project)}
    assert tree == {"Places": False, "Places/Cities": True, "Money": True, "Money/Shortage": True}
    assert quotes(project) == [("Cities", "Minsk"), ("Money", "money")]
    assert report.warnings == []


def test_a_non_codable_code_with_codings_becomes_codable_with_a_warning(users):
    codes = f'<Code guid="{CODE_A}" name="Places" isCodable="false"/>'
    s, e = span(TEXT, "Minsk")
    files = {"project.qde": project_xml(sel(1, s, e), codes=codes), f"sources/{SRC}.txt": TEXT}
    project, report = run(files, users["admin"])
    assert Code.objects.get(project=project).is_codable
    assert quotes(project) == [("Places", "Minsk")]
    assert "made codable" in report.warnings[0]


def test_rich_text_only_is_read_from_the_docx(users):
    document = docx.Document()
    for line in TEXT.split("\n"):
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    s, e = span(TEXT, "Always short")
    xml = project_xml(
        sel(1, s, e, CODE_B, name="Always short"),
        path="",
        source_attrs=f' richTextPath="internal://{SRC}.docx"',
    )
    files = {"project.qde": xml, f"sources/{SRC}.docx": buffer.getvalue()}
    project, report = run(files, users["admin"])
    assert project.sources.get().text == TEXT
    assert quotes(project) == [("Money", "Always short")]
    assert any("Word file" in line for line in report.info)


def test_cases_with_variables_and_source_refs(users):
    variables = (
        f'<Variables><Variable guid="{VAR}" name="Age" typeOfVariable="Integer"/>'
        '<Variable guid="66666666-aaaa-4bbb-8ccc-000000000002" name="Seen" typeOfVariable="DateTime"/>'
        "</Variables>"
    )
    cases = (
        f'<Cases><Case guid="{CASE}" name="Anna"><Description>Producer</Description>'
        f'<VariableValue><VariableRef targetGUID="{VAR}"/><IntegerValue>42</IntegerValue></VariableValue>'
        '<VariableValue><VariableRef targetGUID="66666666-aaaa-4bbb-8ccc-000000000002"/>'
        "<DateTimeValue>2024-01-02T10:00:00</DateTimeValue></VariableValue>"
        f'<SourceRef targetGUID="{SRC}"/></Case></Cases>'
    )
    xml = project_xml("").replace("</CodeBook>", "</CodeBook>" + variables + cases)
    files = {"project.qde": xml, f"sources/{SRC}.txt": TEXT}
    project, report = run(files, users["admin"])
    anna = Interviewee.objects.get(project=project)
    assert (anna.pseudonym, anna.notes) == ("Anna", "Producer")
    values = {(v.attribute.name, v.attribute.type, v.value) for v in anna.attribute_values.all()}
    assert values == {("Age", "number", "42"), ("Seen", "text", "2024-01-02T10:00:00")}
    assert [s.title for s in anna.sources.all()] == ["Interview 1"]


def test_what_cannot_be_carried_over_is_reported(users):
    extra_sources = '<PictureSource guid="99999999-aaaa-4bbb-8ccc-000000000001" name="Photo" path="internal://p.jpg"/>'
    xml = project_xml("").replace("</TextSource>", "</TextSource>" + extra_sources)
    xml = xml.replace(
        "</Project>",
        '<Sets><Set guid="99999999-aaaa-4bbb-8ccc-000000000002" name="Favourites">'
        f'<MemberCode targetGUID="{CODE_B}"/></Set></Sets></Project>',
    )
    files = {"project.qde": xml, f"sources/{SRC}.txt": TEXT}
    project, report = run(files, users["admin"])
    text = " ".join(report.not_carried)
    assert "picture source" in text
    assert "Favourites" in text
    assert Memo.objects.get(project=project, title="Set “Favourites”").text.endswith(
        "Places/Money."
    )


def test_a_missing_text_file_is_reported_not_guessed(users):
    s, e = span(TEXT, "Minsk")
    project, report = run({"project.qde": project_xml(sel(1, s, e))}, users["admin"])
    assert project.sources.count() == 0
    assert any("not in the archive" in line for line in report.not_carried)
    assert any("1 coded selection(s) of it were left out" in line for line in report.not_carried)


def test_an_archive_without_a_project_file_is_refused(users):
    with pytest.raises(ExchangeError, match="no project file"):
        run({"sources/a.txt": "x"}, users["admin"])


def test_notes_kept_as_text_files(users):
    s, e = span(TEXT, "Minsk")
    notes = f'<Notes><Note guid="{NOTE}" name="File note" plainTextPath="internal://{NOTE}.txt"/></Notes>'
    xml = project_xml(sel(1, s, e, inner=f'<NoteRef targetGUID="{NOTE}"/>'), extra=notes)
    files = {
        "project.qde": xml,
        f"sources/{SRC}.txt": TEXT,
        f"sources/{NOTE}.txt": "\ufeffLine one\r\nLine two".encode(),
    }
    project, _report = run(files, users["admin"])
    memo = Memo.objects.get(project=project)
    assert (memo.title, memo.text, memo.coding.quote) == (
        "File note",
        "Line one\nLine two",
        "Minsk",
    )


@pytest.mark.parametrize("same_source", [True, False])
def test_importing_twice_gives_taken_guids_new_ones(users, same_source):
    s, e = span(TEXT, "Minsk")
    notes = f'<Notes><Note guid="{NOTE}" name="N"><PlainTextContent>On Minsk.</PlainTextContent></Note></Notes>'
    selection = sel(1, s, e, name="Minsk", inner=f'<NoteRef targetGUID="{NOTE}"/>')
    first, _ = run(
        {"project.qde": project_xml(selection, extra=notes), f"sources/{SRC}.txt": TEXT},
        users["admin"],
    )
    other = SRC if same_source else "33333333-aaaa-4bbb-8ccc-00000000000f"
    xml = project_xml(selection, extra=notes, src_guid=other, path=f"internal://{other}.txt")
    files = {"project.qde": xml, f"sources/{other}.txt": TEXT}
    second, report = run(files, users["admin"])
    assert quotes(second) == quotes(first) == [("Places", "Minsk")]
    one, two = (Coding.objects.get(source__project=p) for p in (first, second))
    assert one.guid != two.guid
    memo = Memo.objects.get(project=second)
    assert (memo.text, memo.coding) == ("On Minsk.", two)
    assert any("new GUIDs" in line for line in report.info)


def test_a_pdf_is_imported_as_its_text_representation(users):
    s, e = span(TEXT, "Harbin")
    pdf = (
        f'<PDFSource guid="{SRC}" name="Report.pdf" path="internal://report.pdf">'
        '<PDFSelection guid="99999999-aaaa-4bbb-8ccc-000000000003" page="1" firstX="1" '
        'firstY="1" secondX="5" secondY="5"/>'
        '<Representation guid="99999999-aaaa-4bbb-8ccc-000000000004" '
        f'plainTextPath="internal://{SRC}.txt">{sel(1, s, e, name="Harbin")}</Representation>'
        f'<NoteRef targetGUID="{NOTE}"/></PDFSource>'
    )
    notes = f'<Notes><Note guid="{NOTE}" name="PDF memo"><PlainTextContent>About the report.</PlainTextContent></Note></Notes>'
    xml = project_xml("", extra=notes)
    start = xml.index("<TextSource")
    xml = xml[:start] + pdf + xml[xml.index("</TextSource>") + len("</TextSource>") :]
    project, report = run({"project.qde": xml, f"sources/{SRC}.txt": TEXT}, users["admin"])
    source = project.sources.get()
    assert (source.title, str(source.guid)) == ("Report.pdf", SRC)
    assert quotes(project) == [("Places", "Harbin")]
    assert Memo.objects.get(project=project).source == source
    assert any("areas of the PDF page" in line for line in report.not_carried)
