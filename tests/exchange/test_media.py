"""REFI-QDA with recordings: a source with a recording travels as an AudioSource or
VideoSource with its Transcript and SyncPoints; the round trip gives it back identical."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from lxml import etree

from coding.models import Code, Coding, Memo
from exchange.export import project_export, schema
from exchange.readers import read_archive
from exchange.storing import qdpx_import
from interviews.deid import services as deid
from interviews.models import Source
from interviews.recordings import services
from interviews.recordings.models import Recording, SyncPoint
from interviews.services import source_create
from tests.interviews.media_files import encoded, needs_ffmpeg, wav_bytes

NS = "urn:QDA-XML:project:1.0"
TEXT = (
    "[00:00:01] Olga: Good morning, let us begin with the festival.\n\n"
    "[00:00:04] Ivan: It started in Minsk, with very little money.\n\n"
    "[00:00:07] Olga: And the audience loved the film."
)


def attach(source, data: bytes, name: str = "talk.wav") -> Recording:
    path = services.incoming_dir() / f"{source.pk}.part"
    path.write_bytes(data)
    return services.recording_attach(source=source, path=path, original_name=name)


@pytest.fixture
def recorded(project, users):
    source = source_create(project=project, title="Festival talk", text=TEXT)
    attach(source, wav_bytes(9.0))
    services.sync_point_set(source=source, position=TEXT.index("Minsk"), time=5.25)
    code = Code.objects.create(project=project, name="Money")
    start = TEXT.index("with very")
    coding = Coding.objects.create(
        source=source, code=code, coder=users["coder"], start=start, end=start + 22
    )
    Memo.objects.create(project=project, coding=coding, author=users["coder"], text="Tight.")
    return source


def export(project, **options) -> bytes:
    buffer = io.BytesIO()
    project_export(project=project, stream=buffer, **options)
    return buffer.getvalue()


def qde(data: bytes) -> etree._Element:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return etree.fromstring(archive.read("project.qde"))


def state(project):
    rows = []
    for source in Source.objects.filter(project=project).order_by("title"):
        recording = Recording.objects.filter(source=source).first()
        rows.append(
            (
                source.title,
                source.text,
                sorted(
                    (c.code.name, c.coder.username, c.start, c.end, c.quote)
                    for c in source.codings.select_related("code", "coder")
                ),
                sorted(
                    (c.code.name, c.start, m.text)
                    for c in source.codings.all()
                    for m in Memo.objects.filter(coding=c)
                ),
                sorted(SyncPoint.objects.filter(source=source).values_list("position", "time")),
                [(p.position, p.time) for p in services.timeline(source).points],
                recording
                and (
                    recording.kind,
                    recording.mime_type,
                    recording.size,
                    (Path(settings.MEDIA_ROOT) / recording.file.name).read_bytes(),
                ),
            )
        )
    return rows


def test_a_recorded_source_is_exported_as_an_audio_source_valid_against_the_schema(
    project, recorded
):
    data = export(project)
    root = qde(data)
    schema("Project-mrt2019.xsd").assertValid(root)
    audio = root.find(f".//{{{NS}}}AudioSource")
    recording = Recording.objects.get(source=recorded)
    assert audio.get("guid") == str(recorded.guid)
    assert audio.get("path") == f"internal://{recording.guid}.wav"
    assert root.find(f".//{{{NS}}}TextSource[@guid='{recorded.guid}']") is None
    transcript = audio.find(f"{{{NS}}}Transcript")
    assert transcript.get("plainTextPath") == f"internal://{recorded.guid}.txt"
    timed = [
        (int(p.get("position")), int(p.get("timeStamp")))
        for p in transcript.findall(f"{{{NS}}}SyncPoint")
        if p.get("timeStamp") is not None
    ]
    assert timed == [
        (0, 1000),
        (TEXT.index("[00:00:04]"), 4000),
        (TEXT.index("Minsk"), 5250),
        (TEXT.index("[00:00:07]"), 7000),
    ]
    selection = transcript.find(f"{{{NS}}}TranscriptSelection")
    points = {p.get("guid"): p for p in transcript.findall(f"{{{NS}}}SyncPoint")}
    start = TEXT.index("with very")
    assert int(points[selection.get("fromSyncPoint")].get("position")) == start
    assert int(points[selection.get("toSyncPoint")].get("position")) == start + 22
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert (
            archive.read(f"sources/{recording.guid}.wav")
            == Path(settings.MEDIA_ROOT, recording.file.name).read_bytes()
        )
        assert archive.read(f"sources/{recorded.guid}.txt").decode() == TEXT


def transcript_positions(data: bytes, source) -> tuple[str, list[tuple[int, int]], list]:
    """The text written for a source, its timed SyncPoints (position, milliseconds) and its
    TranscriptSelections' (start, end) positions, read from the exported archive."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        text = archive.read(f"sources/{source.guid}.txt").decode()
    transcript = qde(data).find(f".//{{{NS}}}AudioSource/{{{NS}}}Transcript")
    points = {p.get("guid"): p for p in transcript.findall(f"{{{NS}}}SyncPoint")}
    timed = [
        (int(p.get("position")), int(p.get("timeStamp")))
        for p in points.values()
        if p.get("timeStamp") is not None
    ]
    selections = [
        tuple(int(points[s.get(end)].get("position")) for end in ("fromSyncPoint", "toSyncPoint"))
        for s in transcript.findall(f"{{{NS}}}TranscriptSelection")
    ]
    return text, timed, selections


