"""Reading REFI-QDA AudioSource and VideoSource elements (pure: no database).

An audio or video source is read as the TextSource of its first Transcript, with a
PlainTextSelection at the positions of each TranscriptSelection's sync points, and a
`MediaSpec` of what to attach once it is stored (`exchange.media.media_store`).
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from lxml import etree

from exchange.readers import child, children, local, parse_guid, ref_guid

MEDIA_KINDS = {"AudioSource": "audio", "VideoSource": "video"}
TAG_FOR_KIND = {"audio": "AudioSource", "video": "VideoSource"}


@dataclass
class MediaSpec:
    kind: str
    title: str
    path: str
    # (position, milliseconds, guid) of each SyncPoint with a time
    sync: list[tuple[int, int, uuid.UUID | None]] = field(default_factory=list)
    recording_guid: uuid.UUID | None = None


def media_as_text(element, report) -> tuple[object, MediaSpec] | None:
    """An AudioSource / VideoSource read as the TextSource of its first transcript (with
    PlainTextSelections at the positions of its TranscriptSelections' sync points), and
    what to attach once it is stored. None (reported) when it has no transcript."""
    kind = MEDIA_KINDS[local(element)]
    title = (element.get("name") or "").strip() or "Recording"
    what = f"Source “{title}”"
    transcripts = children(element, "Transcript")
    timed_spans = len(children(element, f"{TAG_FOR_KIND[kind].replace('Source', '')}Selection"))
    if timed_spans:
        report.not_carried.append(
            f"{what}: {timed_spans} coded time span(s) of the {kind} itself "
            "(Parley codes the transcript)."
        )
    if not transcripts:
        article = "an" if kind == "audio" else "a"
        report.not_carried.append(
            f"{what}: {article} {kind} source without a transcript (Parley codes text)."
        )
        return None
    if len(transcripts) > 1:
        report.not_carried.append(
            f"{what}: {len(transcripts) - 1} further transcript(s); the first was imported."
        )
    transcript = transcripts[0]
    namespace = etree.QName(element).namespace
    text = etree.Element(etree.QName(namespace, "TextSource") if namespace else "TextSource")
    for name in ("guid", "creatingUser", "creationDateTime", "modifiedDateTime"):
        if element.get(name):
            text.set(name, element.get(name))
    text.set("name", title)
    for name in ("plainTextPath", "richTextPath"):
        if transcript.get(name):
            text.set(name, transcript.get(name))
    content = child(transcript, "PlainTextContent")
    if content is not None:
        text.append(copy.deepcopy(content))
    positions: dict[uuid.UUID, int] = {}
    sync: list[tuple[int, int, uuid.UUID | None]] = []
    for point in children(transcript, "SyncPoint"):
        guid = parse_guid(point.get("guid"))
        try:
            position = int(point.get("position"))
        except (TypeError, ValueError):
            position = None
        if guid is not None and position is not None:
            positions[guid] = position
        stamp = point.get("timeStamp")
        if position is not None and stamp not in (None, ""):
            try:
                sync.append((position, int(stamp), guid))
            except ValueError:
                report.not_carried.append(f"{what}: a sync point with the time “{stamp}”.")
    lost = 0
    for item in children(transcript, "TranscriptSelection"):
        start = positions.get(ref_guid(item.get("fromSyncPoint")))
        end = positions.get(ref_guid(item.get("toSyncPoint")))
        if start is None or end is None:
            lost += 1
            continue
        selection = copy.deepcopy(item)
        selection.tag = (
            etree.QName(namespace, "PlainTextSelection") if namespace else "PlainTextSelection"
        )
        for name in ("fromSyncPoint", "toSyncPoint"):
            selection.attrib.pop(name, None)
        selection.set("startPosition", str(start))
        selection.set("endPosition", str(end))
        text.append(selection)
    if lost:
        report.not_carried.append(
            f"{what}: {lost} transcript selection(s) whose sync points are missing."
        )
    for item in [*children(transcript, "NoteRef"), *element]:
        if local(item) in {"Coding", "NoteRef", "VariableValue", "Description"}:
            text.append(copy.deepcopy(item))
    path = element.get("path") or element.get("currentPath") or ""
    stem = PurePosixPath(path.replace("\\", "/")).stem
    spec = MediaSpec(kind=kind, title=title, path=path, sync=sync, recording_guid=parse_guid(stem))
    return text, spec


def media_positions(
    spec: MediaSpec, to_code_point: Callable[[int], int | None], length: int, report
) -> MediaSpec:
    """The sync points' positions in code points of the stored text (as the selections')."""
    kept = []
    for position, stamp, guid in spec.sync:
        point = to_code_point(position)
        if point is None or not 0 <= point <= length or stamp < 0:
            report.not_carried.append(
                f"Source “{spec.title}”: a sync point at {position} lies outside the text."
            )
            continue
        kept.append((point, stamp, guid))
    spec.sync = kept
    return spec
