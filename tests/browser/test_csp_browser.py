"""The Content-Security-Policy holds on every main page: Chromium reports no violation.

The policy refuses inline scripts and styles (style="" attributes included), so a page that
still carried one would fire a `securitypolicyviolation` event and log a console error here.
"""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from coding.models import Code, Coding
from coding.suggestion_services import rule_run, rule_save
from interviews.deid.models import IdentifyingSpan
from interviews.models import Job, JobStatus, Project, Source

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Each event the page fires is kept, before any of the page's own scripts runs.
LISTEN = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.__violations.push(
    `${event.violatedDirective} ${event.blockedURI || 'inline'} ${event.sourceFile}:${event.lineNumber}`
  );
}, true);
"""


@pytest.fixture
def demo(db):
    """The demo study, its admin made a superuser (for the admin site), a suggestion on the
    first source and a finished job."""
    call_command("load_demo", stdout=io.StringIO())
    project = Project.objects.get(name__endswith="(demo)")
    olga = get_user_model().objects.get(username="olga")
    olga.is_staff = olga.is_superuser = True
    olga.save(update_fields=["is_staff", "is_superuser"])
    source = (
        Source.objects.filter(project=project, codings__isnull=False).distinct().order_by("pk")
    ).first()
    code = Code.objects.filter(project=project, codings__source=source).distinct().first()
    word = source.text.split()[3].strip(".,;:!?")
    rule = rule_save(
        project=project, user=olga, name="Word", code=code, keywords=word, scope="sentence"
    )
    rule_run(rule=rule, dry_run=False)
    job = Job.objects.create(
        project=project, user=olga, kind="export", title="Export", status=JobStatus.DONE
    )
    return {"project": project, "olga": olga, "source": source, "code": code, "job": job}


def _pages(demo) -> dict[str, str]:
    project, source, code = demo["project"], demo["source"], demo["code"]
    pk = project.pk
    coders = Coding.objects.filter(source__project=project).values_list("coder", flat=True)
    agreement = "?" + "&".join(f"coders={c}" for c in sorted(set(coders))[:2])
    reviewed = IdentifyingSpan.objects.filter(source__project=project).values("source").first()
    review_source = reviewed["source"] if reviewed else source.pk
    interviewee = source.interviewees.first()
    pages = {
        "project list": reverse("interviews:project_list"),
        "project": reverse("interviews:project_detail", args=[pk]),
        "sources": reverse("interviews:source_list", args=[pk]),
        "source": reverse("interviews:source_detail", args=[pk, source.pk]),
        "coding page": reverse("coding:workspace", args=[pk, source.pk]),
        "codebook": reverse("coding:codebook", args=[pk]),
        "code": reverse("coding:code_detail", args=[pk, code.pk]),
        "coding help": reverse("coding:coding_help", args=[pk]),
        "retrieval": reverse("coding:retrieval", args=[pk]) + f"?code={code.pk}",
        "search": reverse("coding:search", args=[pk]) + "?q=film",
        "query": reverse("coding:query", args=[pk]),
        "memos": reverse("coding:memo_list", args=[pk]),
        "history": reverse("coding:history", args=[pk]),
        "agreement": reverse("agreement:figures", args=[pk]) + agreement,
        "disagreements": reverse("agreement:review", args=[pk]) + agreement,
        "reports": reverse("reports:index", args=[pk]),
        "printable report": reverse("reports:export", args=[pk, "frequencies", "html"]),
        "members": reverse("interviews:member_list", args=[pk]),
        "attributes": reverse("interviews:attribute_list", args=[pk]),
        "interviewees": reverse("interviews:interviewee_list", args=[pk]),
        "interviewee": reverse("interviews:interviewee_detail", args=[pk, interviewee.pk]),
        "interviewee form": reverse("interviews:interviewee_edit", args=[pk, interviewee.pk]),
        "source form": reverse("interviews:source_edit", args=[pk, source.pk]),
        "project form": reverse("interviews:project_edit", args=[pk]),
        "code delete": reverse("coding:code_delete", args=[pk, code.pk]),
        "suggestion queue": reverse("coding:suggestion_queue", args=[pk]) + f"?code={code.pk}",
        "rule form": reverse("coding:rule_create", args=[pk]),
        "import": reverse("interviews:source_import", args=[pk]),
        "de-identification": reverse("deid:overview", args=[pk]),
        "de-identification review": reverse("deid:source_review", args=[pk, review_source]),
        "identified text": reverse("deid:identified", args=[pk, review_source]),
        "revisions": reverse("deid:revisions", args=[pk, review_source]),
        "jobs": reverse("interviews:job_list", args=[pk]),
        "job": demo["job"].get_absolute_url(),
        "exchange": reverse("exchange:home", args=[pk]),
        "profile": reverse("api:profile"),
        "password": reverse("password_change"),
        "API docs": "/api/v1/docs",
        "admin": reverse("admin:index"),
        "admin users": reverse("admin:auth_user_changelist"),
    }
    for kind in ("swot", "framework", "frequencies", "cooccurrence", "theme"):
        pages[f"report {kind}"] = reverse("reports:report", args=[pk, kind])
    return pages


def _watch(page) -> list[str]:
    console = []
    page.on(
        "console",
        lambda message: (
            console.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    page.add_init_script(LISTEN)
    return console


def test_no_page_breaks_the_content_security_policy(page_for, demo):
    page = page_for(demo["olga"])
    console = _watch(page)
    found = {}
    for name, url in _pages(demo).items():
        response = page.goto(url)
        assert response.status == 200, name
        assert "default-src 'self'" in response.headers["content-security-policy"], name
        if name == "coding page":
            page.wait_for_selector("#workspace[data-ready=true]")
            page.wait_for_selector(".ws-suggestion-card")
        elif name == "API docs":
            page.wait_for_selector(".opblock")
        elif name == "code":
            swatch = _background(page, "h1 .code-swatch")
            assert swatch == _rgb(demo["code"].colour) != "rgba(0, 0, 0, 0)"
        else:
            page.wait_for_load_state("load")
        violations = page.evaluate("window.__violations") + console
        console.clear()
        if violations:
            found[name] = sorted(set(violations))
    assert found == {}
    assert page.errors == []


def test_the_login_page_keeps_the_policy(browser, live_server):
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    console = _watch(page)
    response = page.goto(reverse("login"))
    assert "default-src 'self'" in response.headers["content-security-policy"]
    page.fill("input[name=username]", "nobody")
    page.fill("input[name=password]", "wrong")
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert "enter a correct username and password" in page.locator("form").inner_text()
    assert page.evaluate("window.__violations") + console == []
    context.close()


def _background(page, selector: str) -> str:
    return page.eval_on_selector(selector, "el => getComputedStyle(el).backgroundColor")


def _rgb(colour: str) -> str:
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({red}, {green}, {blue})"


def _padding(page, code) -> str:
    cell = f'tr:has(a.code-name[href$="/codes/{code.pk}/"]) td'
    return page.eval_on_selector(cell, "el => getComputedStyle(el).paddingLeft")


def test_swatches_indents_and_confirmations_work_without_inline_styles(
    page_for, users, project, code
):
    page = page_for(users["admin"])
    console = _watch(page)
    page.goto(reverse("coding:code_detail", args=[project.pk, code.pk]))
    assert _background(page, "h1 .code-swatch") == _rgb(code.colour) == "rgb(229, 115, 115)"

    page.goto(reverse("coding:codebook", args=[project.pk]))
    swatch = f'tr:has(a.code-name[href$="/codes/{code.pk}/"]) .code-swatch'
    assert _background(page, swatch) == _rgb(code.colour)
    # A child one level down is one rem (16 px) further in: 0.5 rem, then 1.5 rem.
    assert (_padding(page, code.parent), _padding(page, code)) == ("8px", "24px")

    # A confirmation declined sends nothing; accepted, the member is removed.
    page.goto(reverse("interviews:member_list", args=[project.pk]))
    viewer = project.memberships.get(user__username="viewer")
    button = f'form[action$="/members/{viewer.pk}/remove/"] button[type=submit]'
    asked = []

    def dismiss(dialog):
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    page.click(button)
    page.wait_for_timeout(300)
    assert asked == ["Remove viewer from this project?"]
    assert project.memberships.filter(pk=viewer.pk).exists()
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.click(button)
    assert not project.memberships.filter(pk=viewer.pk).exists()
    assert page.evaluate("window.__violations") + console == []
    assert page.errors == []
