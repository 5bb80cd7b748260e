from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from exchange.management.commands._common import print_report, user_or_error
from exchange.services import ExchangeError, project_import_from_path


class Command(BaseCommand):
    help = "Import a REFI-QDA .qdpx file as a new project."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--user", help="Who imports (becomes the project's admin).")

    def handle(self, *args, file: Path, user: str | None, **options):
        importer = user_or_error(user)
        if not file.is_file():
            raise CommandError(f"There is no file {file}.")
        try:
            project, report = project_import_from_path(path=file, user=importer)
        except (ExchangeError, ValidationError) as error:
            message = " ".join(getattr(error, "messages", [str(error)]))
            raise CommandError(f"{message} Nothing was stored.") from None
        self.stdout.write(self.style.SUCCESS(f"Imported project {project.pk}: {project.name}"))
        print_report(self, report.as_dict())
