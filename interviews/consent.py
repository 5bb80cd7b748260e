"""Consent forms: a signed form (PDF, PNG or JPEG) kept with its interviewee, for admins only.

A form is checked by its content, not its name: a PDF must open as a PDF with at least one
page, an image must decode as a PNG or JPEG. It is stored under a random name (the
uploaded name may well name the person), outside any public URL, and is served only by
`interviews:consent_form` to members who may read identities.
"""

from __future__ import annotations

import io

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction

from interviews.models import Interviewee

# What a consent form may be: (format, file suffix, content type).
PDF = ("PDF", "pdf", "application/pdf")
PNG = ("PNG", "png", "image/png")
JPEG = ("JPEG", "jpg", "image/jpeg")
CONTENT_TYPES = {suffix: content_type for _name, suffix, content_type in (PDF, PNG, JPEG)}


def _check_pdf(data: bytes) -> None:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        pages = len(PdfReader(io.BytesIO(data), strict=False).pages)
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, RecursionError):
        pages = 0
    if pages < 1:
        raise ValidationError("This file calls itself a PDF but cannot be read as one.")


def _check_image(data: bytes, expected: str) -> None:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            found = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        found = None
    if found != expected:
        raise ValidationError(f"This file starts like a {expected} image but cannot be read.")


def consent_form_check(data: bytes, size: int | None = None) -> tuple[str, str, str]:
    """(format, suffix, content type) of a consent form's bytes; ValidationError when it is
    too large (`size`, when the caller read only the start of a large file), empty, or not
    a readable PDF, PNG or JPEG."""
    limit = settings.PARLEY_MAX_CONSENT_FORM_BYTES
    size = max(size or 0, len(data))
    if not data:
        raise ValidationError("The file is empty.")
    if size > limit:
        raise ValidationError(
            f"A consent form may be at most {limit // (1024 * 1024)} MB; "
            f"this file is {size / (1024 * 1024):.1f} MB."
        )
    if data.startswith(b"%PDF-"):
        _check_pdf(data)
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        _check_image(data, "PNG")
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        _check_image(data, "JPEG")
        return JPEG
    raise ValidationError("A consent form must be a PDF, PNG or JPEG file.")


def _read_limited(upload) -> bytes:
    """The upload's bytes, refusing to read far past the limit."""
    limit = settings.PARLEY_MAX_CONSENT_FORM_BYTES
    if upload.size is not None and upload.size > limit:
        return upload.read(limit + 1)
    return upload.read()


@transaction.atomic
def consent_form_attach(*, interviewee: Interviewee, upload) -> Interviewee:
    """Store `upload` as the interviewee's consent form, replacing any earlier one; a file
    that fails the check changes nothing."""
    data = _read_limited(upload)
    _name, suffix, _type = consent_form_check(data, upload.size)
    previous = interviewee.consent_form.name if interviewee.consent_form else ""
    interviewee.consent_form.save(f"form.{suffix}", ContentFile(data), save=False)
    interviewee.consent_form_name = (upload.name or f"consent-form.{suffix}")[-300:]
    interviewee.save(update_fields=["consent_form", "consent_form_name", "updated_at"])
    if previous:
        storage = interviewee.consent_form.storage
        transaction.on_commit(lambda: storage.delete(previous))
    return interviewee


@transaction.atomic
def consent_form_remove(*, interviewee: Interviewee) -> None:
    if not interviewee.consent_form:
        return
    name, storage = interviewee.consent_form.name, interviewee.consent_form.storage
    interviewee.consent_form = ""
    interviewee.consent_form_name = ""
    interviewee.save(update_fields=["consent_form", "consent_form_name", "updated_at"])
    transaction.on_commit(lambda: storage.delete(name))


def consent_form_content_type(interviewee: Interviewee) -> str:
    suffix = interviewee.consent_form.name.rsplit(".", 1)[-1].lower()
    return CONTENT_TYPES.get(suffix, "application/octet-stream")
