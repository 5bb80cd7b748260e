"""Word (.docx) and OpenDocument (.odt): paragraphs and tables in document order.

Both are zip archives of XML. They are unpacked through SafeZip (size limits enforced while
decompressing) and parsed without DTDs, entities or network access.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from lxml import etree

from interviews.importers.archive import SafeZip
from interviews.importers.base import Imported, ImportRefused, build, label, sniff

_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True
)
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
DC = "{http://purl.org/dc/elements/1.1/}"
TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"


def _open(data: bytes, name: str, kind: str) -> SafeZip:
    if not data.strip():
        raise ImportRefused(f"{label(name)} is empty.")
    if not data.startswith(b"PK"):
        found = sniff(data)
        what = f"holds {found}" if found else "is not one"
        raise ImportRefused(f"{label(name)} is named as a {kind} but {what}.")
    return SafeZip(data, name=name)


def _xml(archive: SafeZip, part: str, name: str, kind: str) -> etree._Element:
    if part not in archive.names():
        raise ImportRefused(f"{label(name)} is damaged: it is not a readable {kind}.")
    try:
        return etree.fromstring(archive.read(part), _PARSER)
    except etree.XMLSyntaxError as exc:
        raise ImportRefused(f"{label(name)} is damaged: it is not a readable {kind}.") from exc


def _table(rows, cell_tag: str, blocks) -> str:
    """A table as text: a line per row, cells apart by tabs, a cell's paragraphs by spaces."""
    return "\n".join(
        "\t".join(" ".join(b for b in blocks(cell) if b.strip()) for cell in row.findall(cell_tag))
        for row in rows
    )


def _core_title(archive: SafeZip, part: str) -> str:
    if part not in archive.names():
        return ""
    try:
        root = etree.fromstring(archive.read(part), _PARSER)
    except (etree.XMLSyntaxError, ImportRefused):
        return ""
    return " ".join((root.findtext(f".//{DC}title") or "").split())


# Word ---------------------------------------------------------------------------------


def _docx_paragraph(paragraph: etree._Element) -> str:
    pieces: list[str] = []
    for node in paragraph.iter(f"{W}t", f"{W}tab", f"{W}br", f"{W}cr", f"{W}delText"):
        if node.tag == f"{W}t":
            pieces.append(node.text or "")
        elif node.tag == f"{W}tab":
            pieces.append("\t")
        elif node.tag in (f"{W}br", f"{W}cr"):
            pieces.append("\n")
        # Deleted text (tracked changes) is not part of what the reader sees.
    return "".join(pieces)


def _docx_blocks(container: etree._Element, expansion: _Expansion | None = None) -> list[str]:
    blocks: list[str] = []
    for child in container:
        if child.tag == f"{W}p":
            blocks.append(_docx_paragraph(child))
        elif child.tag == f"{W}tbl":
            blocks.append(_table(child.iter(f"{W}tr"), f"{W}tc", _docx_blocks))
        elif child.tag in (f"{W}sdt", f"{W}customXml"):
            content = child.find(f"{W}sdtContent")
            blocks.extend(_docx_blocks(content if content is not None else child))
    return blocks


def read_docx(data: bytes, *, name: str = "") -> Imported:
    return _read(data, name, DOCX)


# OpenDocument -------------------------------------------------------------------------


class _Expansion:
    """What repeat counts (`<text:s text:c="300000000"/>`) may still add to a document's text:
    together no more than the limit on unpacked bytes, whatever each count says."""

    def __init__(self, name: str):
        self.name = name
        self.left = settings.PARLEY_MAX_UNPACKED_BYTES

    def spaces(self, count: str | None) -> str:
        try:
            wanted = max(1, int(count or "1"))
        except ValueError:
            wanted = 1  # a count that is not a number is one space, as office suites read it
        if wanted > self.left:
            raise ImportRefused(
                f"{label(self.name)} would expand beyond the limit for unpacked files; "
                "nothing from it was imported."
            )
        self.left -= wanted
        return " " * wanted


def _odt_inline(element: etree._Element, expansion: _Expansion) -> str:
    pieces: list[str] = [element.text or ""]
    for child in element:
        if child.tag == f"{TEXT}s":
            pieces.append(expansion.spaces(child.get(f"{TEXT}c")))
        elif child.tag == f"{TEXT}tab":
            pieces.append("\t")
        elif child.tag == f"{TEXT}line-break":
            pieces.append("\n")
        elif child.tag in (f"{TEXT}note", f"{OFFICE}annotation"):
            pass
        else:
            pieces.append(_odt_inline(child, expansion))
        pieces.append(child.tail or "")
    return "".join(pieces)


def _odt_blocks(container: etree._Element, expansion: _Expansion) -> list[str]:
    blocks: list[str] = []
    for child in container:
        if child.tag in (f"{TEXT}p", f"{TEXT}h"):
            blocks.append(_odt_inline(child, expansion))
        elif child.tag == f"{TABLE}table":
            blocks.append(
                _table(
                    child.iter(f"{TABLE}table-row"),
                    f"{TABLE}table-cell",
                    lambda cell: _odt_blocks(cell, expansion),
                )
            )
        elif child.tag in (f"{TEXT}list", f"{TEXT}list-item", f"{TEXT}section"):
            blocks.extend(_odt_blocks(child, expansion))
    return blocks


def read_odt(data: bytes, *, name: str = "") -> Imported:
    return _read(data, name, ODT)


# Both ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Format:
    kind: str  # as users read it
    format: str
    content: str  # the archive part holding the text
    body: str  # the path of the text's container within it
    meta: str  # the part holding the document's title
    blocks: Callable[[etree._Element, _Expansion], list[str]]


DOCX = _Format(
    "Word document", "docx", "word/document.xml", f"{W}body", "docProps/core.xml", _docx_blocks
)
ODT = _Format(
    "OpenDocument text", "odt", "content.xml", f"{OFFICE}body/{OFFICE}text", "meta.xml", _odt_blocks
)


def _read(data: bytes, name: str, kind: _Format) -> Imported:
    archive = _open(data, name, kind.kind)
    body = _xml(archive, kind.content, name, kind.kind).find(kind.body)
    if body is None:
        raise ImportRefused(f"{label(name)} is damaged: it is not a readable {kind.kind}.")
    # Each paragraph on its own line; a blank line between paragraphs keeps them apart.
    blocks = kind.blocks(body, _Expansion(name))
    text = "\n\n".join(block for block in blocks if block.strip())
    # The file name is the title: a document's own title property is often a stale template's.
    title = _core_title(archive, kind.meta)
    return build(
        text, format=kind.format, name=name, title="" if name else title, metadata={"title": title}
    )
