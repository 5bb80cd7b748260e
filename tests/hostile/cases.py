"""The actions run under bounds by tests/hostile/test_bounds.py (see bounded.py)."""

from __future__ import annotations

import io

from tests.hostile import corpus


def _refusal(read, *args) -> str:
    from interviews.importers import ImportRefused

    try:
        imported = read(*args)
    except ImportRefused as refused:
        return f"refused: {refused}"
    return f"read: {len(imported.text)} characters"


def text(pattern: str):
    """Every text reader, and the sentence splitter, on 5 MB of one pattern."""
    from interviews import nlp
    from interviews.importers import read_file

    body = corpus.text_pattern(pattern)
    files = {
        "case.txt": body.encode(),
        "case.md": body.encode(),
        "case.html": f"<html><body><pre>{body}</pre><p>{body}</p></body></html>".encode(),
        # SubRip cues are cleaned by the same code as WebVTT's, pasted text as a .txt file's.
        "case.vtt": corpus.as_subtitles(body, "vtt").encode(),
    }
    nlp.sentence_starts("Warm. Up.", "en")  # the tokenizer rules loaded

    def run() -> dict:
        out = {name: _refusal(read_file, name, data) for name, data in files.items()}
        out["sentences"] = len(nlp.sentence_starts(body, "en"))
        return out

    return run


def importer(kind: str):
    from interviews.importers import read_file

    name, data = {
        "odt-space-bomb": ("bomb.odt", corpus.odt_space_bomb),
        "odt-many-bombs": ("bombs.odt", corpus.odt_many_space_bombs),
        "pdf-flate-bomb": ("bomb.pdf", corpus.pdf_flate_bomb),
    }[kind]
    data = data()
    return lambda: _refusal(read_file, name, data)


def zip_lying_entry():
    from interviews.importers import ImportRefused, unpack_zip

    data = corpus.zip_lying_entry()

    def run() -> str:
        try:
            unpack_zip(data, name="lies.zip")
        except ImportRefused as refused:
            return f"refused: {refused}"
        return "read"

    return run


def qdpx_lying_entry():
    from exchange.readers import ExchangeError, read_archive

    data = corpus.zip_lying_entry()

    def run() -> str:
        try:
            read_archive(io.BytesIO(data))
        except ExchangeError as refused:
            return f"refused: {refused}"
        return "read"

    return run


def codebook(kind: str):
    from django.core.exceptions import ValidationError

    from coding.codebook_files import codebook_parse

    name, data = {
        "xlsx-huge-dimension": ("c.xlsx", corpus.codebook_xlsx_huge_dimension),
        "csv-60000-rows": ("c.csv", corpus.codebook_csv_rows),
    }[kind]
    data = data()

    def run() -> str:
        try:
            rows = codebook_parse(name, data)
        except ValidationError as refused:
            return f"refused: {' '.join(refused.messages)}"
        return f"parsed: {len(rows)} rows"

    return run
