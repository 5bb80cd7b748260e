"""The project menu beside every project page, rendered once per process for each project,
role and page it marks as the current one."""

from __future__ import annotations

from django import template
from django.template.loader import get_template
from django.urls import get_script_prefix
from django.utils.safestring import SafeString

register = template.Library()

# The menu's HTML depends on nothing else: the project's id (its links), the role (the
# links it shows, `Access.perms`) and the page's URL name and app (the link marked
# current). Rendering it anew cost a page about as much as all its database queries.
_RENDERED: dict[tuple, SafeString] = {}
_KEPT = 4096


@register.simple_tag(takes_context=True)
def project_nav(context) -> SafeString:
    project, access, request = context["project"], context["access"], context["request"]
    match = request.resolver_match
    key = (project.pk, access.role, match.url_name, match.app_name, get_script_prefix())
    found = _RENDERED.get(key)
    if found is None:
        if len(_RENDERED) >= _KEPT:
            _RENDERED.clear()
        found = get_template("interviews/_project_nav.html").render(
            {"project": project, "access": access, "request": request}
        )
        _RENDERED[key] = found
    return found
