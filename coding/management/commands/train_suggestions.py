"""Train a project's suggestion classifier from a terminal, with progress."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from coding.management.commands._terminal import (
    check_json_target,
    terminal_progress,
    user_named,
    write_json,
)
from coding.models import Code
from coding.suggestion_models import LabelSource, ModelStatus, SuggestionModel
from coding.suggestions import EPOCHS, model_start, model_train
from interviews.management.commands.import_sources import project_named


def _figure(value) -> str:
    return "   –" if value is None else f"{value:.2f}"


class Command(BaseCommand):
    help = (
        "Train the project's suggestion classifier on its codings, measure it on held-out "
        "sources, and store its suggestions for review."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("project", help="The project's id or exact name.")
        last_help = "(default: the previous training's, else %(default)s)"
        parser.add_argument(
            "--labels", choices=LabelSource.values, help=f"Whose codings {last_help}."
        )
        parser.add_argument("--min-f1", type=float, help=f"F1 a code needs {last_help}.")
        parser.add_argument("--min-examples", type=int, help=f"Examples a code needs {last_help}.")
        parser.add_argument("--seed", type=int, help="Seed of the split and the training.")
        parser.add_argument("--epochs", type=int, default=EPOCHS)
        parser.add_argument("--user", help="Who trains it (default: the project's creator).")
        parser.add_argument("--json", metavar="FILE", help="Write the figures per code to a file.")

    def handle(self, *args, **options) -> None:
        project = project_named(options["project"])
        check_json_target(options.get("json"))
        user = user_named(project, options.get("user"))
        last = SuggestionModel.objects.filter(project=project).order_by("-version").first()

        def setting(name: str, option: str, default):
            if options.get(option) is not None:
                return options[option]
            return getattr(last, name) if last else default

        if options["epochs"] < 1:
            raise CommandError("--epochs must be at least 1.")
        try:
            model = model_start(
                project=project,
                user=user,
                label_source=setting("label_source", "labels", LabelSource.CONSENSUS),
                min_f1=setting("min_f1", "min_f1", 0.5),
                min_examples=setting("min_examples", "min_examples", 10),
                seed=setting("seed", "seed", 0),
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        model = model_train(model, epochs=options["epochs"], progress=terminal_progress())
        if model.status == ModelStatus.FAILED:
            raise CommandError(model.error)
        # By path: two codes may share a name under different parents.
        names = {code.pk: code.path for code in Code.objects.filter(project=project).tree_order()}
        out = self.stdout
        out.write(f"{model.origin_label}: trained in {model.seconds:.1f} s, seed {model.seed}.")
        out.write(f"{'code':<40} {'examples':>8} {'held out':>8}  prec.  recall   F1  suggested")
        rows = {}
        for code_id, figures in model.metrics.items():
            name = names.get(int(code_id), code_id)
            passes = model.code_passes(int(code_id))
            rows[name] = {**figures, "code_id": int(code_id), "suggested": passes}
            out.write(
                f"{name[:40]:<40} {figures['examples']:>8} {figures['held_out']:>8}  "
                f"{_figure(figures['precision'])}  {_figure(figures['recall'])}  "
                f"{_figure(figures['f1'])}  {'yes' if passes else 'no'}"
            )
        out.write(f"{model.summary.get('suggested', 0)} new suggestions stored.")
        if options.get("json"):
            write_json(
                options["json"],
                {
                    "project": project.name,
                    "version": model.version,
                    "seed": model.seed,
                    "seconds": model.seconds,
                    "labels": model.label_source,
                    "min_f1": model.min_f1,
                    "min_examples": model.min_examples,
                    "held_out_sources": model.summary["held_out_sources"],
                    "codes": rows,
                },
            )
