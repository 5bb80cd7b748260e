"""Who may create projects, and which account names an import may not take.

PARLEY_PROJECT_CREATORS decides who creates projects (a new one, or one imported from a
.qdpx): "staff" (the default) — staff users and users given the permission “Can add
project” (interviews.add_project) in the admin, the “may create projects” flag — or
"everyone" who can log in.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib.auth import get_user_model

# Names that read as the site's own staff: an imported account never takes one.
STAFF_NAMES = {
    "admin", "administrator", "root", "staff", "superuser", "support", "system", "sysadmin",
    "webmaster", "postmaster", "hostmaster", "security", "owner", "moderator", "parley",
    "consensus",
}  # fmt: skip
PROJECT_CREATORS_ONLY = (
    "Only staff and users allowed to create projects may create or import one; ask an "
    "administrator."
)
_SUFFIX = re.compile(r"[-_.]*\d+$")


def can_create_projects(user) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if settings.PARLEY_PROJECT_CREATORS == "everyone":
        return True
    return user.is_staff or user.has_perm("interviews.add_project")


def looks_like_staff(name: str) -> bool:
    """`admin`, `Admin_2`, `root`, or the name of a staff account with or without a number
    after it (`olga-2` when olga is staff)."""
    base = _SUFFIX.sub("", name.strip().lower())
    if base in STAFF_NAMES or base.startswith("admin"):
        return True
    staff = get_user_model().objects.filter(is_staff=True) | get_user_model().objects.filter(
        is_superuser=True
    )
    return staff.filter(username__iexact=base).exists()


def imported_username(name: str) -> str:
    """The name an imported user's account is based on: a staff-looking one is marked."""
    return f"imported-{name}" if looks_like_staff(name) else name
