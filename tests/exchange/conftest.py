"""A project with something of every kind REFI-QDA carries, and a builder for .qdpx files."""

from __future__ import annotations

import io
import zipfile

import pytest

from coding.models import Code, Coding, Memo
from interviews.models import Attribute, AttributeValue, Interviewee
from interviews.services import source_create


@pytest.fixture
def rich_project(project, users, source, coding, code, interviewee):
    """The conftest project plus attributes of every type, a policy document, memos everywhere."""
    swot = Code.objects.get(project=project, name="Weaknesses")
    swot.is_codable = False
    swot.definition = "Internal factors that hold the partners back."
    swot.inclusion = "Named by the respondent as their own limitation."
    swot.save()
    code.exclusion = "Not when the lack of money is the partner's."
    code.example = "“Money was always short”"
    code.save()
    strengths = Code.objects.create(project=project, name="Strengths", colour="#2e7d32", order=1)
    trust = Code.objects.create(
        project=project,
        name="Trust",
        parent=strengths,
        colour="#81c784",
        definition="Mutual trust.",
    )
    audience = Code.objects.create(project=project, name="Audience 🎬", colour="#ffb300", order=2)
    headcount = Attribute.objects.create(project=project, name="Staff", type="number", order=2)
    share = Attribute.objects.create(project=project, name="Budget share", type="number", order=3)
    founded = Attribute.objects.create(project=project, name="Founded", type="date", order=4)
    state = Attribute.objects.create(project=project, name="State-owned", type="boolean", order=5)
    level = Attribute.objects.create(
        project=project, name="Level", type="choice", choices="Local\nNational", order=6
    )
    case_study = Attribute.objects.create(
        project=project, name="Case study", type="text", applies_to="source", order=7
    )
    for attribute, value in (
        (headcount, "120"),
        (share, "0.35"),
        (founded, "1998-05-01"),
        (state, "true"),
        (level, "National"),
    ):
        AttributeValue.objects.create(attribute=attribute, interviewee=interviewee, value=value)
    second = Interviewee.objects.create(
        project=project,
        pseudonym="CN-02",
        country="China",
        sector="Festival",
        notes="Met in Harbin.",
    )
    policy = source_create(
        project=project,
        title="Cultural Strategy 2020",
        text="Article 1. The state supports cultural industries.\n\nArticle 2. Партнёрство с Китаем.",
        kind="policy",
        language="ru",
        user=users["lead"],
    )
    source.interviewer = "Olga"
    source.date = "2024-03-05"
    source.save()
    source.interviewees.add(second)
    AttributeValue.objects.create(attribute=case_study, source=policy, value="Belarus 2020")
    text = source.text
    start = text.index("Audiences in Harbin")
    emoji_coding = Coding.objects.create(
        source=source,
        code=audience,
        coder=users["lead"],
        start=start,
        end=text.index("—", start + 30),
    )
    trust_start = text.index("the partners trusted")
    Coding.objects.create(
        source=source, code=trust, coder=users["coder"], start=trust_start, end=trust_start + 28
    )
    Coding.objects.create(
        source=source, code=trust, coder=users["lead"], start=trust_start, end=trust_start + 28
    )
    Coding.objects.create(
        source=policy,
        code=trust,
        coder=users["lead"],
        start=policy.text.index("Партнёрство"),
        end=len(policy.text) - 1,
    )
    Memo.objects.create(
        project=project, author=users["admin"], title="Plan", text="Code SWOT first."
    )
    Memo.objects.create(project=project, author=users["lead"], source=source, text="Long pauses.")
    Memo.objects.create(
        project=project, author=users["lead"], code=trust, title="Trust", text="Check with CN."
    )
    Memo.objects.create(project=project, author=users["coder"], coding=coding, text="Said twice.")
    Memo.objects.create(
        project=project, author=users["admin"], interviewee=second, text="Call back."
    )
    Memo.objects.create(
        project=project, author=users["lead"], coding=emoji_coding, text="Emoji 🎬 here."
    )
    project.description = "A test study."
    project.save()
    return project


def build_qdpx(files: dict[str, bytes | str]) -> bytes:
    """A zip of the given entries (str is written as UTF-8)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data.encode("utf-8") if isinstance(data, str) else data)
    return buffer.getvalue()
