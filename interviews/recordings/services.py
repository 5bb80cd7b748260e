"""Attaching, replacing and removing recordings; setting sync points; times of passages."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from interviews.models import Segment, SegmentKind, Source, SourceCodePoints
from interviews.recordings import sniff as sniffing
from interviews.recordings.models import DurationOrigin, Recording, SyncOrigin, SyncPoint
from interviews.recordings.sync import RANK_MANUAL, RANK_TURN, Point, consistent, time_at

PROBE_SECONDS = 60


class MediaRefused(ValueError):
    """A recording that cannot be attached; the message says why, for the person who sent it."""


# The files stored inside a `files_removed_on_failure` block, while one is open.
_stored_in_block: ContextVar[list[Path] | None] = ContextVar("_stored_in_block", default=None)


@contextmanager
def files_removed_on_failure() -> Iterator[None]:
    """Around a transaction that attaches recordings (a project import): if the block
    raises, the rows are rolled back and the files stored meanwhile are deleted, so that no
    recording is left on disk without its row."""
    stored: list[Path] = []
    token = _stored_in_block.set(stored)
    try:
        yield
    except BaseException:
        for path in stored:
            path.unlink(missing_ok=True)
        raise
    finally:
        _stored_in_block.reset(token)


def max_bytes() -> int:
    return settings.PARLEY_MAX_MEDIA_BYTES


def limit_label() -> str:
    return f"{max_bytes() / (1024 * 1024):,.0f} MB"


def incoming_dir() -> Path:
    """Where recordings are written while they arrive: on the same disk as their final place,
    so that keeping one is a rename, not a copy."""
    folder = Path(settings.MEDIA_ROOT) / "recordings" / "incoming"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def incoming_file() -> tempfile._TemporaryFileWrapper:
    incoming_prune()
    return tempfile.NamedTemporaryFile(dir=incoming_dir(), suffix=".part", delete=False)


def incoming_prune(max_age: float = 2 * 86400) -> None:
    """Remove what a crashed or cut upload left in `incoming_dir()` (a file arriving or
    waiting for its view is minutes old, never `max_age` seconds)."""
    limit = time.time() - max_age
    for path in incoming_dir().glob("*.part"):
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
        except FileNotFoundError:  # another process took it in the meantime
            pass


def copy_limited(source: BinaryIO, target: BinaryIO, *, limit: int | None = None) -> int:
    """Copy in pieces (never the whole file in memory); MediaRefused past `limit` bytes."""
    limit = max_bytes() if limit is None else limit
    chunk = settings.PARLEY_MEDIA_CHUNK_BYTES
    copied = 0
    while piece := source.read(chunk):
        copied += len(piece)
        if copied > limit:
            raise MediaRefused(f"The recording is larger than the limit of {limit_label()}.")
        target.write(piece)
    return copied


@dataclass(frozen=True)
class Probe:
    duration: float | None
    has_audio: bool
    has_video: bool


def ffprobe_path() -> str | None:
    return shutil.which("ffprobe")


def probe(path: Path) -> Probe | None:
    """The streams and duration of a media file, read by ffprobe; None without ffprobe.

    MediaRefused when ffprobe finds no sound or picture in it.
    """
    binary = ffprobe_path()
    if binary is None:
        return None
    try:
        result = subprocess.run(
            [binary, "-v", "error", "-print_format", "json", "-show_format", "-show_streams",
             str(path)],
            capture_output=True,
            timeout=PROBE_SECONDS,
            check=False,
        )  # fmt: skip
        data = json.loads(result.stdout or b"{}")
    except (subprocess.TimeoutExpired, ValueError, OSError):
        data = {}
    streams = data.get("streams") or []
    has_audio = any(s.get("codec_type") == "audio" for s in streams)
    has_video = any(
        s.get("codec_type") == "video" and not (s.get("disposition") or {}).get("attached_pic")
        for s in streams
    )
    if not (has_audio or has_video):
        raise MediaRefused("The file looks like a recording but holds no sound or picture.")
    duration = None
    for raw in [(data.get("format") or {}).get("duration"), *(s.get("duration") for s in streams)]:
        try:
            duration = float(raw)
        except (TypeError, ValueError):
            continue
        if duration >= 0:
            break
        duration = None
    return Probe(duration=duration, has_audio=has_audio, has_video=has_video)


def recording_path(source: Source, recording_guid, extension: str) -> str:
    return f"recordings/{source.project_id}/{source.guid}/{recording_guid}{extension}"


def recording_attach(
    *,
    source: Source,
    path: Path,
    original_name: str = "",
    user=None,
    browser_duration: float | None = None,
) -> Recording:
    """Keep the file at `path` (already on disk, in `incoming_dir()`) as the source's
    recording, replacing any it had. The file is moved, never read whole.

    Refuses (MediaRefused, and deletes the file) what is too large or not a recording.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > max_bytes():
            raise MediaRefused(f"The recording is larger than the limit of {limit_label()}.")
        if size == 0:
            raise MediaRefused("The file is empty.")
        with path.open("rb") as handle:
            head = handle.read(sniffing.HEAD_BYTES)
        try:
            media = sniffing.sniff(head)
        except sniffing.NotMedia as error:
            raise MediaRefused(
                f"{error} Parley accepts {sniffing.ACCEPTED_LABEL} (checked from the file's "
                "content, whatever its name)."
            ) from None
        probed = probe(path)
        if probed is not None:
            media = sniffing.with_streams(media, has_video=probed.has_video)
        duration, origin = None, ""
        if probed is not None and probed.duration is not None:
            duration, origin = probed.duration, DurationOrigin.PROBE
        elif browser_duration is not None and 0 <= browser_duration < 1e7:
            duration, origin = float(browser_duration), DurationOrigin.BROWSER
        return _store(
            source=source,
            path=path,
            media=media,
            size=size,
            duration=duration,
            origin=origin,
            original_name=original_name,
            user=user,
        )
    finally:
        if path.exists():
            path.unlink()


