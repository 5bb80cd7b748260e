"""Files handed to a user after the permission check: by the web server when there is one.

Behind nginx (deploy/nginx-parley.conf), PARLEY_X_ACCEL_REDIRECT names the internal location
that serves MEDIA_ROOT; the response then carries only an `X-Accel-Redirect` header and nginx
sends the file, so a large export does not hold a gunicorn worker. Without it (development,
tests) Django streams the file itself.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.http import FileResponse, HttpResponse
from django.utils.http import content_disposition_header


def file_download(path: Path, *, filename: str, content_type: str) -> HttpResponse:
    prefix = settings.PARLEY_X_ACCEL_REDIRECT
    media = Path(settings.MEDIA_ROOT).resolve()
    resolved = path.resolve()
    if prefix and resolved.is_relative_to(media):
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = (
            prefix.rstrip("/") + "/" + quote(resolved.relative_to(media).as_posix())
        )
        response["Content-Disposition"] = content_disposition_header(True, filename)
        return response
    return FileResponse(
        open(path, "rb"),  # noqa: SIM115 - FileResponse closes it
        as_attachment=True,
        filename=filename,
        content_type=content_type,
    )
