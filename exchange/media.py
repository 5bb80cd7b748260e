"""REFI-QDA AudioSource and VideoSource: a source with a recording, its Transcript and
SyncPoints, written on export and read on import.

Export: a source with a recording becomes an `AudioSource` or `VideoSource` whose file is
`sources/<recording guid>.<ext>`; its text is the `Transcript` (`sources/<source guid>.txt`),
with a `SyncPoint` (position and `timeStamp` in milliseconds) for each stored sync point and
each timed speaker turn, and each coding a `TranscriptSelection` between two SyncPoints
that carry a position only (so they are not taken for sync points on the way back).

Import: the first Transcript becomes the source's text, its TranscriptSelections its
codings, its timed SyncPoints its sync points, and the recording file its recording.
What cannot be carried over (time spans coded on the recording itself, further
transcripts, files outside the archive, media of other kinds) is reported.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from django.conf import settings
from lxml import etree

from exchange import mapping as m
from exchange.media_reading import TAG_FOR_KIND, MediaSpec
from exchange.readers import Archive
from interviews.models import Segment, SegmentKind, Source
from interviews.recordings import services as recordings
from interviews.recordings.models import Recording, SyncOrigin, SyncPoint
from interviews.xmltext import xml_safe

# Export -------------------------------------------------------------------------------


def recordings_of(sources: list[Source]) -> dict[int, Recording]:
    return {r.source_id: r for r in Recording.objects.filter(source__in=sources)}


def recording_entry(recording: Recording) -> str:
    return f"sources/{recording.guid}{PurePosixPath(recording.file.name).suffix}"


def recordings_write(archive, recordings: dict[int, Recording]) -> None:
    """Copy each recording into the archive (stored as it is: media is compressed already),
    read from disk in pieces."""
    for recording in recordings.values():
        path = Path(settings.MEDIA_ROOT) / recording.file.name
        if path.exists():
            archive.write(path, recording_entry(recording), compress_type=0)


def _sync_rows(source: Source) -> list[tuple[uuid.UUID, int, float]]:
    """(guid, position, seconds) of a source's stored sync points and timed turns."""
    stored = {
        p.position: (p.guid, p.position, p.time) for p in SyncPoint.objects.filter(source=source)
    }
    turns = Segment.objects.filter(
        source=source, kind=SegmentKind.TURN, timestamp__isnull=False
    ).values_list("start", "timestamp")
    for start, stamp in turns:
        if start not in stored:
            stored[start] = (m.derived_guid(source.guid, f"sync-{start}"), start, stamp)
    return sorted(stored.values(), key=lambda row: row[1])


def media_source_open(
    xf, tag: Callable[[str], str], source: Source, recording: Recording, attrs: dict
):
    """The AudioSource / VideoSource element around a source's transcript (a context)."""
    attrs = {k: v for k, v in attrs.items() if k != "plainTextPath"}
    attrs["path"] = f"internal://{PurePosixPath(recording_entry(recording)).name}"
    return xf.element(tag(TAG_FOR_KIND[recording.kind]), attrs)


def transcript_write(
    xf,
    tag: Callable[[str], str],
    source: Source,
    selections: list[etree._Element],
    exported: Callable[[int], int],
) -> None:
    """The Transcript: sync points, then each coding (built by the export as a
    PlainTextSelection, its positions already those of the text written) as a
    TranscriptSelection between two position-only SyncPoints. `exported` turns an offset of
    the text coders read into a position of the text written (the identified text, line
    endings), as it did the codings'."""
    guid = str(source.guid)
    transcript = etree.Element(
        tag("Transcript"),
        guid=str(m.derived_guid(source.guid, "transcript")),
        name=xml_safe(source.title),
        plainTextPath=f"internal://{guid}.txt",
    )
    timed = _sync_rows(source)
    at = {}  # exported position → SyncPoint guid
    for point_guid, position, seconds in timed:
        position = exported(position)
        etree.SubElement(
            transcript,
            tag("SyncPoint"),
            guid=str(point_guid),
            timeStamp=str(round(seconds * 1000)),
            position=str(position),
        )
        at.setdefault(position, str(point_guid))
    converted = []
    for selection in selections:
        selection_guid = uuid.UUID(selection.get("guid"))
        ends = []
        for role, attribute in (("from", "startPosition"), ("to", "endPosition")):
            position = int(selection.attrib.pop(attribute))
            anchor = str(m.derived_guid(selection_guid, role))
            etree.SubElement(transcript, tag("SyncPoint"), guid=anchor, position=str(position))
            ends.append(anchor)
        selection.tag = tag("TranscriptSelection")
        selection.set("fromSyncPoint", ends[0])
        selection.set("toSyncPoint", ends[1])
        converted.append(selection)
    transcript.extend(converted)
    xf.write(transcript)


# Import: storing what exchange/media_reading.py read -----------------------------------


def media_store(*, source: Source, spec: MediaSpec, archive: Archive, report) -> None:
    """Attach the recording (when the archive holds it) and store the sync points that are
    not already the times of the text's speaker turns."""
    what = f"Source “{spec.title}”"
    turns = set(
        Segment.objects.filter(
            source=source, kind=SegmentKind.TURN, timestamp__isnull=False
        ).values_list("start", "timestamp")
    )
    turn_times = {(start, round(stamp * 1000)) for start, stamp in turns}
    rows = {}
    for position, stamp, guid in spec.sync:
        if (position, stamp) not in turn_times:
            rows[position] = SyncPoint(
                source=source, position=position, time=stamp / 1000, origin=SyncOrigin.IMPORTED
            )
            if guid is not None:
                rows[position].guid = guid
    taken = set(
        SyncPoint.objects.filter(guid__in=[p.guid for p in rows.values()]).values_list(
            "guid", flat=True
        )
    )
    seen: set[uuid.UUID] = set()
    for point in rows.values():
        if point.guid in taken or point.guid in seen:
            point.guid = uuid.uuid4()  # exported from this database: a new GUID here
        seen.add(point.guid)
    SyncPoint.objects.bulk_create(rows.values())
    lowered = spec.path.lower()
    if not spec.path:
        report.not_carried.append(f"{what}: the {spec.kind} source names no file.")
        return
    if lowered.startswith(("absolute://", "relative://", "file://", "http://", "https://")):
        report.not_carried.append(
            f"{what}: its recording “{spec.path}” is outside the archive; attach it from the "
            "source's page."
        )
        return
    found = archive.find(spec.path)
    if found is None:
        report.not_carried.append(f"{what}: its recording “{spec.path}” is not in the archive.")
        return
    name, data = found
    with recordings.incoming_file() as incoming:
        incoming.write(data)
        path = Path(incoming.name)
    try:
        recording = recordings.recording_attach(
            source=source, path=path, original_name=PurePosixPath(name).name
        )
    except recordings.MediaRefused as error:
        report.not_carried.append(f"{what}: its recording was not attached: {error}")
        return
    guid = spec.recording_guid
    if guid is not None and not Recording.objects.filter(guid=guid).exists():
        Recording.objects.filter(pk=recording.pk).update(guid=guid)
    if recording.duration is None:
        report.warnings.append(f"{what}: the recording's length is unknown until it is played.")
    report.add("recordings")
