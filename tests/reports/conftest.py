"""A small hand-built study whose every report figure is worked out by hand in the tests.

Sources and codings (c = the coder "coder", l = the lead "lead"):

  S1 "Interview CN-01" (CN-01, China, Film)
     a Strengths/Heritage  "Our crafts are old."         c
     b Weaknesses/Financing "Money is short."            c
     f Strengths/Market    "Our crafts are old. Money"   l   (overlaps a and b)
     d Opportunities/Tourism "Tourists love Harbin."     c   (second answer)
     e Threats             "Rivals copy us."             c   (second answer)
  S2 "Interview BY-01" (BY-01, Belarus, Crafts)
     g Strengths/Heritage  "Embroidery is alive."        c
     h Strengths/Heritage  "Embroidery is alive."        l   (same span as g)
     i Weaknesses/Financing "Banks refuse loans."        c   (same answer as g)
     j Opportunities/Tourism "Chinese visitors come."    c
  S3 "Interview BY-02" (BY-02, withdrawn consent)
     k Weaknesses/Financing "No money at all."           c   (never in any report)
  P1 "Going Out brief" (policy; Case study = Going Out)
     l Film co-production  "Co-production is encouraged." c
     m Strengths (itself)  "The state funds film abroad." c
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from coding.models import Code, Coding
from interviews.models import Attribute, AttributeValue, Interviewee, Project
from interviews.services import source_create

S1 = (
    "Interviewer: Tell me about your work.\n\n"
    "Respondent: Our crafts are old. Money is short.\n\n"
    "Interviewer: And tourism?\n\n"
    "Respondent: Tourists love Harbin. Rivals copy us."
)
S2 = (
    "Interviewer: How did it start?\n\n"
    "Respondent: Embroidery is alive. Banks refuse loans.\n\n"
    "Interviewer: And the future?\n\n"
    "Respondent: Chinese visitors come."
)
S3 = "Interviewer: Anything else?\n\nRespondent: No money at all."
P1 = "The state funds film abroad. Co-production is encouraged."


@dataclass
class Study:
    project: Project
    codes: dict[str, Code]
    codings: dict[str, Coding]
    people: dict[str, Interviewee]
    sources: dict[str, object]
    case_study: Attribute
    org_type: Attribute


def _code(project, name, parent=None, order=0, **extra) -> Code:
    return Code.objects.create(project=project, name=name, parent=parent, order=order, **extra)


@pytest.fixture
def study(project, users) -> Study:
    org_type = Attribute.objects.create(project=project, name="Organisation type")
    case_study = Attribute.objects.create(
        project=project, name="Case study", applies_to="source", order=1
    )
    people = {}
    for pseudonym, country, sector, consent, org in [
        ("CN-01", "China", "Film", "given", "Private company"),
        ("BY-01", "Belarus", "Crafts", "given", "Non-profit"),
        ("BY-02", "Belarus", "Film", "withdrawn", "State body"),
    ]:
        people[pseudonym] = Interviewee.objects.create(
            project=project,
            pseudonym=pseudonym,
            real_name=f"Real Name of {pseudonym}",
            country=country,
            sector=sector,
            consent_status=consent,
        )
        AttributeValue.objects.create(attribute=org_type, interviewee=people[pseudonym], value=org)

    def interview(title, text, person):
        return source_create(
            project=project,
            title=title,
            text=text,
            interviewees=[person],
            speaker_map={"Interviewer": "interviewer", "Respondent": person},
        )

    sources = {
        "S1": interview("Interview CN-01", S1, people["CN-01"]),
        "S2": interview("Interview BY-01", S2, people["BY-01"]),
        "S3": interview("Interview BY-02", S3, people["BY-02"]),
        "P1": source_create(project=project, title="Going Out brief", text=P1, kind="policy"),
    }
    AttributeValue.objects.create(attribute=case_study, source=sources["P1"], value="Going Out")

    codes = {}
    codes["Strengths"] = _code(project, "Strengths", order=0, definition="Internal assets.")
    codes["Weaknesses"] = _code(project, "Weaknesses", order=1)
    codes["Opportunities"] = _code(project, "Opportunities", order=2)
    codes["Threats"] = _code(project, "Threats", order=3)
    codes["Film co-production"] = _code(project, "Film co-production", order=4)
    codes["Heritage"] = _code(
        project, "Heritage", codes["Strengths"], 0, definition="Crafts and traditions."
    )
    codes["Market"] = _code(project, "Market", codes["Strengths"], 1)
    codes["Financing"] = _code(project, "Financing", codes["Weaknesses"], 0)
    codes["Tourism"] = _code(project, "Tourism", codes["Opportunities"], 0)

    coder, lead = users["coder"], users["lead"]
    plan = {
        "a": ("S1", "Heritage", "Our crafts are old.", coder),
        "b": ("S1", "Financing", "Money is short.", coder),
        "f": ("S1", "Market", "Our crafts are old. Money", lead),
        "d": ("S1", "Tourism", "Tourists love Harbin.", coder),
        "e": ("S1", "Threats", "Rivals copy us.", coder),
        "g": ("S2", "Heritage", "Embroidery is alive.", coder),
        "h": ("S2", "Heritage", "Embroidery is alive.", lead),
        "i": ("S2", "Financing", "Banks refuse loans.", coder),
        "j": ("S2", "Tourism", "Chinese visitors come.", coder),
        "k": ("S3", "Financing", "No money at all.", coder),
        "l": ("P1", "Film co-production", "Co-production is encouraged.", coder),
        "m": ("P1", "Strengths", "The state funds film abroad.", coder),
    }
    codings = {}
    for name, (source_key, code_name, quote, who) in plan.items():
        source = sources[source_key]
        start = source.text.index(quote)
        codings[name] = Coding.objects.create(
            source=source, code=codes[code_name], coder=who, start=start, end=start + len(quote)
        )
    return Study(project, codes, codings, people, sources, case_study, org_type)
