"""Import files, folders or zips into a project, with a progress bar in the terminal."""

from __future__ import annotations

import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from interviews.importers import READERS, extension
from interviews.ingest import batches, language
from interviews.models import Job, Project, Role


def progress_bar(done: int, total: int, current: str = "", width: int = 30) -> str:
    """[#########.....................]  12/40  BY-04.docx"""
    filled = int(width * done / total) if total else 0
    label = (current[:40] + "…") if len(current) > 41 else current
    return f"[{'#' * filled}{'.' * (width - filled)}] {done:>4}/{total:<4} {label}"


def collect_files(paths: list[str]) -> list[Path]:
    """Files named directly, and the importable files (and zips) inside named folders."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(
                sorted(
                    p
                    for p in path.rglob("*")
                    if p.is_file()
                    and not p.name.startswith(".")
                    and (extension(p.name) in READERS or extension(p.name) == "zip")
                )
            )
        elif path.is_file():
            found.append(path)
        else:
            raise CommandError(f"No such file or folder: {raw}")
    return found


class Command(BaseCommand):
    help = (
        "Import transcripts (.txt .md .html .docx .odt .pdf .vtt .srt, folders of them, or "
        ".zip archives) into a project. Each file succeeds or fails alone."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("project", help="The project's id or exact name.")
        parser.add_argument("paths", nargs="+", help="Files, folders or .zip archives.")
        parser.add_argument("--language", default="", help="e.g. en, ru, zh (default: detect).")
        parser.add_argument("--kind", default="interview", choices=["interview", "policy", "other"])
        parser.add_argument("--interviewer", default="", help="The interviewer's name.")
        parser.add_argument("--interviewees", metavar="CSV", help="Create or match interviewees.")
        parser.add_argument("--user", help="Who imports (default: the project's creator).")
        parser.add_argument(
            "--nlp",
            choices=["background", "now"],
            default="background",
            help="Named entities in the background task worker (default) or here and now.",
        )

    def handle(self, *args, **options) -> None:
        project = self._project(options["project"])
        user = self._user(project, options.get("user"))
        files = collect_files(options["paths"])
        if not files:
            raise CommandError("No importable files found.")
        csv_data = None
        batch = batches.BatchOptions(
            language=options["language"], kind=options["kind"], interviewer=options["interviewer"]
        )
        if options.get("interviewees"):
            csv_path = Path(options["interviewees"])
            if not csv_path.is_file():
                raise CommandError(f"No such file: {csv_path}")
            csv_data = csv_path.read_bytes()
            batch.csv_name = csv_path.name
        key = batches.batch_stage(
            files=[(p.name, p.read_bytes()) for p in files], options=batch, csv_data=csv_data
        )
        job = Job.objects.create(
            project=project,
            user=user,
            kind="import",
            title=batches.batch_title([p.name for p in files], project),
        )
        interactive = self.stdout.isatty() if hasattr(self.stdout, "isatty") else False
        shown = {"messages": 0}

        def show(job: Job) -> None:
            for message in job.messages[shown["messages"] :]:
                if interactive:
                    self.stdout.write("\r\033[K", ending="")
                style = {"error": self.style.ERROR, "warning": self.style.WARNING}.get(
                    message["level"], str
                )
                self.stdout.write(style(f"  {message['text']}"))
            shown["messages"] = len(job.messages)
            bar = progress_bar(job.done, job.total, job.current)
            if interactive:
                self.stdout.write(f"\r\033[K{bar}", ending="")
                self.stdout.flush()
            elif job.is_finished:
                self.stdout.write(bar)

        report = batches.batch_import_run(
            job=job, key=key, on_progress=show, queue_language=options["nlp"] == "background"
        )
        if interactive:
            self.stdout.write("")
        if options["nlp"] == "now" and report["sources"]:
            self.stdout.write("Named entities:")

            def entity_progress(done: int, total: int) -> None:
                bar = progress_bar(done, total)
                if interactive:
                    self.stdout.write(f"\r\033[K{bar}", ending="")
                    self.stdout.flush()
                elif done == total:
                    self.stdout.write(bar)

            language.sources_language_process(report["sources"], on_progress=entity_progress)
            if interactive:
                self.stdout.write("")
        summary = (
            f"{report['imported']} imported, {report['duplicates']} skipped as duplicates, "
            f"{report['failed']} failed."
        )
        self.stdout.write(
            self.style.SUCCESS(summary) if not report["failed"] else self.style.WARNING(summary)
        )
        if report["sources"] and options["nlp"] == "background":
            self.stdout.write("Named entities are found in the background (manage.py db_worker).")
        if report["imported"] == 0 and report["failed"]:
            sys.exit(1)

    def _project(self, ref: str) -> Project:
        project = (
            Project.objects.filter(pk=int(ref)).first()
            if ref.isdigit()
            else Project.objects.filter(name=ref).first()
        )
        if project is None:
            raise CommandError(f"No project “{ref}”.")
        return project

    def _user(self, project: Project, username: str | None):
        if username:
            user = get_user_model().objects.filter(username=username).first()
            if user is None:
                raise CommandError(f"No user “{username}”.")
            return user
        if project.created_by:
            return project.created_by
        membership = project.memberships.filter(role=Role.ADMIN).select_related("user").first()
        return membership.user if membership else None