def test_the_identified_export_puts_sync_points_and_codings_on_the_identified_words(
    project, recorded, users
):
    # "Minsk" becomes a placeholder; then a sync point is set on the de-identified text.
    at = TEXT.index("Minsk")
    deid.span_add(source=recorded, start=at, end=at + 5, kind="PLACE", user=users["admin"])
    deid.source_deidentify(source=recorded, user=users["admin"])
    recorded.refresh_from_db()
    readable = recorded.text
    assert "Minsk" not in readable and "[PLACE 1]" in readable
    services.sync_point_set(source=recorded, position=readable.index("little"), time=6.5)

    text, timed, selections = transcript_positions(
        export(project, include_identities=True), recorded
    )
    assert text == TEXT
    assert timed == [
        (0, 1000),
        (TEXT.index("[00:00:04]"), 4000),
        (TEXT.index("Minsk"), 5250),
        (TEXT.index("little"), 6500),
        (TEXT.index("[00:00:07]"), 7000),
    ]
    assert [text[start:end] for start, end in selections] == ["with very little money"]

    # The text coders read: the same points on its own words.
    text, timed, selections = transcript_positions(export(project), recorded)
    assert text == readable
    assert timed == [
        (0, 1000),
        (readable.index("[00:00:04]"), 4000),
        (readable.index("[PLACE 1]"), 5250),
        (readable.index("little"), 6500),
        (readable.index("[00:00:07]"), 7000),
    ]
    assert [text[start:end] for start, end in selections] == ["with very little money"]


def test_the_round_trip_gives_back_the_same_recording_text_codings_and_sync_points(
    project, recorded, users
):
    before = state(project)
    archive = read_archive(io.BytesIO(export(project)))
    imported, report = qdpx_import(archive=archive, user=users["admin"])
    assert state(imported) == before
    assert report.imported["recordings"] == 1
    assert not any("audio" in line.lower() for line in report.not_carried)
    # And it exports again the same way (the same file, positions and times).
    again = qde(export(imported))
    first = qde(export(project))
    strip = lambda root: sorted(  # noqa: E731
        (p.get("position"), p.get("timeStamp")) for p in root.iter(f"{{{NS}}}SyncPoint")
    )
    assert strip(again) == strip(first)


@needs_ffmpeg
def test_a_video_source_travels_as_a_video_source(project, users, tmp_path):
    source = source_create(project=project, title="Video", text=TEXT)
    attach(source, encoded(tmp_path, ".webm", seconds=1.0).read_bytes(), "clip.webm")
    root = qde(export(project))
    schema("Project-mrt2019.xsd").assertValid(root)
    assert root.find(f".//{{{NS}}}VideoSource").get("path").endswith(".webm")
    imported, _report = qdpx_import(
        archive=read_archive(io.BytesIO(export(project))), user=users["admin"]
    )
    assert Recording.objects.get(source__project=imported).kind == "video"


