from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from exchange.management.commands._common import project_or_error
from exchange.services import codebook_export


class Command(BaseCommand):
    help = "Export a project's codebook as a REFI-QDA .qdc file."

    def add_arguments(self, parser) -> None:
        parser.add_argument("project_id", type=int)
        parser.add_argument("file", type=Path)

    def handle(self, *args, project_id: int, file: Path, **options):
        project = project_or_error(project_id)
        try:
            file.write_bytes(codebook_export(project=project))
        except ValueError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS(f"Wrote {file}."))
