"""What the coding-help commands share: finding the project and the user, the progress bar."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from interviews.management.commands.import_sources import progress_bar
from interviews.models import Project, Role


def user_named(project: Project, username: str | None):
    """The named user (a member), else the project's creator or first admin."""
    if username:
        user = get_user_model().objects.filter(username=username).first()
        if user is None or project.role_of(user) is None:
            raise CommandError(f"No member “{username}” in this project.")
        return user
    if project.created_by:
        return project.created_by
    membership = project.memberships.filter(role=Role.ADMIN).select_related("user").first()
    if membership is None:
        raise CommandError("The project has no admin; name a user with --user.")
    return membership.user


def terminal_progress(stream=None):
    stream = stream or sys.stderr
    interactive = stream.isatty()

    def report(done: int, total: int, current: str) -> None:
        if interactive:
            stream.write("\r" + progress_bar(done, total, current))
            if done >= total:
                stream.write("\n")
            stream.flush()
        elif done >= total or total <= 25 or done % 25 == 0:
            # Into a log: every step of a short task (the passes of a training), else
            # every 25th.
            stream.write(progress_bar(done, total, current) + "\n")

    return report


def check_json_target(path: str | None) -> None:
    """Refuse, before any work, a JSON file that could not be written."""
    if not path:
        return
    target = Path(path)
    folder = target.parent
    if target.is_dir():
        raise CommandError(f"Cannot write {path}: it is a directory.")
    if not folder.is_dir():
        raise CommandError(f"Cannot write {path}: there is no directory {folder}.")
    if not os.access(target if target.exists() else folder, os.W_OK):
        raise CommandError(f"Cannot write {path}: permission denied.")


def write_json(path: str, data: dict) -> None:
    try:
        Path(path).write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    except OSError as error:
        raise CommandError(f"Cannot write {path}: {error.strerror}.") from error
