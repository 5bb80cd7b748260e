"""Adjudication: a lead's decision on a disagreement between coders."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from coding.models import Code, Coding
from interviews.models import Project, Source


class ResolutionDecision(models.TextChoices):
    ACCEPT = "accept", "Accepted one coder's version"
    BOTH = "both", "Kept both versions"
    CONSENSUS = "consensus", "Wrote a consensus coding"


class AgreementResolution(models.Model):
    """A lead's decision on one disagreement unit; its codings belong to the consensus coder."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="agreement_resolutions"
    )
    # No index of its own: the unique (source, unit, start, end) leads with it.
    source = models.ForeignKey(
        Source, on_delete=models.CASCADE, related_name="agreement_resolutions", db_index=False
    )
    unit = models.CharField(max_length=10, help_text="sentence, turn, paragraph or character")
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    decision = models.CharField(max_length=10, choices=ResolutionDecision.choices)
    accepted_coder = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    codes = models.ManyToManyField(
        Code, blank=True, related_name="+", db_table="coding_agreementresolution_codes"
    )
    codings = models.ManyToManyField(
        Coding,
        blank=True,
        related_name="resolutions",
        help_text="Consensus codings it created.",
        db_table="coding_agreementresolution_codings",
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(auto_now=True)

    class Meta:
        # The table keeps the name it had when adjudication lived in the coding app.
        db_table = "coding_agreementresolution"
        ordering = ["source", "start", "end"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "unit", "start", "end"], name="resolution_unique_unit"
            ),
            models.CheckConstraint(
                condition=Q(start__lt=models.F("end")), name="resolution_start_before_end"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} [{self.start}, {self.end}) of {self.source}"
