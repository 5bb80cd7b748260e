"""Make an API token for a user from the terminal; the token is printed once."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from api.tokens import token_create
from interviews.models import Project


class Command(BaseCommand):
    help = "Create an API token for a user and print it (it cannot be shown again)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", required=True, help="What the token is for.")
        parser.add_argument(
            "--project",
            type=int,
            action="append",
            default=[],
            help="Limit the token to this project id (repeat for several; default: all).",
        )
        parser.add_argument("--read-only", action="store_true", help="May read, not change.")

    def handle(self, *args, username: str, name: str, project: list[int], read_only: bool, **kw):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"There is no user called “{username}”.")
        projects = list(Project.objects.filter(pk__in=project))
        missing = set(project) - {p.pk for p in projects}
        if missing:
            raise CommandError(f"There is no project {', '.join(map(str, sorted(missing)))}.")
        try:
            _token, raw = token_create(user=user, name=name, projects=projects, read_only=read_only)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(raw)