def _store(*, source, path, media, size, duration, origin, original_name, user) -> Recording:
    recording = Recording(
        source=source,
        kind=media.kind,
        mime_type=media.mime,
        size=size,
        duration=duration,
        duration_origin=origin,
        original_name=original_name[:300],
        created_by=user,
    )
    name = recording_path(source, recording.guid, media.extension)
    recording.file.name = name
    target = Path(settings.MEDIA_ROOT) / name
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with transaction.atomic():
            old = Recording.objects.select_for_update().filter(source=source).first()
            if old is not None:
                old.delete()  # its file goes once this commits
            recording.full_clean(exclude=["source", "file"])
            recording.save()
            os.replace(path, target)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    stored = _stored_in_block.get()
    if stored is not None:
        stored.append(target)
    return recording


def recording_duration_report(*, recording: Recording, seconds: float) -> bool:
    """Keep the duration the browser measured, when ffprobe could not read one."""
    if recording.duration_origin == DurationOrigin.PROBE:
        return False
    if not (0 <= seconds < 1e7):
        raise ValidationError("A duration must be a positive number of seconds.")
    Recording.objects.filter(pk=recording.pk).update(
        duration=seconds, duration_origin=DurationOrigin.BROWSER
    )
    recording.duration, recording.duration_origin = seconds, DurationOrigin.BROWSER
    return True


def recording_remove(*, recording: Recording) -> None:
    recording.delete()


# Sync points ----------------------------------------------------------------------------


def sync_point_set(*, source: Source, position: int, time: float, user=None) -> SyncPoint:
    """Tie `position` of the text to `time` (seconds): a new point, or the one already there
    moved. Set by hand, it wins over a turn's or a cue's time that disagrees with it."""
    length = SourceCodePoints.lengths([source.pk])[source.pk]  # without reading the text
    if not (0 <= position <= length):
        raise ValidationError("That position is outside the text.")
    if not (0 <= time < 1e7):
        raise ValidationError("A time must be a positive number of seconds.")
    point, _ = SyncPoint.objects.update_or_create(
        source=source,
        position=position,
        defaults={"time": round(time, 3), "origin": SyncOrigin.MANUAL, "created_by": user},
    )
    return point


