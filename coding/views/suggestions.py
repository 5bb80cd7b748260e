"""Coding help pages: rules and code by speaker, the classifier, the review queue (the coding
page reads and decides its suggestions through the API, api/routers/suggestions.py)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from coding import autocode
from coding.models import Code
from coding.suggestion_forms import AcceptAllForm, RuleForm, ThresholdForm, TrainForm
from coding.suggestion_models import AutocodeRule, Suggestion, SuggestionModel
from coding.suggestion_services import (
    rule_run,
    rule_run_job,
    rule_save,
    suggestion_accept,
    suggestion_reject,
    suggestions_accept_scoring,
)
from coding.suggestions import model_suggest_new_job, model_train_job
from interviews.access import Access, Perm, project_access
from interviews.models import Source
from interviews.params import parse_id

QUEUE_PAGE = 50


def _back(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def _home(access: Access) -> str:
    return reverse("coding:coding_help", args=[access.project.pk])


def _model_rows(model: SuggestionModel | None, project) -> list[dict]:
    if model is None:
        return []
    codes = {c.pk: c for c in Code.objects.filter(project=project).tree_order()}
    rows = []
    for code_id, figures in model.metrics.items():
        code = codes.get(int(code_id))
        if code is None:
            continue
        rows.append({"code": code, **figures, "passes": model.code_passes(code.pk)})
    return sorted(rows, key=lambda r: list(codes).index(r["code"].pk))


def coding_help(request: HttpRequest, pk: int) -> HttpResponse:
    """Rules, the classifier with its figures, and the pending suggestions per code."""
    access = project_access(request, pk, Perm.CODE)
    project = access.project
    reviews = access.can(Perm.REVIEW)
    current = SuggestionModel.objects.current(project)
    latest = SuggestionModel.objects.filter(project=project).order_by("-version").first()
    pending = (
        Suggestion.objects.visible_to(access).values("code").annotate(n=Count("pk")).order_by()
    )
    counts = {row["code"]: row["n"] for row in pending}
    codes = [c for c in Code.objects.filter(project=project).tree_order() if c.pk in counts]
    for code in codes:
        code.pending = counts[code.pk]
    defaults = latest or SuggestionModel(min_f1=0.5, min_examples=10, seed=0)
    context = {
        "access": access,
        "project": project,
        "reviews": reviews,
        "rules": project.autocode_rules.select_related("code").annotate(
            suggested=Count("suggestions")
        )
        if reviews
        else [],
        "current": current,
        "latest": latest,
        "rows": _model_rows(current, project),
        "train_form": TrainForm(
            initial={
                "label_source": defaults.label_source,
                "min_f1": defaults.min_f1,
                "min_examples": defaults.min_examples,
                "seed": defaults.seed,
            }
        ),
        "threshold_form": ThresholdForm(
            initial={"min_f1": defaults.min_f1, "min_examples": defaults.min_examples}
        ),
        "queue_codes": codes,
        "new_sources": project.sources.filter(created_at__gt=current.created_at).count()
        if current
        else 0,
        "jobs": project.jobs.filter(kind__in=["autocode", "train_suggestions"])[:5]
        if reviews
        else [],
    }
    return render(request, "coding/coding_help.html", context)


def rule_edit(request: HttpRequest, pk: int, rule_pk: int | None = None) -> HttpResponse:
    """Write a rule; try it (a dry run: hits per source and a sample), save it, run it over
    the corpus as suggestions, or code its passages at once (code by speaker)."""
    access = project_access(request, pk, Perm.REVIEW)
    project = access.project
    rule = get_object_or_404(AutocodeRule, pk=rule_pk, project=project) if rule_pk else None
    preview = None
    if request.method == "POST":
        form = RuleForm(request.POST, project=project)
        action = request.POST.get("action", "dry_run")
        if form.is_valid():
            fields = form.rule_fields()
            try:
                if action == "dry_run":
                    preview = _dry_run(project, rule, fields, request.user)
                else:
                    taken = AutocodeRule.objects.filter(project=project, name=fields["name"])
                    if rule is not None:
                        taken = taken.exclude(pk=rule.pk)
                    if taken.exists():
                        raise ValidationError({"name": "Another rule has this name."})
                    rule = rule_save(project=project, rule=rule, user=request.user, **fields)
                    if action in {"run", "code"}:
                        job = rule_run_job(rule=rule, user=request.user, accept=action == "code")
                        return redirect(job)
                    messages.success(request, f"Rule “{rule.name}” saved.")
                    return redirect(_home(access))
            except ValidationError as error:
                _form_errors(form, error)
    else:
        initial = RuleForm.initial_of(rule) if rule else {}
        if request.GET.get("by") == "speaker" and not rule:
            initial.update(scope="turn", name="Code by speaker")
        form = RuleForm(initial=initial, project=project)
    return render(
        request,
        "coding/rule_form.html",
        {
            "access": access,
            "project": project,
            "form": form,
            "rule": rule,
            "preview": preview,
            "by_speaker": request.GET.get("by") == "speaker",
        },
    )


def _form_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def _dry_run(project, rule: AutocodeRule | None, fields: dict, user):
    sources = fields.pop("sources")
    draft = AutocodeRule(project=project, created_by=user, **fields)
    draft.full_clean(validate_unique=False, validate_constraints=False)
    return rule_run(
        rule=draft,
        dry_run=True,
        keep_hits=False,
        sources=[s.pk for s in sources] or None,
    )


@require_POST
def rule_delete(request: HttpRequest, pk: int, rule_pk: int) -> HttpResponse:
    """Delete a rule; its pending suggestions go with it, decided ones stay remembered."""
    access = project_access(request, pk, Perm.REVIEW)
    rule = get_object_or_404(AutocodeRule, pk=rule_pk, project=access.project)
    rule.suggestions.filter(status="pending").delete()
    rule.delete()
    messages.success(request, f"Rule “{rule.name}” deleted with its pending suggestions.")
    return redirect(_home(access))


@require_POST
def train(request: HttpRequest, pk: int) -> HttpResponse:
    access = project_access(request, pk, Perm.REVIEW)
    form = TrainForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Check the training settings: " + form.errors.as_text())
        return redirect(_home(access))
    job = model_train_job(project=access.project, user=request.user, **form.cleaned_data)
    return redirect(job)


@require_POST
def suggest_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Suggest with the current classifier for the sources added since its training."""
    access = project_access(request, pk, Perm.REVIEW)
    model = SuggestionModel.objects.current(access.project)
    if model is None:
        messages.error(request, "There is no trained classifier yet.")
        return redirect(_home(access))
    return redirect(model_suggest_new_job(model=model, user=request.user))


