from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand

from exchange.management.commands._common import project_or_error
from exchange.services import project_export_to_path


class Command(BaseCommand):
    help = "Export a project as a REFI-QDA .qdpx file."

    def add_arguments(self, parser) -> None:
        parser.add_argument("project_id", type=int)
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--include-identities",
            action="store_true",
            help="Also export interviewees' real names, contact and consent details.",
        )

    def handle(self, *args, project_id: int, file: Path, include_identities: bool, **options):
        project = project_or_error(project_id)
        counts = project_export_to_path(
            project=project, path=file, include_identities=include_identities
        )
        summary = ", ".join(f"{n} {what}" for what, n in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Wrote {file}: {summary}."))
