"""Small files of every format, built in code for the import tests."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "import"
MIXED = FIXTURES / "mixed"


def make_docx(
    paragraphs: list[str], table: list[list[str]] | None = None, title: str = ""
) -> bytes:
    from docx import Document

    document = Document()
    if title:
        document.core_properties.title = title
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
        document.add_paragraph("After the table.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def make_odt(paragraphs: list[str], heading: str = "") -> bytes:
    from odf.opendocument import OpenDocumentText
    from odf.text import H, P

    document = OpenDocumentText()
    if heading:
        document.text.addElement(H(outlinelevel=1, text=heading))
    for text in paragraphs:
        document.text.addElement(P(text=text))
    out = io.BytesIO()
    document.write(out)
    return out.getvalue()


def _pdf_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def make_pdf(pages: list[list[str]]) -> bytes:
    """A PDF with a text layer (Helvetica, Latin-1 text); an empty page list line makes a
    page with no text at all, as a scan has."""
    objects: list[bytes] = []
    page_ids = []
    font_id = 3
    next_id = 4
    page_objects = []
    for lines in pages:
        content = (
            "BT /F1 12 Tf 72 720 Td 14 TL "
            + " ".join(f"({_pdf_escape(line)}) Tj T*" for line in lines)
            + " ET"
            if lines
            else "0 0 1 rg 72 72 200 200 re f"
        )
        stream = content.encode("latin-1")
        content_id, page_id = next_id, next_id + 1
        next_id += 2
        page_ids.append(page_id)
        page_objects.append(
            (content_id, b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        )
        page_objects.append(
            (
                page_id,
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
                b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % content_id,
            )
        )
    kids = " ".join(f"{p} 0 R" for p in page_ids).encode()
    objects = [
        (1, b"<< /Type /Catalog /Pages 2 0 R >>"),
        (2, b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % len(page_ids)),
        (font_id, b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"),
        *page_objects,
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = {}
    for number, body in sorted(objects):
        offsets[number] = out.tell()
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for number in range(1, len(objects) + 1):
        out.write(b"%010d 00000 n \n" % offsets[number])
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def encrypt_pdf(data: bytes, password: str = "secret") -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=password, owner_password=password + "-owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def make_zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


DOCX_PARAGRAPHS = [
    "Interviewer: How did the co-production with Harbin start?",
    "Respondent: At a festival in Minsk. Денег не хватало, но партнёры доверяли друг другу.",
    "Interviewer: And the audience?",
    "Respondent: 观众很喜欢 — the audience loved it 🎬.",
]


def mixed_folder(target: Path) -> Path:
    """The committed mixed-format files plus a DOCX, an ODT and a PDF written beside them."""
    folder = target / "mixed"
    shutil.copytree(MIXED, folder)
    (folder / "BY-14 transcript.docx").write_bytes(
        make_docx(DOCX_PARAGRAPHS, table=[["Year", "Films"], ["2019", "2"]])
    )
    (folder / "BY-15 transcript.odt").write_bytes(
        make_odt(
            ["Interviewer: Was the strategy useful?", "Respondent: Yes — очень полезна."],
            heading="Interview BY-15",
        )
    )
    (folder / "policy brief.pdf").write_bytes(
        make_pdf([["Policy brief on film co-production."], ["Funding rose by ten percent."]])
    )
    return folder
