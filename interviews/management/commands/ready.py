"""python manage.py ready [--worker] — whether this site is ready for the code it runs."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from interviews.readiness import serving_problems


class Command(BaseCommand):
    help = (
        "Say whether this site is ready for the code it runs: its migrations applied, the "
        "database cache's table made, its static files collected (what a web server checks "
        "before it starts). Exits with status 1 and what to run if not."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--worker",
            action="store_true",
            help="what a task worker needs: the database and its migrations only",
        )

    def handle(self, *args, worker: bool = False, **options):
        problems = serving_problems(web=not worker)
        if problems:
            raise CommandError("Not ready. " + " ".join(problems))
        self.stdout.write("Ready.")
