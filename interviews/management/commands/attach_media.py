"""Attach an audio or video recording to a source: `manage.py attach_media <source id> FILE`."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from interviews.models import Source
from interviews.recordings import services


class Command(BaseCommand):
    help = (
        "Attach a recording (MP3, M4A, WAV, Ogg, Opus, MP4 or WebM) to a source, replacing any "
        "it had. The file is copied in pieces; its type is read from its content."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("source", type=int, help="The source's id (shown in its address).")
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--duration",
            type=float,
            default=None,
            help="Seconds, kept when ffprobe is not installed to read the length.",
        )

    def handle(self, *args, source: int, file: Path, duration: float | None, **options) -> None:
        found = Source.objects.filter(pk=source).first()
        if found is None:
            raise CommandError(f"There is no source with id {source}.")
        if not file.is_file():
            raise CommandError(f"{file} is not a file.")
        if file.stat().st_size > services.max_bytes():
            raise CommandError(
                f"{file.name} is larger than the limit of {services.limit_label()} "
                "(PARLEY_MAX_MEDIA_MB)."
            )
        with services.incoming_file() as incoming:
            path = Path(incoming.name)
            try:
                with file.open("rb") as original:
                    services.copy_limited(original, incoming)
            except services.MediaRefused as error:
                path.unlink(missing_ok=True)
                raise CommandError(str(error)) from None
        try:
            with transaction.atomic():
                recording = services.recording_attach(
                    source=found, path=path, original_name=file.name, browser_duration=duration
                )
        except services.MediaRefused as error:
            raise CommandError(f"{file.name} was not attached: {error}") from None
        self.stdout.write(
            f"{recording.get_kind_display()} {file.name} attached to “{found.title}” "
            f"({recording.size:,} bytes, length {recording.duration_label})."
        )
