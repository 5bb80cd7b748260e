"""What reports keep: saved report definitions, framework-matrix summaries, exemplar marks."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse

from coding.models import Code, Coding
from interviews.models import Project


class ReportKind(models.TextChoices):
    SWOT = "swot", "SWOT matrix"
    FRAMEWORK = "framework", "Framework matrix"
    FREQUENCIES = "frequencies", "Code frequencies"
    COOCCURRENCE = "cooccurrence", "Co-occurrence"
    THEME = "theme", "Theme report"


class SavedReport(models.Model):
    """A report definition (kind and parameters) that anyone with access can re-run."""

    # No index of its own: the unique (project, name) leads with it.
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="saved_reports", db_index=False
    )
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=ReportKind.choices)
    params = models.JSONField(default=dict, blank=True, help_text="The report's query parameters.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["project", "name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["project", "name"], name="savedreport_unique_name"),
            models.CheckConstraint(
                condition=models.Q(kind__in=ReportKind.values), name="savedreport_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("reports:saved_run", args=[self.project_id, self.pk])


class MatrixSummary(models.Model):
    """A lead's summary of one framework-matrix cell: a row (by its dimension) × a code."""

    # No index of its own: the unique (project, rows, row key, code) leads with it.
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="matrix_summaries", db_index=False
    )
    rows = models.CharField(max_length=40, help_text="interviewee, source or an attribute key.")
    row_key = models.CharField(max_length=300, help_text="The row's id or attribute value.")
    code = models.ForeignKey(Code, on_delete=models.CASCADE, related_name="matrix_summaries")
    text = models.TextField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["project", "rows", "row_key", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "rows", "row_key", "code"], name="matrixsummary_unique_cell"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rows}={self.row_key} × {self.code}"


class Exemplar(models.Model):
    """A coding a lead marks as an exemplar quote of its code."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="exemplars")
    coding = models.OneToOneField(Coding, on_delete=models.CASCADE, related_name="exemplar")
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    marked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project", "coding"]

    def __str__(self) -> str:
        return f"Exemplar: {self.coding}"
