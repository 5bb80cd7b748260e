"""Run an auto-coding rule over a project from a terminal."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from coding.management.commands._terminal import (
    check_json_target,
    terminal_progress,
    user_named,
    write_json,
)
from coding.suggestion_forms import ATTRIBUTE_SEPARATOR, attribute_choices
from coding.suggestion_models import AutocodeRule, RuleScope
from coding.suggestion_services import (
    BUILT_IN_ATTRIBUTES,
    codable_code,
    rule_accept_all,
    rule_run,
    rule_save,
)
from interviews.access import ROLE_PERMS, Perm
from interviews.management.commands.import_sources import project_named
from interviews.models import Attribute, Interviewee, Role, Segment, SegmentKind, Source


def _attribute(raw: str) -> tuple[str, str]:
    name, sep, value = raw.partition("=")
    if not sep or not name.strip() or not value.strip():
        raise CommandError(f"Give an attribute as NAME=VALUE, not “{raw}”.")
    return name.strip(), value.strip()


def _listed(items) -> str:
    items = sorted(items, key=str.lower)
    shown = ", ".join(items[:20])
    return shown + (f" … ({len(items)} in all)" if len(items) > 20 else "") if items else "none"


def _check_attributes(project, attributes: dict[str, list[str]]) -> None:
    """Refuse an attribute the project does not have, or a value no interviewee holds (a
    rule restricted to it would find nothing)."""
    held: dict[str, tuple[str, set[str]]] = {}
    for key, _ in attribute_choices(project):
        name, _, value = key.partition(ATTRIBUTE_SEPARATOR)
        held.setdefault(name.lower(), (name, set()))[1].add(value)
    names = {
        n.lower(): n
        for n in Attribute.objects.filter(project=project).values_list("name", flat=True)
    }
    names.update({n: n.capitalize() for n in BUILT_IN_ATTRIBUTES})
    for name, values in attributes.items():
        if name.lower() not in names:
            raise CommandError(
                f"No attribute “{name}” in this project; its attributes: {_listed(names.values())}."
            )
        label, found = held.get(name.lower(), (names[name.lower()], set()))
        for value in values:
            if value.lower() not in {v.strip().lower() for v in found}:
                raise CommandError(
                    f"No interviewee has {label} = {value}; the values held: {_listed(found)}."
                )


def _check_speakers(project, speakers: list[str]) -> None:
    """Refuse a speaker who says nothing in the project: not a pseudonym, not
    “Interviewer”, not a speaker label of any turn."""
    known = {"interviewer": "Interviewer"}
    for pseudonym in Interviewee.objects.filter(project=project).values_list(
        "pseudonym", flat=True
    ):
        known[pseudonym.strip().lower()] = pseudonym
    labels = (
        Segment.objects.filter(source__project=project, kind=SegmentKind.TURN)
        .exclude(speaker="")
        .values_list("speaker", flat=True)
        .distinct()
    )
    for label in labels:
        known.setdefault(label.strip().lower(), label.strip())
    for speaker in speakers:
        if speaker.strip().lower() not in known:
            raise CommandError(
                f"No speaker “{speaker}” in this project; the speakers: {_listed(known.values())}."
            )


def _source(project, ref: str) -> Source:
    sources = Source.objects.filter(project=project)
    found = sources.filter(pk=int(ref)).first() if ref.isdigit() else None
    found = found or sources.filter(title=ref).first()
    if found is None:
        raise CommandError(f"No source “{ref}” in this project.")
    return found


class Command(BaseCommand):
    help = (
        "Find a code's passages by keywords (matched on lemmas in English), regular "
        "expressions, or speakers, and store them as suggestions to review (or, with "
        "--dry-run, only show what would be found)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("project", help="The project's id or exact name.")
        parser.add_argument("--code", required=True, help="The code's name or path (A/B).")
        parser.add_argument(
            "--keywords", default="", help="Words and phrases, separated by commas or lines."
        )
        parser.add_argument(
            "--regex", action="append", default=[], help="A regular expression (repeatable)."
        )
        parser.add_argument("--scope", choices=RuleScope.values, default=RuleScope.SENTENCE)
        parser.add_argument(
            "--speaker", action="append", default=[], help="Only turns of this speaker."
        )
        parser.add_argument(
            "--attribute",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help="Only what interviewees with this attribute value say (repeatable).",
        )
        parser.add_argument(
            "--source",
            action="append",
            default=[],
            help="Only this source, by id or exact title (repeatable).",
        )
        parser.add_argument("--name", help="Keep the rule under this name (default: the code's).")
        parser.add_argument("--dry-run", action="store_true", help="Show the hits; store nothing.")
        parser.add_argument(
            "--accept", action="store_true", help="Accept every hit at once as codings by --user."
        )
        parser.add_argument("--user", help="Who runs the rule (default: the project's creator).")
        parser.add_argument("--json", metavar="FILE", help="Write every hit to a JSON file.")

    def handle(self, *args, **options) -> None:
        project = project_named(options["project"])
        check_json_target(options.get("json"))
        user = user_named(project, options.get("user"))
        if options["accept"]:
            if options["dry_run"]:
                raise CommandError("--accept stores codings; it cannot go with --dry-run.")
            role = project.role_of(user)
            if Perm.CODE not in ROLE_PERMS[role]:
                raise CommandError(
                    f"{user.get_username()} is a {Role(role).label.lower()} in this project and "
                    "cannot code; name a coder with --user."
                )
        try:
            code = codable_code(project, options["code"])
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        keywords = [k.strip() for k in re.split(r"[,\n]", options["keywords"]) if k.strip()]
        attributes: dict[str, list[str]] = {}
        for raw in options["attribute"]:
            name, value = _attribute(raw)
            attributes.setdefault(name, []).append(value)
        _check_attributes(project, attributes)
        _check_speakers(project, options["speaker"])
        sources = [_source(project, ref) for ref in options["source"]]
        fields = {
            "code": code,
            "keywords": "\n".join(keywords),
            "patterns": "\n".join(options["regex"]),
            "scope": options["scope"],
            "speakers": options["speaker"],
            "attribute_values": attributes,
        }
        name = options.get("name") or f"{code.name} (terminal)"
        existing = AutocodeRule.objects.filter(project=project, name=name).first()
        try:
            if options["dry_run"]:
                rule = AutocodeRule(project=project, name=name, created_by=user, **fields)
                rule.full_clean(validate_unique=False, validate_constraints=False)
            else:
                rule = rule_save(
                    project=project, rule=existing, user=user, name=name, sources=sources, **fields
                )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        run = rule_run(
            rule=rule,
            dry_run=options["dry_run"],
            progress=terminal_progress(),
            sources=[s.pk for s in sources] or None,
        )
        out = self.stdout
        for row in run.per_source:
            out.write(f"{row['hits']:>6}  {row['title']}")
        out.write(f"{run.total} hits in {len(run.per_source)} of {run.sources_read} sources.")
        for hit in run.sample[:5]:
            out.write(
                f"  {hit['title']}: …{hit['before'][-40:]}[{hit['text']}]{hit['after'][:40]}…"
            )
        matching = ", ".join(f"{k}: {v}" for k, v in run.as_json()["matching"].items())
        if matching:
            out.write(f"Keywords matched on {matching}.")
        if options["dry_run"]:
            out.write("Dry run: nothing was stored.")
        else:
            out.write(
                f"{run.created} new suggestions, {run.known} already suggested or decided "
                f"(rule “{rule.name}”)."
            )
            if run.dropped:
                out.write(f"{run.dropped} pending suggestions it no longer finds were withdrawn.")
            if options["accept"]:
                accepted = rule_accept_all(rule=rule, user=user)
                out.write(f"{accepted} accepted as codings by {user.get_username()}.")
        if options.get("json"):
            write_json(options["json"], run.as_json())
