"""Run a report from the command line, writing exactly what the page's export writes."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from coding.disclosures import disclosure_record
from interviews.models import Project
from interviews.visibility import Disclosure
from reports import exports
from reports.definitions import COMPLETE_FORMATS, choices_for, parse_mapping, run
from reports.models import ReportKind


class Command(BaseCommand):
    help = (
        "Write a report of a project as CSV, XLSX, DOCX or printable HTML, e.g. "
        "`report 1 swot --by Country --filter Country=China --filter Country=Belarus "
        "--format xlsx -o swot.xlsx`."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("project", type=int, help="The project's id.")
        parser.add_argument("kind", choices=ReportKind.values)
        parser.add_argument(
            "--by", help="Group by this attribute (name or key), or framework rows."
        )
        parser.add_argument(
            "--rows", help="Framework rows: interviewee, source or an attribute (name or key)."
        )
        parser.add_argument(
            "--codes",
            nargs="+",
            default=[],
            help="Codes by id, path (Weaknesses/Financing) or name.",
        )
        parser.add_argument("--quadrants", nargs="+", default=[], help="SWOT quadrant codes.")
        parser.add_argument("--coder", nargs="+", default=[], help="Only these coders' codings.")
        parser.add_argument("--source", nargs="+", default=[], help="Only these source ids.")
        parser.add_argument(
            "--filter",
            action="append",
            default=[],
            metavar="ATTRIBUTE=VALUE",
            help="Keep codings whose attribute has this value (repeat for several values).",
        )
        parser.add_argument("--mode", choices=["overlap", "turn"], default="overlap")
        parser.add_argument(
            "--exemplars", action="store_true", help="Theme report: exemplars only."
        )
        parser.add_argument(
            "--quotes",
            type=int,
            help="Quotes per cell (SWOT, framework; 3 by default) or per code in a theme "
            "report's DOCX and HTML (10 by default; its CSV and XLSX hold every quote).",
        )
        parser.add_argument("--format", choices=list(exports.FORMATS), default="csv")
        parser.add_argument("--table", help="CSV: which table (its key), the first by default.")
        parser.add_argument("-o", "--output", help="The file to write (standard output if none).")
        parser.add_argument(
            "--identified",
            action="store_true",
            help="Quote the identified text (recorded in the provenance line and the history).",
        )

    def handle(self, *args, **options) -> None:
        project = Project.objects.filter(pk=options["project"]).first()
        if project is None:
            raise CommandError(f"There is no project {options['project']}.")
        choices = choices_for(project)
        codes = {code.id: code for code in choices["codes"]}
        params: dict[str, list[str]] = {
            "code": [str(self._code(value, codes)) for value in options["codes"]],
            "quadrant": [str(self._code(value, codes)) for value in options["quadrants"]],
            "coder": options["coder"],
            "source": options["source"],
            "mode": [options["mode"]],
        }
        if options["quotes"] is not None:
            params["quotes"] = [str(options["quotes"])]
        if options["by"]:
            params["by"] = [options["by"]]
        rows = options["rows"] or (options["by"] if options["kind"] == "framework" else None)
        if rows:
            params["rows"] = [rows]
        if options["exemplars"]:
            params["exemplars"] = ["1"]
        from reports.frame import resolve_attribute

        for item in options["filter"]:
            name, sep, value = item.partition("=")
            key = resolve_attribute(choices["labels"], name) if sep else None
            if key is None:
                raise CommandError(f"--filter wants ATTRIBUTE=VALUE with a known attribute: {item}")
            params.setdefault(f"f_{key}", []).append(value)
        definition = parse_mapping(
            options["kind"],
            params,
            labels=choices["labels"],
            code_ids=set(codes),
            source_ids={pk for pk, _ in choices["sources"]},
        )
        if options["kind"] == "framework" and options["by"] and not options["rows"]:
            definition.by = None
        if definition.errors:
            raise CommandError(" ".join(definition.errors))
        disclosure = Disclosure(project=project, identified=options["identified"])
        report, _ = run(
            project,
            definition,
            all_quotes=options["format"] in COMPLETE_FORMATS,
            disclosure=disclosure,
        )
        disclosure_record(
            user=None,
            disclosure=disclosure,
            what=f"{report.title} as {options['format'].upper()} (command line)",
        )
        table = options["table"]
        if table and table not in {t.key for t in report.tables}:
            keys = ", ".join(t.key for t in report.tables)
            raise CommandError(f"This report has no table “{table}” (it has {keys}).")
        body = exports.export(report, options["format"], table=table, project=project)
        if options["output"]:
            with open(options["output"], "wb") as handle:
                handle.write(body)
            self.stderr.write(f"Wrote {options['output']} ({len(body)} bytes).")
        elif options["format"] in ("xlsx", "docx"):
            raise CommandError(f"A {options['format']} file is binary: name it with -o FILE.")
        else:
            self.stdout.write(body.decode("utf-8"), ending="")

    @staticmethod
    def _code(value: str, codes: dict) -> int:
        if value.isdigit() and int(value) in codes:
            return int(value)
        wanted = value.strip().casefold()
        by_path = [c.id for c in codes.values() if c.path.casefold() == wanted]
        by_name = [c.id for c in codes.values() if c.name.casefold() == wanted]
        if by_path:
            return by_path[0]
        if len(by_name) == 1:
            return by_name[0]
        if by_name:
            raise CommandError(f"Several codes are called “{value}”: give the path.")
        raise CommandError(f"There is no code “{value}”.")
