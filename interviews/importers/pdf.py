"""PDF: the text layer, page by page. A PDF without one needs OCR first."""

from __future__ import annotations

import io
import logging

from pypdf import PdfReader
from pypdf.errors import FileNotDecryptedError, LimitReachedError, PyPdfError

from interviews.importers.base import Imported, ImportRefused, build, label, sniff

logging.getLogger("pypdf").setLevel(logging.ERROR)


def read_pdf(data: bytes, *, name: str = "") -> Imported:
    if not data.strip():
        raise ImportRefused(f"{label(name)} is empty.")
    if b"%PDF" not in data[:1024]:
        found = sniff(data)
        what = f"holds {found}" if found else "is not one"
        raise ImportRefused(f"{label(name)} is named as a PDF but {what}.")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise ImportRefused(
                f"{label(name)} is password-protected. Remove the password and import it again."
            )
        pages = [page.extract_text() or "" for page in reader.pages]
        title = ""
        if reader.metadata and reader.metadata.title:
            title = str(reader.metadata.title)
    except ImportRefused:
        raise
    except FileNotDecryptedError as exc:
        raise ImportRefused(
            f"{label(name)} is password-protected. Remove the password and import it again."
        ) from exc
    except LimitReachedError as exc:
        raise ImportRefused(
            f"{label(name)} holds a compressed stream that unpacks beyond pypdf's limits; "
            "nothing from it was imported."
        ) from exc
    except (
        PyPdfError,
        ValueError,
        KeyError,
        TypeError,
        AttributeError,
        OSError,
        IndexError,
        RecursionError,
        ArithmeticError,
    ) as exc:
        raise ImportRefused(f"{label(name)} is damaged: it cannot be read as a PDF.") from exc
    if not "".join(pages).strip():
        raise ImportRefused(
            f"{label(name)} has no text layer (it is a scan or made of images). "
            "Run it through OCR first, then import the result."
        )
    text = "\n\n".join(page.strip() for page in pages if page.strip())
    return build(
        text,
        format="pdf",
        name=name,
        title="" if name else title,
        metadata={"pages": len(pages), "title": title},
    )