def sync_point_delete(*, point: SyncPoint) -> None:
    point.delete()


def sync_points_from_cues(*, source: Source, cues: Iterable[tuple[int, float]]) -> int:
    """One point per subtitle cue of a freshly imported source: (position, seconds)."""
    rows = [
        SyncPoint(source=source, position=position, time=round(time, 3), origin=SyncOrigin.CUE)
        for position, time in dict(cues).items()
        if position >= 0 and time >= 0
    ]
    SyncPoint.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


@dataclass
class Timeline:
    """What ties one source's text to its recording's time."""

    points: list[Point]
    length: int
    duration: float | None

    def time_at(self, position: int) -> float | None:
        return time_at(self.points, position, length=self.length, duration=self.duration)


def timelines(
    source_ids: Iterable[int], *, with_recording_only: bool = True
) -> dict[int, Timeline]:
    """Each source's timeline, in three queries whatever the number of sources: turn times,
    stored sync points, recordings. Sources without a recording are left out unless asked."""
    source_ids = set(source_ids)
    if not source_ids:
        return {}
    recordings = dict(
        Recording.objects.filter(source_id__in=source_ids).values_list("source_id", "duration")
    )
    if with_recording_only:
        source_ids &= set(recordings)
        if not source_ids:
            return {}
    raw: dict[int, list[Point]] = defaultdict(list)
    turns = (
        Segment.objects.filter(
            source_id__in=source_ids, kind=SegmentKind.TURN, timestamp__isnull=False
        )
        .order_by()
        .values_list("source_id", "start", "timestamp")
    )
    for source_id, start, stamp in turns:
        raw[source_id].append(Point(start, stamp, RANK_TURN))
    for point in SyncPoint.objects.filter(source_id__in=source_ids).order_by():
        raw[point.source_id].append(point.as_point())
    lengths = SourceCodePoints.lengths(source_ids)
    return {
        pk: Timeline(consistent(raw.get(pk, [])), lengths.get(pk, 0), recordings.get(pk))
        for pk in source_ids
    }


def timeline(source: Source) -> Timeline:
    return timelines([source.pk], with_recording_only=False)[source.pk]


def player_points(source: Source, line: Timeline | None = None) -> list[dict]:
    """The sync points in force (turn times, cues, set by hand), for the player; `id` is the
    stored point's, for those set by hand or read from cues."""
    stored = {p.position: p for p in SyncPoint.objects.filter(source=source)}
    line = line or timeline(source)
    return [
        {
            "position": p.position,
            "time": p.time,
            "id": stored[p.position].pk if p.position in stored else None,
            "manual": p.rank == RANK_MANUAL,
        }
        for p in line.points
    ]


def start_times(spans: Iterable[tuple[int, int]]) -> dict[tuple[int, int], float]:
    """The time each (source id, start) is spoken, for sources that have a recording."""
    spans = list(spans)
    times = times_of([source_id for source_id, _ in spans], [start for _, start in spans])
    return {span: time for span, time in zip(spans, times, strict=True) if time is not None}


def times_of(source_ids: list[int], starts: list[int]) -> list[float | None]:
    """The start time of each (source id, start) of two parallel lists, None where its
    source has no recording. Without a recording among the sources nothing is looked up
    (a report's frame holds tens of thousands of rows)."""
    lines = timelines(set(source_ids))
    if not lines:
        return [None] * len(source_ids)
    times: list[float | None] = []
    for source_id, start in zip(source_ids, starts, strict=True):
        line = lines.get(source_id)
        times.append(None if line is None else line.time_at(start))
    return times
