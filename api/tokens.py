"""Creating and finding API tokens. The raw token is returned once and never stored."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction

from api.models import ApiToken, token_hash, token_new
from interviews.models import Project

TOKEN_NAME_MAX = 100


@transaction.atomic
def token_create(
    *, user, name: str, projects: Iterable[Project] = (), read_only: bool = False
) -> tuple[ApiToken, str]:
    """A new token for `user`; returns the row and the raw token (shown once)."""
    name = (name or "").strip()
    if not name:
        raise ValidationError("Give the token a name.")
    if len(name) > TOKEN_NAME_MAX:
        raise ValidationError(f"A token's name has at most {TOKEN_NAME_MAX} characters.")
    if ApiToken.objects.active().filter(user=user, name=name).exists():
        raise ValidationError(f"You already have a token called “{name}”.")
    projects = list(projects)
    allowed = set(Project.objects.for_user(user).values_list("pk", flat=True))
    for project in projects:
        if project.pk not in allowed:
            raise ValidationError(f"{user.get_username()} is not a member of “{project.name}”.")
    raw = token_new()
    token = ApiToken.objects.create(
        user=user, name=name, key_hash=token_hash(raw), hint=raw[:12], read_only=read_only
    )
    token.projects.set(projects)
    return token, raw


def token_find(raw: str) -> ApiToken | None:
    """The active token a request presents, with its user and project scope, or None."""
    if not raw or len(raw) > 200:
        return None
    token = (
        ApiToken.objects.active()
        .select_related("user")
        .filter(key_hash=token_hash(raw), user__is_active=True)
        .first()
    )
    if token is not None:
        token.project_ids = frozenset(token.projects.values_list("pk", flat=True))
    return token
