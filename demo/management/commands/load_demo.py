"""Load the fictional China–Belarus demo study: users, interviewees, sources, codebook, codings."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from coding import services as coding_services
from coding.codebook_services import codebook_apply_template
from coding.models import Code
from interviews import services as interview_services
from interviews.models import (
    Attribute,
    AttributeTarget,
    AttributeType,
    AttributeValue,
    ConsentStatus,
    Interviewee,
    Membership,
    Project,
    Role,
)
from interviews.tasks import process_language

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
PROJECT_NAME = "China–Belarus cultural industries (demo)"
PROJECT_DESCRIPTION = (
    "FICTIONAL DEMO. Every person, organisation and interview here is invented for "
    "demonstration. It mirrors a study comparing the cultural-industry strategies of China "
    "and Belarus under the Belt and Road Initiative: expert interviews, policy case studies "
    "and a SWOT analysis."
)
PASSWORD = "parley-demo"
USERS = [
    ("olga", "Olga", "Sokolova", Role.ADMIN),
    ("lina", "Li", "Na", Role.LEAD),
    ("artem", "Artem", "Kovalenko", Role.CODER),
    ("dasha", "Daria", "Petrova", Role.CODER),
    ("victor", "Victor", "Lam", Role.VIEWER),
]
ATTRIBUTES = [
    (
        "Organisation type",
        AttributeType.CHOICE,
        AttributeTarget.INTERVIEWEE,
        "State body\nState enterprise\nPrivate company\nNon-profit\nUniversity",
    ),
    (
        "Interview language",
        AttributeType.CHOICE,
        AttributeTarget.INTERVIEWEE,
        "English\nRussian\nChinese\nBelarusian",
    ),
    (
        "Case study",
        AttributeType.CHOICE,
        AttributeTarget.SOURCE,
        "China's Going Out Strategy\nBelarus's Cultural Strategy 2020\nChina-Belarus Film Co-Productions",
    ),
]
# Codes that a real codebook collects before it is tidied (the lead merges and moves them).
UNTIDY_CODES = [
    ("Co-production", "#0097a7", "Joint productions (to be merged into Film co-production)."),
    ("AI subtitles", "#0288d1", "Machine-translated subtitles (belongs under Digital and AI)."),
]
# Places and names of policies the study is about: never replaced by a placeholder.
NEVER_IDENTIFYING = [
    "China", "Belarus", "Minsk", "Beijing", "Belt and Road", "Belt", "Going Out", "BRI", "AI",
    "Tang dynasty", "Russia", "Europe", "Asia", "Central Asia", "Silk Road",
    "Cultural Strategy 2020",
]  # fmt: skip


def _read_json(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


class Command(BaseCommand):
    help = "Load the fictional China–Belarus demo study. Running it again changes nothing."

    def handle(self, *args, **options) -> None:
        if Project.objects.filter(name=PROJECT_NAME).exists():
            self.stdout.write(f"The demo study “{PROJECT_NAME}” is already loaded.")
        else:
            counts = self.load()
            # Sentences are stored by load(); named entities come from the task worker.
            process_language.enqueue(counts.pop("source_ids"))
            self.stdout.write(
                self.style.SUCCESS(
                    f"Loaded “{PROJECT_NAME}”: {counts['sources']} sources, "
                    f"{counts['interviewees']} interviewees, {counts['codes']} codes, "
                    f"{counts['codings']} codings."
                )
            )
        self.stdout.write(f"\nDemo logins (password for every one: {PASSWORD}):")
        for username, first, last, role in USERS:
            self.stdout.write(f"  {username:<8} {Role(role).label} ({first} {last})")

    def deidentify(self, project: Project, admin) -> None:
        """Members of the demo read no real name: what the interviewee records identify
        (names in every form, organisations, contact details) and e-mail addresses, phone
        numbers and the like are replaced; the language model's other proposals wait for
        an admin on the De-identification page."""
        from interviews.deid import services as deid
        from interviews.deid.models import SpanOrigin, SpanStatus, TermAction

        for term in NEVER_IDENTIFYING:
            deid.term_add(project=project, text=term, action=TermAction.NEVER, kind="PLACE")
        deid.project_detect(project=project)
        project_spans = deid.IdentifyingSpan.objects.filter(source__project=project)
        project_spans.filter(
            status=SpanStatus.PENDING,
            origin__in=[SpanOrigin.ROSTER, SpanOrigin.TERM, SpanOrigin.PATTERN],
        ).update(status=SpanStatus.ACCEPTED, decided_by=admin)
        deid.project_deidentify(project=project, user=admin)

    @transaction.atomic
    def load(self) -> dict[str, int]:

        users = {}
        User = get_user_model()
        for username, first, last, _role in USERS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "email": f"{username}@example.org",
                },
            )
            if created:
                user.set_password(PASSWORD)
                user.save()
            users[username] = user

        project = Project.objects.create(
            name=PROJECT_NAME, description=PROJECT_DESCRIPTION, created_by=users["olga"]
        )
        for username, _first, _last, role in USERS:
            Membership.objects.create(project=project, user=users[username], role=role)

        attributes = {}
        for order, (name, type_, target, choices) in enumerate(ATTRIBUTES):
            attributes[name] = Attribute.objects.create(
                project=project,
                name=name,
                type=type_,
                applies_to=target,
                choices=choices,
                order=order,
            )

        codebook_apply_template(project=project, template="swot", user=users["lina"])
        codebook_apply_template(project=project, template="policy", user=users["lina"])
        top_count = Code.objects.filter(project=project, parent=None).count()
        for offset, (name, colour, definition) in enumerate(UNTIDY_CODES):
            Code.objects.create(
                project=project,
                name=name,
                colour=colour,
                definition=definition,
                order=top_count + offset,
            )
        codes = {code.path: code for code in Code.objects.filter(project=project).tree_order()}

        interviewees: dict[str, Interviewee] = {}
        extra = sorted(DATA_DIR.glob("extra_interviewees*.json"))
        transcripts = sorted(p for p in DATA_DIR.glob("*.json") if p.stem[:3] in {"BY-", "CN-"})
        policies = sorted(DATA_DIR.glob("POLICY-*.json"))
        if not transcripts:
            raise CommandError(f"No demo transcripts found in {DATA_DIR}.")

        def add_interviewee(record: dict) -> Interviewee:
            interviewee = Interviewee(
                project=project,
                pseudonym=record["pseudonym"],
                real_name=record.get("real_name", ""),
                contact=record.get("contact", ""),
                organisation=record.get("organisation", ""),
                sector=record.get("sector", ""),
                country=record.get("country", ""),
                role=record.get("role", ""),
                consent_status=record.get("consent_status", ConsentStatus.GIVEN),
                consent_date=datetime.date(2025, 1, 15),
                consent_scope="Audio recording, transcription and anonymised quotation in publications.",
            )
            values = {
                attributes["Organisation type"]: attributes["Organisation type"].normalise(
                    record.get("organisation_type", "")
                ),
                attributes["Interview language"]: attributes["Interview language"].normalise(
                    record.get("interview_language", "")
                ),
            }
            interview_services.interviewee_save(interviewee=interviewee, values=values)
            interviewees[interviewee.pseudonym] = interviewee
            return interviewee

        sources = []
        for path in transcripts:
            record = _read_json(path)
            interviewee = add_interviewee(record["interviewee"])
            text = path.with_suffix(".txt").read_text(encoding="utf-8")
            meta = record["source"]
            source = interview_services.source_create(
                project=project,
                title=meta["title"],
                text=text,
                user=users["olga"],
                kind="interview",
                language="en",
                date=datetime.date.fromisoformat(meta["date"]),
                interviewer=meta.get("interviewer", ""),
                interviewees=[interviewee],
                speaker_map={"Interviewer": "interviewer", "Respondent": interviewee},
                original_name=path.with_suffix(".txt").name,
            )
            sources.append((source, record["codings"]))
        for path in extra:
            for record in _read_json(path):
                add_interviewee(record)

        case_study = attributes["Case study"]
        for path in policies:
            record = _read_json(path)
            meta = record["source"]
            source = interview_services.source_create(
                project=project,
                title=meta["title"],
                text=path.with_suffix(".txt").read_text(encoding="utf-8"),
                user=users["olga"],
                kind="policy",
                language="en",
                date=datetime.date.fromisoformat(meta["date"]),
                original_name=path.with_suffix(".txt").name,
            )
            AttributeValue.objects.create(
                attribute=case_study, source=source, value=case_study.normalise(meta["case_study"])
            )
            sources.append((source, record["codings"]))

        coding_count = 0
        for source, codings in sources:
            for entry in codings:
                start = source.text.find(entry["quote"])
                if start < 0:
                    raise CommandError(f"{source.title}: quote not found: {entry['quote'][:60]}")
                for coder in entry["coders"]:
                    coding_services.coding_create(
                        source=source,
                        code=codes[entry["code"]],
                        coder=users[coder],
                        start=start,
                        end=start + len(entry["quote"]),
                    )
                    coding_count += 1
        self.deidentify(project, users["olga"])
        return {
            "sources": len(sources),
            "interviewees": len(interviewees),
            "codes": len(codes),
            "codings": coding_count,
            "source_ids": [source.pk for source, _codings in sources],
        }
