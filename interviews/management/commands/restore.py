"""python manage.py restore FILE — an archive of `backup` into an empty instance."""

from __future__ import annotations

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from interviews.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = "Restore an archive written by `backup` into an empty instance (migrated first)."

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file: str, **options):
        call_command("migrate", verbosity=0, interactive=False)
        call_command("createcachetable", verbosity=0)
        try:
            manifest = backup_restore(file)
        except (BackupError, OSError) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Restored {file}: {manifest['projects']} projects, {manifest['sources']} sources, "
            f"{manifest['media_files']} files (written on {manifest['database']} at "
            f"{manifest['created_at']})."
        )
