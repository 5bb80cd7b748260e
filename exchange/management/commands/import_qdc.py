from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from exchange.management.commands._common import print_report, project_or_error, user_or_error
from exchange.services import ExchangeError, qdc_import


class Command(BaseCommand):
    help = "Add the codes of a REFI-QDA .qdc codebook to a project's codebook."

    def add_arguments(self, parser) -> None:
        parser.add_argument("project_id", type=int)
        parser.add_argument("file", type=Path)
        parser.add_argument("--user", help="Who imports (recorded in the history).")

    def handle(self, *args, project_id: int, file: Path, user: str | None, **options):
        project = project_or_error(project_id)
        importer = user_or_error(user)
        if not file.is_file():
            raise CommandError(f"There is no file {file}.")
        try:
            report = qdc_import(project=project, data=file.read_bytes(), user=importer)
        except (ExchangeError, ValidationError) as error:
            message = " ".join(getattr(error, "messages", [str(error)]))
            raise CommandError(f"{message} Nothing was stored.") from None
        self.stdout.write(self.style.SUCCESS(f"Imported the codebook into {project.name}"))
        print_report(self, report.as_dict())
