"""Entry points for REFI-QDA exchange, shared by the views, the tasks and the commands."""

from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings

from exchange.export import codebook_export, project_export
from exchange.readers import ExchangeError, read_archive
from exchange.reading import ImportReport, Progress
from exchange.storing import qdc_import, qdpx_import
from interviews.models import Project

__all__ = [
    "ExchangeError",
    "ImportReport",
    "codebook_export",
    "exchange_dir",
    "project_export_to_path",
    "project_import_from_path",
    "qdc_import",
]


def exchange_dir(kind: str) -> Path:
    """Where uploaded archives wait for their import and finished exports wait for download."""
    path = Path(settings.MEDIA_ROOT) / "exchange" / kind
    path.mkdir(parents=True, exist_ok=True)
    return path


def incoming_path() -> Path:
    return exchange_dir("incoming") / f"{uuid.uuid4()}.qdpx"


def project_export_to_path(
    *,
    project: Project,
    path: Path,
    include_identities: bool = False,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Write the project's .qdpx to `path` (via a temporary name, so a half file never shows)."""
    partial = path.with_suffix(".partial")
    try:
        with open(partial, "wb") as stream:
            counts = project_export(
                project=project,
                stream=stream,
                include_identities=include_identities,
                progress=progress,
            )
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return counts


def project_import_from_path(*, path: Path, user, progress: Progress | None = None):
    """Import the .qdpx at `path` as a new project whose admin is `user`: (project, report)."""
    size = path.stat().st_size
    if size > settings.PARLEY_MAX_UPLOAD_BYTES:
        raise ExchangeError(
            f"The file is {size // (1024 * 1024)} MB; at most "
            f"{settings.PARLEY_MAX_UPLOAD_BYTES // (1024 * 1024)} MB are accepted."
        )
    with open(path, "rb") as stream:
        archive = read_archive(stream)
    return qdpx_import(archive=archive, user=user, progress=progress)