def qdpx(xml: str, files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("project.qde", xml)
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


OTHER_TOOL = """<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="From elsewhere" origin="Some QDA 2024">
  <Users><User guid="11111111-1111-1111-1111-111111111111" name="anna"/></Users>
  <CodeBook><Codes>
    <Code guid="22222222-2222-2222-2222-222222222222" name="Hope" isCodable="true"/>
  </Codes></CodeBook>
  <Sources>
    <AudioSource guid="33333333-3333-3333-3333-333333333333" name="Interview 7"
        path="internal://interview7.wav">
      <Transcript guid="44444444-4444-4444-4444-444444444444" name="Transcript">
        <PlainTextContent>Anna: We hope the festival returns. It brought people together.</PlainTextContent>
        <SyncPoint guid="55555555-5555-5555-5555-555555555501" timeStamp="0" position="0"/>
        <SyncPoint guid="55555555-5555-5555-5555-555555555502" timeStamp="2500" position="35"/>
        <SyncPoint guid="55555555-5555-5555-5555-555555555503" position="6"/>
        <TranscriptSelection guid="66666666-6666-6666-6666-666666666601" name="We hope"
            fromSyncPoint="55555555-5555-5555-5555-555555555503"
            toSyncPoint="55555555-5555-5555-5555-555555555502" creatingUser="11111111-1111-1111-1111-111111111111">
          <Coding guid="77777777-7777-7777-7777-777777777701" creatingUser="11111111-1111-1111-1111-111111111111">
            <CodeRef targetGUID="22222222-2222-2222-2222-222222222222"/>
          </Coding>
        </TranscriptSelection>
        <TranscriptSelection guid="66666666-6666-6666-6666-666666666602"
            fromSyncPoint="55555555-5555-5555-5555-555555555599"
            toSyncPoint="55555555-5555-5555-5555-555555555502">
          <Coding guid="77777777-7777-7777-7777-777777777702">
            <CodeRef targetGUID="22222222-2222-2222-2222-222222222222"/>
          </Coding>
        </TranscriptSelection>
      </Transcript>
      <Transcript guid="44444444-4444-4444-4444-444444444445" name="Translation">
        <PlainTextContent>Translated.</PlainTextContent>
      </Transcript>
      <AudioSelection guid="88888888-8888-8888-8888-888888888801" begin="0" end="1200">
        <Coding guid="77777777-7777-7777-7777-777777777703">
          <CodeRef targetGUID="22222222-2222-2222-2222-222222222222"/>
        </Coding>
      </AudioSelection>
    </AudioSource>
    <VideoSource guid="99999999-9999-9999-9999-999999999999" name="Walk"
        path="absolute://C:/Videos/walk.mp4">
      <Transcript guid="44444444-4444-4444-4444-444444444446" plainTextPath="internal://walk.txt"/>
    </VideoSource>
    <AudioSource guid="aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa" name="No words"
        path="internal://none.wav"/>
  </Sources>
</Project>
"""


def test_recordings_from_another_tool_are_imported_with_their_transcript_selections(users):
    data = qdpx(
        OTHER_TOOL,
        {
            "sources/interview7.wav": wav_bytes(4.0),
            "sources/walk.txt": b"Walking through the old town.",
            "sources/none.wav": wav_bytes(0.5),
        },
    )
    project, report = qdpx_import(archive=read_archive(io.BytesIO(data)), user=users["admin"])
    schema("Project-mrt2019.xsd").assertValid(etree.fromstring(OTHER_TOOL.encode()))
    interview = Source.objects.get(project=project, title="Interview 7")
    assert interview.text.startswith("Anna: We hope the festival returns.")
    coding = interview.codings.get()
    assert (coding.start, coding.end, coding.code.name, coding.coder.username) == (
        6,
        35,
        "Hope",
        "anna",
    )
    assert coding.quote == interview.text[6:35]
    assert list(SyncPoint.objects.filter(source=interview).values_list("position", "time")) == [
        (0, 0.0),
        (35, 2.5),
    ]
    recording = Recording.objects.get(source=interview)
    assert (recording.kind, recording.original_name) == ("audio", "interview7.wav")
    walk = Source.objects.get(project=project, title="Walk")
    assert walk.text == "Walking through the old town."
    assert not Recording.objects.filter(source=walk).exists()
    lines = "\n".join(report.not_carried)
    assert "1 transcript selection(s) whose sync points are missing" in lines
    assert "1 further transcript(s)" in lines
    assert "1 coded time span(s) of the audio itself" in lines
    assert "“absolute://C:/Videos/walk.mp4” is outside the archive" in lines
    assert "Source “No words”: an audio source without a transcript" in lines
    assert not Source.objects.filter(project=project, title="No words").exists()


def test_a_recording_that_is_not_media_is_reported_and_the_text_kept(users):
    xml = OTHER_TOOL.replace('path="internal://interview7.wav"', 'path="internal://evil.wav"')
    data = qdpx(xml, {"sources/evil.wav": b"MZ" + b"\x00" * 500, "sources/walk.txt": b"Walk."})
    project, report = qdpx_import(archive=read_archive(io.BytesIO(data)), user=users["admin"])
    assert Source.objects.filter(project=project, title="Interview 7").exists()
    assert not Recording.objects.filter(source__project=project).exists()
    assert any("Windows program" in line for line in report.not_carried)


def test_a_failed_import_leaves_no_recording_file_behind(users, monkeypatch):
    from exchange import storing

    def fail(*args, **kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(storing, "_code_sets", fail)
    data = qdpx(
        OTHER_TOOL,
        {"sources/interview7.wav": wav_bytes(1.0), "sources/walk.txt": b"Walking."},
    )
    folder = Path(settings.MEDIA_ROOT) / "recordings"
    before = sorted(folder.rglob("*")) if folder.exists() else []
    with pytest.raises(RuntimeError):
        qdpx_import(archive=read_archive(io.BytesIO(data)), user=users["admin"])
    assert not Recording.objects.exists()
    after = sorted(folder.rglob("*")) if folder.exists() else []
    assert [p for p in after if p.is_file()] == [p for p in before if p.is_file()]
    assert list(services.incoming_dir().iterdir()) == []
