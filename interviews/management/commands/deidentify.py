"""De-identify a project's sources from a terminal: detect, apply, export the key."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from interviews.deid import key, services
from interviews.deid.models import IdentifyingSpan
from interviews.management.commands.import_sources import Command as ImportCommand
from interviews.management.commands.import_sources import progress_bar


class Command(BaseCommand):
    help = (
        "Find identifying words in a project's sources (--detect), apply de-identification "
        "(--apply, with --accept-all to accept every proposal first) or write the key "
        "(--export-key FILE, .json or .csv)."
    )
    _project = ImportCommand._project
    _user = ImportCommand._user

    def add_arguments(self, parser) -> None:
        parser.add_argument("project", help="The project's id or exact name.")
        what = parser.add_mutually_exclusive_group(required=True)
        what.add_argument("--detect", action="store_true", help="Find identifying spans.")
        what.add_argument("--apply", action="store_true", help="Replace accepted spans.")
        what.add_argument("--export-key", metavar="FILE", help="Write the key (admins' eyes).")
        parser.add_argument("--json", metavar="FILE", help="With --detect: the spans as JSON.")
        parser.add_argument(
            "--accept-all", action="store_true", help="With --apply: accept every proposal."
        )
        parser.add_argument("--user", help="Who is recorded (default: the project's creator).")

    def handle(self, *args, **options) -> None:
        project = self._project(options["project"])
        if options["json"] and not options["detect"]:
            raise CommandError("--json goes with --detect.")
        if options["accept_all"] and not options["apply"]:
            raise CommandError("--accept-all goes with --apply.")
        if options["detect"]:
            self.detect(project, options["json"])
        elif options["apply"]:
            user = self._user(project, options.get("user"))
            try:
                counts = services.project_deidentify(
                    project=project, user=user, accept_all=options["accept_all"]
                )
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from None
            self.stdout.write(
                f"De-identified {counts['sources']} source(s): {counts['spans']} span(s) "
                f"replaced, {counts['codings_moved']} coding(s) moved with their words."
            )
            if counts["refused"]:
                raise CommandError("Left unchanged: " + " ".join(counts["refused"]))
        else:
            self.export_key(project, Path(options["export_key"]))

    def detect(self, project, json_path: str | None) -> None:
        def show(done: int, total: int, current: str) -> None:
            if sys.stderr.isatty():
                sys.stderr.write("\r" + progress_bar(done, total, current))

        counts = services.project_detect(project=project, on_progress=show)
        if sys.stderr.isatty():
            sys.stderr.write("\n")
        self.stdout.write(
            f"Found {counts['spans']} identifying span(s) in {counts['sources']} source(s); "
            "review them on the project's De-identification page."
        )
        if json_path:
            Path(json_path).write_text(
                json.dumps(detected(project), ensure_ascii=False, indent=2), encoding="utf-8"
            )
            self.stdout.write(f"Wrote {json_path}.")

    def export_key(self, project, path: Path) -> None:
        entities = key.key_for(project)
        if path.suffix.lower() == ".csv":
            path.write_text(key.key_csv(entities), encoding="utf-8-sig")
        else:
            path.write_text(json.dumps(entities, ensure_ascii=False, indent=2), encoding="utf-8")
        spans = sum(len(entity["spans"]) for entity in entities)
        self.stdout.write(f"Wrote the key of {len(entities)} entities ({spans} spans) to {path}.")


def detected(project) -> list[dict]:
    """Per source its title and every span not yet applied."""
    spans = (
        IdentifyingSpan.objects.open()
        .filter(source__project=project)
        .select_related("entity")
        .order_by("start")
    )
    by_source: dict[int, list[dict]] = {}
    for span in spans:
        by_source.setdefault(span.source_id, []).append(
            {
                "start": span.start,
                "end": span.end,
                "text": span.text,
                "label": span.kind,
                "placeholder": span.entity.placeholder if span.entity_id else "",
                "origin": span.origin,
                "status": span.status,
            }
        )
    return [
        {"source": source.title, "guid": str(source.guid), "spans": by_source.get(source.pk, [])}
        for source in project.sources.order_by("title", "pk")
    ]
