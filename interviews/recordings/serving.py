"""Answering requests for a recording's bytes: whole, or the one range a player asks for.

A browser seeking in a two-hour recording asks for `Range: bytes=N-`; it gets 206 with the
bytes from N (read in pieces as they are sent), or 416 when N lies past the end. Behind
nginx, `PARLEY_X_ACCEL_REDIRECT` hands the sending (ranges and all) to nginx once Django
has decided the request may have the file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils.http import http_date, quote_etag

from interviews.recordings.models import Recording

_RANGE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$", re.IGNORECASE)


def parse_range(header: str, size: int) -> tuple[int, int] | None | bool:
    """The inclusive byte range [first, last] a Range header asks of a file of `size` bytes.

    None: no usable single range (answer with the whole file). False: unsatisfiable (416).
    """
    if not header or "," in header:
        return None  # several ranges at once: the whole file is a correct answer
    match = _RANGE.match(header)
    if not match:
        return None
    first, last = match.group(1), match.group(2)
    if first == "" and last == "":
        return None
    if first == "":  # the last N bytes
        length = int(last)
        if length == 0 or size == 0:
            return False
        return max(0, size - length), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or (last and int(last) < start):
        return False
    return start, end


def _read(path: Path, start: int, length: int, chunk: int) -> Iterator[bytes]:
    with path.open("rb") as handle:
        handle.seek(start)
        remaining = length
        while remaining > 0:
            piece = handle.read(min(chunk, remaining))
            if not piece:
                break
            remaining -= len(piece)
            yield piece


def _etag(recording: Recording, mtime: float) -> str:
    return quote_etag(f"{recording.guid.hex}-{recording.size}-{int(mtime)}")


def recording_response(request: HttpRequest, recording: Recording) -> HttpResponse:
    """The recording's bytes for a request already allowed to have them."""
    path = Path(settings.MEDIA_ROOT) / recording.file.name
    filename = quote(f"recording{Path(recording.file.name).suffix}")
    prefix = settings.PARLEY_X_ACCEL_REDIRECT
    if prefix:
        response = HttpResponse(content_type=recording.mime_type)
        response["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + quote(recording.file.name)
        response["Content-Disposition"] = f"inline; filename*=UTF-8''{filename}"
        response["Cache-Control"] = "private, no-transform"
        return response
    try:
        stat = path.stat()
    except FileNotFoundError:
        return HttpResponse(
            "The recording's file is missing on the server.", status=410, content_type="text/plain"
        )
    size = stat.st_size
    etag = _etag(recording, stat.st_mtime)
    wanted = parse_range(request.headers.get("Range", ""), size)
    if_range = request.headers.get("If-Range")
    if if_range and if_range != etag and if_range != http_date(stat.st_mtime):
        wanted = None  # the file changed since the client's partial copy: send it whole
    if wanted is False:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
    else:
        first, last = wanted if wanted else (0, size - 1)
        length = max(0, last - first + 1)
        chunk = settings.PARLEY_MEDIA_CHUNK_BYTES
        response = StreamingHttpResponse(
            _read(path, first, length, chunk),
            status=206 if wanted else 200,
            content_type=recording.mime_type,
        )
        response["Content-Length"] = str(length)
        if wanted:
            response["Content-Range"] = f"bytes {first}-{last}/{size}"
    response["Accept-Ranges"] = "bytes"
    response["ETag"] = etag
    response["Last-Modified"] = http_date(stat.st_mtime)
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{filename}"
    response["Cache-Control"] = "private, no-transform"
    return response
