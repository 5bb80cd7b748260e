"""A source's recording and its sync points (imported by `interviews.models`)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.db.models.signals import post_delete
from django.dispatch import receiver

from interviews.recordings.sync import RANK_FILE, RANK_MANUAL, Point, clock


class MediaKind(models.TextChoices):
    AUDIO = "audio", "Audio"
    VIDEO = "video", "Video"


class DurationOrigin(models.TextChoices):
    PROBE = "ffprobe", "Read with ffprobe"
    BROWSER = "browser", "Reported by the browser"
    FILE = "file", "Given by an imported project"


class Recording(models.Model):
    """The audio or video a source's text transcribes [REFI-QDA AudioSource / VideoSource].

    The file lives under MEDIA_ROOT/recordings/ and is deleted with the row.
    """

    guid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    source = models.OneToOneField(
        "interviews.Source", on_delete=models.CASCADE, related_name="recording"
    )
    file = models.FileField(max_length=500)
    kind = models.CharField(max_length=5, choices=MediaKind.choices)
    mime_type = models.CharField(max_length=60)
    size = models.PositiveBigIntegerField()
    duration = models.FloatField(null=True, blank=True, help_text="Seconds.")
    duration_origin = models.CharField(max_length=10, choices=DurationOrigin.choices, blank=True)
    original_name = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(duration__isnull=True) | Q(duration__gte=0),
                name="recording_duration_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.source_id}: {self.original_name}"

    @property
    def duration_label(self) -> str:
        return clock(self.duration) if self.duration is not None else "unknown"


class SyncOrigin(models.TextChoices):
    CUE = "cue", "Subtitle cue"
    MANUAL = "manual", "Set by hand"
    IMPORTED = "imported", "From an exchange file"


class SyncPoint(models.Model):
    """A position of a source's text tied to a time of its recording [REFI-QDA SyncPoint].

    Speaker turns with a time are sync points too (read from their segments); these rows
    are the others: one per subtitle cue, the ones set by hand, the ones imported.
    """

    guid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # No index of its own: the unique (source, position) leads with it.
    source = models.ForeignKey(
        "interviews.Source", on_delete=models.CASCADE, related_name="sync_points", db_index=False
    )
    position = models.PositiveIntegerField(help_text="Code points from the text's start.")
    time = models.FloatField(help_text="Seconds from the recording's start.")
    origin = models.CharField(max_length=10, choices=SyncOrigin.choices, default=SyncOrigin.CUE)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    modified_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["source", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "position"], name="syncpoint_unique_position"
            ),
            models.CheckConstraint(condition=Q(time__gte=0), name="syncpoint_time_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.position} ↔ {clock(self.time)}"

    def as_point(self) -> Point:
        rank = RANK_MANUAL if self.origin == SyncOrigin.MANUAL else RANK_FILE
        return Point(self.position, self.time, rank)


@receiver(post_delete, sender=Recording)
def _recording_file_delete(sender, instance: Recording, **kwargs) -> None:
    """A deleted recording (with its source, its project or its interviewee) takes its file
    along once the deletion is committed; a rolled-back deletion keeps it."""
    name = instance.file.name
    if name:
        storage = instance.file.storage
        transaction.on_commit(lambda: storage.delete(name))
