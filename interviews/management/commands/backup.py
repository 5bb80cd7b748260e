"""python manage.py backup FILE — one archive of the database and the uploaded files."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from interviews.backup import BackupError, backup_write


class Command(BaseCommand):
    help = "Write one consistent archive (.tar.gz) of the database and every uploaded file."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the archive to write, e.g. parley-2026-12-03.tar.gz")

    def handle(self, *args, file: str, **options):
        try:
            manifest = backup_write(file)
        except (BackupError, OSError) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Wrote {file}: {manifest['projects']} projects, {manifest['sources']} sources, "
            f"{manifest['media_files']} files, from {manifest['database']}."
        )
