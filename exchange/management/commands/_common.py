from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from interviews.models import Project


def project_or_error(project_id: int) -> Project:
    project = Project.objects.filter(pk=project_id).first()
    if project is None:
        raise CommandError(f"There is no project with id {project_id}.")
    return project


def user_or_error(username: str | None):
    User = get_user_model()
    if username:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"There is no user “{username}”.")
        return user
    admins = list(User.objects.filter(is_superuser=True, is_active=True)[:2])
    if len(admins) != 1:
        raise CommandError("Say who imports with --user USERNAME.")
    return admins[0]


def print_report(command, report: dict) -> None:
    for what, count in report["imported"].items():
        command.stdout.write(f"  {what}: {count}")
    for title, key in (
        ("Not carried over", "not_carried"),
        ("Check", "warnings"),
        ("Notes", "info"),
    ):
        if report[key]:
            command.stdout.write(f"{title}:")
            for line in report[key]:
                command.stdout.write(f"  - {line}")
