"""Writes of the reports app: saved definitions, matrix summaries, exemplar marks."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from coding.models import Code, Coding
from interviews.models import Project
from reports.models import Exemplar, MatrixSummary, SavedReport


@transaction.atomic
def saved_report_save(
    *, project: Project, name: str, kind: str, params: dict[str, list[str]], user
) -> SavedReport:
    """Save a definition under a name; saving under an existing name replaces it."""
    name = (name or "").strip()
    if not name:
        raise ValidationError("Give the report a name.")
    clean = {
        str(key): [str(v) for v in values]
        for key, values in params.items()
        if isinstance(values, list | tuple)
    }
    report = SavedReport.objects.filter(project=project, name=name).first() or SavedReport(
        project=project, name=name, created_by=user
    )
    report.kind = kind
    report.params = clean
    report.full_clean()
    report.save()
    return report


@transaction.atomic
def matrix_summary_save(
    *, project: Project, rows: str, row_key: str, code: Code, text: str, user
) -> MatrixSummary | None:
    """Write (or with empty text, remove) the summary of one framework-matrix cell."""
    if code.project_id != project.pk:
        raise ValidationError("The code belongs to another project.")
    text = (text or "").strip()
    existing = MatrixSummary.objects.filter(
        project=project, rows=rows, row_key=row_key, code=code
    ).first()
    if not text:
        if existing:
            existing.delete()
        return None
    summary = existing or MatrixSummary(project=project, rows=rows, row_key=row_key, code=code)
    summary.text = text
    summary.updated_by = user
    summary.full_clean()
    summary.save()
    return summary


@transaction.atomic
def exemplar_toggle(*, project: Project, coding: Coding, user) -> bool:
    """Mark a coding as an exemplar quote, or unmark it; returns whether it is marked now."""
    if coding.source.project_id != project.pk:
        raise ValidationError("The coding belongs to another project.")
    deleted, _ = Exemplar.objects.filter(coding=coding).delete()
    if deleted:
        return False
    exemplar = Exemplar(project=project, coding=coding, marked_by=user)
    exemplar.full_clean()
    exemplar.save()
    return True
