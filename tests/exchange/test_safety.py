"""Hostile files: entities, path traversal, zip bombs; a failed import stores nothing."""

import io
import zipfile

import pytest

from coding.models import Code, Coding
from exchange.readers import ExchangeError, read_archive
from exchange.storing import qdpx_import
from interviews.models import Project, Source

from .conftest import build_qdpx
from .test_variants import SRC, TEXT, project_xml, sel, span


def run(files, user):
    return qdpx_import(archive=read_archive(io.BytesIO(build_qdpx(files))), user=user)


def test_entities_are_not_expanded(users, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    xml = project_xml("").replace(
        '<?xml version="1.0" encoding="utf-8"?>\n',
        '<?xml version="1.0"?>\n<!DOCTYPE Project [<!ENTITY lol "lollollol">'
        f'<!ENTITY xxe SYSTEM "file://{secret}">]>\n',
    )
    xml = xml.replace('name="Foreign study"', 'name="Study &xxe; &lol;"')
    before = Project.objects.count()
    with pytest.raises(ExchangeError, match="declares XML entities") as refused:
        run({"project.qde": xml, f"sources/{SRC}.txt": TEXT}, users["admin"])
    assert "TOP-SECRET" not in str(refused.value)
    assert Project.objects.count() == before


def test_the_parser_itself_never_reads_external_entities(tmp_path):
    from lxml import etree

    from exchange.readers import xml_parser

    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    data = (f'<!DOCTYPE r [<!ENTITY xxe SYSTEM "file://{secret}">]><r>&xxe;</r>').encode()
    root = etree.fromstring(data, xml_parser())
    assert "TOP-SECRET" not in etree.tostring(root).decode()


def test_a_billion_laughs_does_not_blow_up(users):
    entities = '<!ENTITY a "aaaaaaaaaa">' + "".join(
        f'<!ENTITY {chr(98 + i)} "' + f"&{chr(97 + i)};" * 10 + '">' for i in range(8)
    )
    xml = project_xml("").replace(
        '<?xml version="1.0" encoding="utf-8"?>\n', f"<!DOCTYPE Project [{entities}]>\n"
    )
    xml = xml.replace('name="Foreign study"', 'name="&i;"')
    with pytest.raises(ExchangeError, match="entities"):
        run({"project.qde": xml, f"sources/{SRC}.txt": TEXT}, users["admin"])


@pytest.mark.parametrize("name", ["../evil.txt", "/etc/passwd", "sources/../../x.txt", "C:/x.txt"])
def test_path_traversal_is_refused(users, name):
    with pytest.raises(ExchangeError, match="outside the archive"):
        run({"project.qde": project_xml(""), name: "x"}, users["admin"])
    assert not Project.objects.filter(name="Foreign study").exists()


def test_too_many_entries_are_refused(users, settings):
    settings.PARLEY_MAX_ARCHIVE_ENTRIES = 3
    files = {"project.qde": project_xml(""), **{f"sources/{i}.txt": "x" for i in range(3)}}
    with pytest.raises(ExchangeError, match="at most 3"):
        run(files, users["admin"])


def test_a_zip_bomb_is_refused_by_its_unpacked_size(users, settings):
    settings.PARLEY_MAX_UNPACKED_BYTES = 1024 * 1024
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", project_xml(""))
        archive.writestr(f"sources/{SRC}.txt", b"0" * (5 * 1024 * 1024))
    assert len(buffer.getvalue()) < 50_000
    with pytest.raises(ExchangeError, match="unpack"):
        read_archive(io.BytesIO(buffer.getvalue()))


def test_an_entry_larger_than_the_per_entry_limit_is_refused(settings):
    settings.PARLEY_MAX_ENTRY_BYTES = 1000
    with pytest.raises(ExchangeError, match="more than"):
        read_archive(io.BytesIO(build_qdpx({"project.qde": "x" * 5000})))


def test_a_lying_size_header_does_not_get_past_the_limit(settings):
    settings.PARLEY_MAX_ENTRY_BYTES = 1000
    data = bytearray(build_qdpx({"project.qde": "y" * 5000}))
    # Claim 10 bytes in the central directory (offset 24 of the entry) and local header.
    central = data.rfind(b"PK\x01\x02")
    data[central + 24 : central + 28] = (10).to_bytes(4, "little")
    data[22:26] = (10).to_bytes(4, "little")
    with pytest.raises(ExchangeError):
        read_archive(io.BytesIO(bytes(data)))


def test_not_a_zip_is_refused():
    with pytest.raises(ExchangeError, match="not a zip"):
        read_archive(io.BytesIO(b"<Project/>"))


def test_malformed_xml_is_refused(users):
    with pytest.raises(ExchangeError, match="not well-formed"):
        run({"project.qde": "<Project name='x'><Users>"}, users["admin"])


def test_a_failed_import_stores_nothing(users, monkeypatch):
    s, e = span(TEXT, "Minsk")
    files = {"project.qde": project_xml(sel(1, s, e)), f"sources/{SRC}.txt": TEXT}
    before = (Project.objects.count(), Source.objects.count(), Code.objects.count())

    from exchange import storing

    def boom(self, project):
        raise RuntimeError("disk full")

    monkeypatch.setattr(storing.ProjectImport, "_store_memos", boom)
    with pytest.raises(RuntimeError):
        run(files, users["admin"])
    assert (Project.objects.count(), Source.objects.count(), Code.objects.count()) == before
    assert Coding.objects.count() == 0


def test_a_source_text_holding_nul_characters_is_refused_with_a_reason(users):
    """UTF-16 without a byte-order mark reads as UTF-8 full of NULs; PostgreSQL cannot store
    them, so the import stops with a reason instead of an internal error."""
    files = {
        "project.qde": project_xml(""),
        f"sources/{SRC}.txt": TEXT.encode("utf-16-le"),
    }
    before = (Project.objects.count(), Source.objects.count())
    with pytest.raises(ExchangeError, match="NUL characters"):
        run(files, users["admin"])
    assert (Project.objects.count(), Source.objects.count()) == before
