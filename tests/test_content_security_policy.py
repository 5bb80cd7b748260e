"""Every answer carries the Content-Security-Policy, and no template needs what it refuses."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "media-src": "'self' blob:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}


def _directives(response) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in header.split(";") if part.strip())


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name",
    ["login page", "project list", "project page", "codebook", "printable report", "API docs"],
)
def test_the_answer_carries_the_policy(client_for, project, name):
    urls = {
        "project list": reverse("interviews:project_list"),
        "project page": reverse("interviews:project_detail", args=[project.pk]),
        "codebook": reverse("coding:codebook", args=[project.pk]),
        "printable report": reverse("reports:export", args=[project.pk, "frequencies", "html"]),
        "API docs": "/api/v1/docs",
    }
    if name == "login page":
        response = Client().get(reverse("login"))
    else:
        response = client_for("admin").get(urls[name])
    assert response.status_code == 200
    assert _directives(response) == POLICY


@pytest.mark.django_db
def test_a_json_answer_and_a_refusal_carry_it_too(client_for, project):
    client = client_for("coder")
    answer = client.get(reverse("api:project", kwargs={"pk": project.pk}))
    assert (answer.status_code, answer.json()["name"]) == (200, "Study")
    assert _directives(answer) == POLICY
    refusal = client_for("outsider").get(reverse("coding:codebook", args=[project.pk]))
    assert refusal.status_code == 404
    assert _directives(refusal) == POLICY


INLINE = [
    (re.compile(r"\sstyle\s*="), "a style attribute"),
    (re.compile(r"<style[\s>]"), "a <style> element"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "an event handler attribute"),
    (re.compile(r"<script(?![^>]*\ssrc=)[^>]*>"), "an inline <script>"),
    (re.compile(r"javascript:", re.I), "a javascript: address"),
]


def test_no_template_carries_an_inline_script_or_style():
    found = [
        f"{path.relative_to(TEMPLATES)}: {what}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for pattern, what in INLINE
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert found == []


@pytest.mark.django_db
def test_the_header_follows_the_settings_and_a_view_of_its_own(client_for, project, settings):
    """The header is built once, but anew when the policy in the settings changes; a report-only
    policy and excluded prefixes apply as django-csp applies them; a response carrying a
    policy of its own (django-csp's decorators) keeps it."""
    from csp.decorators import csp_update
    from django.http import HttpResponse
    from django.test import RequestFactory

    from config.web import ContentSecurityPolicyMiddleware

    url = reverse("api:project", kwargs={"pk": project.pk})
    client = client_for("coder")
    assert _directives(client.get(url)) == POLICY
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'none'"]}}
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = {
        "DIRECTIVES": {"img-src": ["'self'"]},
        "EXCLUDE_URL_PREFIXES": ["/accounts/"],
    }
    answer = client.get(url)
    assert answer.headers["Content-Security-Policy"] == "default-src 'none'"
    report_only = answer.headers["Content-Security-Policy-Report-Only"]
    assert sorted(part.strip() for part in report_only.split(";")) == [
        "default-src 'self'",
        "img-src 'self'",
    ]
    login = Client().get(reverse("login"))
    assert login.headers["Content-Security-Policy"] == "default-src 'none'"
    assert "Content-Security-Policy-Report-Only" not in login.headers

    view = csp_update({"img-src": ["https://example.org"]})(lambda request: HttpResponse("x"))
    middleware = ContentSecurityPolicyMiddleware(view)
    response = middleware(RequestFactory().get("/somewhere/"))
    assert _directives(response) == {"default-src": "'none'", "img-src": "https://example.org"}