@require_POST
def model_thresholds(request: HttpRequest, pk: int) -> HttpResponse:
    """Change which codes the current classifier suggests (no retraining needed)."""
    access = project_access(request, pk, Perm.REVIEW)
    model = SuggestionModel.objects.current(access.project)
    form = ThresholdForm(request.POST)
    if model is None:
        messages.error(request, "There is no trained classifier yet.")
    elif not form.is_valid():
        messages.error(request, "Check the thresholds: " + form.errors.as_text())
    else:
        model.min_f1 = form.cleaned_data["min_f1"]
        model.min_examples = form.cleaned_data["min_examples"]
        model.save(update_fields=["min_f1", "min_examples"])
        messages.success(
            request, f"{len(model.suggested_code_ids())} codes are now suggested by the model."
        )
    return redirect(_home(access))


def queue(request: HttpRequest, pk: int) -> HttpResponse:
    """The pending suggestions of one code across the project, with their context."""
    access = project_access(request, pk, Perm.CODE)
    project = access.project
    code = get_object_or_404(Code, pk=parse_id(request.GET.get("code", "")), project=project)
    suggestions = (
        Suggestion.objects.visible_to(access)
        .filter(code=code)
        # Each with its source's title; the texts are read once a source, just below.
        .select_related("source")
        .defer("source__text")
        .order_by("-score", "source__title", "start")
    )
    page = Paginator(suggestions, QUEUE_PAGE).get_page(request.GET.get("page"))
    texts = dict(
        Source.objects.filter(pk__in={s.source_id for s in page}).values_list("pk", "text")
    )
    items = [
        {"suggestion": s, **autocode.context_of(texts[s.source_id], s.start, s.end, width=120)}
        for s in page
    ]
    sources = (
        Source.objects.filter(pk__in=suggestions.values("source_id").distinct())
        .only("title")
        .order_by("title")
    )
    return render(
        request,
        "coding/suggestion_queue.html",
        {
            "access": access,
            "project": project,
            "code": code,
            "page": page,
            "items": items,
            "sources": sources,
            "query_string": f"code={code.pk}",
        },
    )


def _visible(access: Access, suggestion_pk: int) -> Suggestion:
    return get_object_or_404(
        Suggestion.objects.visible_to(access).select_related("code"), pk=suggestion_pk
    )


@require_POST
def decide(request: HttpRequest, pk: int, suggestion_pk: int) -> HttpResponse:
    """Accept or reject one suggestion from the review queue."""
    access = project_access(request, pk, Perm.CODE)
    action = request.POST.get("action")
    suggestion = _visible(access, suggestion_pk)
    try:
        if action == "accept":
            suggestion_accept(suggestion=suggestion, user=request.user)
        elif action == "reject":
            suggestion_reject(suggestion=suggestion, user=request.user)
        else:
            raise ValidationError("Choose accept or reject.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(_back(request, _home(access)))


@require_POST
def accept_all(request: HttpRequest, pk: int) -> HttpResponse:
    """Accept every pending suggestion of a source at or above a score (of one code, or all)."""
    access = project_access(request, pk, Perm.CODE)
    form = AcceptAllForm(request.POST, project=access.project)
    if not form.is_valid():
        messages.error(request, "Choose a source and a score between 0 and 1.")
        return redirect(_back(request, _home(access)))
    accepted = suggestions_accept_scoring(
        Suggestion.objects.visible_to(access), **form.cleaned_data, user=request.user
    )
    messages.success(request, f"{accepted} suggestion{'s' if accepted != 1 else ''} accepted.")
    return redirect(_back(request, _home(access)))
