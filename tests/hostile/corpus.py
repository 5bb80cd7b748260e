"""The hostile corpus: inputs built to hold a worker, eat its memory or break a project.

Each builder returns the bytes (or text) of one case. The tests in this folder send every
case through the pages and functions that take it; bench/hostile_bench.py times them.
"""

from __future__ import annotations

import io
import zipfile
import zlib

from tests.interviews.import_files import make_zip

MB = 1024 * 1024

# Text that made a cleaning step quadratic: each repeated to `size` characters.
TEXT_PATTERNS: dict[str, tuple[str, str]] = {
    # name: (unit repeated, what follows the run)
    "spaces-before-a-word": (" ", "word\n"),
    "nbsp-before-a-word": ("\u00a0", "word\n"),
    "tabs-before-a-word": ("\t", "word\n"),
    "markdown-emphasis": ("*a ", ""),
    "markdown-strong": ("**a ", ""),
    "markdown-underscore": ("_a ", ""),
    "markdown-strike": ("~~a ", ""),
    "markdown-link-open": ("[a", ""),
    "markdown-link-target": ("[a](", ""),
    "markdown-image": ("![a", ""),
    "markdown-tag": ("<a", ""),
    "markdown-backticks": ("`", "a"),
    "markdown-code": ("`a", ""),
    "markdown-heading": ("# " + " " * 64, "x\n"),
    "subtitle-voice": ("<v a", ""),
    "subtitle-font": ("{\\", ""),
    "one-long-word": ("a", ""),
    "opening-brackets": ("(", "a"),
    "closing-brackets": ("a", ")" * 1000),
    "dotted-word": ("a.", ""),
    "han-characters": ("中国电影。", ""),
    "labels-without-speech": ("Name:", ""),
}


def text_pattern(name: str, size: int = 5 * MB) -> str:
    unit, tail = TEXT_PATTERNS[name]
    return unit * (size // len(unit)) + tail


def as_subtitles(text: str, kind: str) -> str:
    """A text as the one cue of a WebVTT or SubRip file."""
    if kind == "vtt":
        return f"WEBVTT\n\n00:00.000 --> 00:01.000\n{text}\n"
    return f"1\n00:00:00,000 --> 00:00:01,000\n{text}\n"


_ODT = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0">'
    "<office:body><office:text><text:p>{}</text:p></office:text></office:body>"
    "</office:document-content>"
)


def odt(paragraph_xml: str) -> bytes:
    return make_zip(
        {
            "mimetype": b"application/vnd.oasis.opendocument.text",
            "content.xml": _ODT.format(paragraph_xml).encode(),
        }
    )


def odt_space_bomb() -> bytes:
    """A few hundred bytes whose one repeat count asks for 300 million spaces."""
    return odt('Interviewer: a<text:s text:c="300000000"/>b')


def odt_many_space_bombs() -> bytes:
    """Many counts each under the limit that together would pass it."""
    return odt('Interviewer: a<text:s text:c="40000000"/>' * 8 + "b")


def odt_bad_int() -> bytes:
    return odt('Interviewer: a<text:s text:c="many"/>b Respondent: c<text:s text:c="-3"/>d')


def zip_lying_entry(real_size: int = 100 * MB, declared: int = 10) -> bytes:
    """A zip whose one entry declares `declared` bytes and inflates to `real_size`."""
    data = bytearray(make_zip({"a.txt": b"x" * real_size}))
    local = data.find(b"PK\x03\x04")
    central = data.find(b"PK\x01\x02")
    data[local + 22 : local + 26] = declared.to_bytes(4, "little")
    data[central + 24 : central + 28] = declared.to_bytes(4, "little")
    return bytes(data)


def pdf_flate_bomb(size: int = 400 * MB) -> bytes:
    """A PDF whose one page's content stream inflates to `size` bytes of spaces."""
    compressor = zlib.compressobj(9)
    chunk = b" " * MB
    stream = b"".join(compressor.compress(chunk) for _ in range(size // MB)) + compressor.flush()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


CODEBOOK_HEADER = "path,colour,definition,inclusion,exclusion,example\n"


def codebook_xlsx(
    rows: list[list[str]], *, dimension: str | None = None, cells: dict[bytes, bytes] | None = None
) -> bytes:
    """A codebook workbook; `dimension` overrides the range the sheet declares, `cells`
    replaces pieces of the sheet's XML."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    if dimension is None and not cells:
        return buffer.getvalue()
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    entries = {}
    for info in source.infolist():
        data = source.read(info)
        if info.filename == "xl/worksheets/sheet1.xml":
            for old, new in (cells or {}).items():
                data = data.replace(old, new)
        if info.filename == "xl/worksheets/sheet1.xml" and dimension:
            start = data.index(b"<dimension ref=")
            end = data.index(b"/>", start)
            data = data[:start] + b'<dimension ref="%s"' % dimension.encode() + data[end:]
        entries[info.filename] = data
    return make_zip(entries)


def codebook_xlsx_huge_dimension() -> bytes:
    header = ["path", "colour", "definition", "inclusion", "exclusion", "example"]
    return codebook_xlsx([header, ["Strengths", "", "", "", "", ""]], dimension="A1:XFD1048576")


def codebook_xlsx_formula() -> bytes:
    """A formula cell whose cached value is not the number its type says."""
    header = ["path", "colour", "definition", "inclusion", "exclusion", "example"]
    return codebook_xlsx(
        [header, ["Strengths", "", "", "", "", ""], ["Weaknesses", "", 7, "", "", ""]],
        cells={
            b'<c r="C3" t="n"><v>7</v></c>': (
                b'<c r="C3"><f>HYPERLINK("http://x","y")</f><v>not a number</v></c>'
            )
        },
    )


def codebook_csv_long_field() -> bytes:
    return (CODEBOOK_HEADER + 'A,,"' + "x" * (200 * 1024) + '",,,\n').encode()


def codebook_csv_deep(depth: int = 2000) -> bytes:
    return (CODEBOOK_HEADER + "/".join(f"c{i}" for i in range(depth)) + ",,,,,\n").encode()


def codebook_csv_rows(count: int = 60000) -> bytes:
    return (CODEBOOK_HEADER + "".join(f"Code {i},,,,,\n" for i in range(count))).encode()


def transcript_many_speakers(count: int) -> bytes:
    return "".join(f"Speaker{i}: words of speaker {i}.\n\n" for i in range(count)).encode()


def transcript_many_words(count: int = 90000) -> bytes:
    """About 1 MB of distinct words: more lexemes than one PostgreSQL tsvector holds."""
    letters = "abcdefghijklmnopqrstuvwxyz"

    def word(n: int) -> str:
        out = ""
        n += 26 * 27
        while n:
            n, r = divmod(n, 26)
            out += letters[r]
        return out

    words = [word(i) for i in range(count)]
    lines = [" ".join(words[i : i + 12]) + "." for i in range(0, count, 12)]
    return ("\n\n".join(lines) + "\n").encode()
