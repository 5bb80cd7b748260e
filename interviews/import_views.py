"""Pages for importing sources: upload, review with speaker mapping, batches as jobs."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import router
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from interviews import nlp
from interviews.access import Perm, project_access
from interviews.forms import ImportReviewForm, SourceImportForm, SpeakerMapForm
from interviews.importers import ImportRefused
from interviews.ingest import batches
from interviews.ingest.files import is_pasted, pasted_name
from interviews.ingest.sources import DuplicateSource
from interviews.ingest.sources import source_import as source_store
from interviews.ingest.speakers import source_speakers_map, speaker_map_guess
from interviews.jobs import enqueue_with_transaction
from interviews.models import Job, SegmentKind, Source
from interviews.recordings.uploads import receives_recording
from interviews.recordings.views import attach_from_request
from interviews.tasks import process_language


def _remember(request: HttpRequest, key: str, project_pk: int) -> None:
    batches.staged_for(key, user=request.user.pk, project=project_pk)


def _staged(request: HttpRequest, key: str, project_pk: int) -> None:
    if batches.staged_by(key) != (request.user.pk, project_pk):
        raise Http404("This import is no longer waiting for review.")


def source_import(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload files, a zip or pasted text. One file is reviewed before it is saved; the
    speakers of a batch are mapped before it becomes a background job with progress."""
    access = project_access(request, pk, Perm.IMPORT)
    project = access.project
    form = SourceImportForm(
        request.POST or None,
        request.FILES or None,
        can_add_interviewees=access.can(Perm.MANAGE_INTERVIEWEES),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        options = batches.BatchOptions(
            language=data["language"], kind=data["kind"], interviewer=data["interviewer"]
        )
        if data["files"]:
            files = [(upload.name, upload.read()) for upload in data["files"]]
        else:
            files = [(pasted_name(data["title"]), data["text"].encode("utf-8"))]
        csv_upload = data.get("interviewees_csv")
        try:
            if batches.is_batch(files) or csv_upload:
                key = batches.import_batch_stage(
                    files=files,
                    options=options,
                    csv_data=csv_upload.read() if csv_upload else None,
                    csv_name=csv_upload.name if csv_upload else "",
                )
                _remember(request, key, project.pk)
                return redirect("interviews:source_import_batch", project.pk, key)
            key = batches.import_single_stage(project=project, file=files[0], options=options)
        except ImportRefused as exc:
            form.add_error(None, f"{exc} Nothing was imported.")
        else:
            _remember(request, key, project.pk)
            return redirect("interviews:source_import_review", project.pk, key)
    return render(
        request,
        "interviews/source_import.html",
        {"access": access, "project": project, "form": form},
        status=400 if form.errors else 200,
    )


def _language_queued(source: Source) -> None:
    """Named entities follow in the background: their task is stored in the import's own
    transaction (with the database's task queue), so a source is never stored without it."""
    enqueue_with_transaction(process_language, [source.pk], using=router.db_for_write(Source))


@receives_recording
def source_import_review(request: HttpRequest, pk: int, key: str) -> HttpResponse:
    """Check one imported text before it is saved: title, language, who each speaker is,
    and its recording if there is one."""
    access = project_access(request, pk, Perm.IMPORT)
    project = access.project
    _staged(request, key, project.pk)
    try:
        name, content, options = batches.staged_single(key)
        imported = batches.staged_imported(key)
    except (FileNotFoundError, ValueError, KeyError, IndexError, TypeError):
        raise Http404("This import is no longer waiting for review.") from None
    language = options.language or nlp.detect_language(imported.text)
    if request.method == "POST" and "cancel" in request.POST:
        batches.batch_discard(key)
        messages.info(request, "Import cancelled; nothing was stored.")
        return redirect("interviews:source_list", project.pk)
    # Read once for the three that look at them: the file name's interviewee, the speakers'
    # guess and the speakers' form.
    prefetch_related_objects([project], "interviewees")
    linked = batches.linked_interviewees(name, project, {})
    guess = speaker_map_guess(
        speakers=imported.speakers,
        project=project,
        interviewees=linked,
        interviewer_name=options.interviewer,
    )
    review = ImportReviewForm(
        request.POST or None,
        project=project,
        initial={
            "title": imported.title,
            "language": language,
            "kind": options.kind,
            "interviewer": options.interviewer,
            "interviewees": linked,
        },
    )
    speakers = SpeakerMapForm(
        request.POST or None, speakers=imported.speakers, project=project, initial_map=guess
    )
    if request.method == "POST" and review.is_valid() and speakers.is_valid():
        data = review.cleaned_data
        try:
            source = source_store(
                project=project,
                imported=imported,
                user=request.user,
                title=data["title"],
                language=data["language"],
                kind=data["kind"],
                date=data["date"],
                interviewer=data["interviewer"],
                interviewees=list(data["interviewees"]),
                speaker_map=speakers.speaker_map(),
                original_name=name if not is_pasted(name) else "",
                original_bytes=None if is_pasted(name) else content,
                then=_language_queued,
            )
        except DuplicateSource as exc:
            batches.batch_discard(key)
            messages.error(request, f"{exc} Nothing was imported.")
            return redirect("interviews:source_import", project.pk)
        except ValidationError as exc:
            review.add_error(None, "; ".join(exc.messages))
        else:
            batches.batch_discard(key)
            attach_from_request(request, source, field="recording")
            messages.success(
                request,
                f"“{source.title}” imported: {source.word_count:,} words, "
                f"{source.sentence_count:,} sentences. "
                "It is ready to code; named entities follow in the background.",
            )
            return redirect(source)
    turns = imported.turns
    shown = set(speakers.speakers)
    samples = {}
    for turn in turns:
        if turn.speaker in shown and turn.speaker not in samples:
            samples[turn.speaker] = imported.text[turn.start : turn.end][:160]
    return render(
        request,
        "interviews/source_import_review.html",
        {
            "access": access,
            "project": project,
            "imported": imported,
            "name": "" if is_pasted(name) else name,
            "review": review,
            "speakers": speakers,
            "samples": samples,
            "turn_count": len(turns),
            "preview": imported.text[:3000],
            "linked": linked,
        },
    )


def source_import_batch(request: HttpRequest, pk: int, key: str) -> HttpResponse:
    """Map the speakers found across a staged batch, then start its background import."""
    access = project_access(request, pk, Perm.IMPORT)
    project = access.project
    _staged(request, key, project.pk)
    try:
        scan = batches.batch_scan(project=project, key=key)
        options = batches.staged_options(key)
    except (FileNotFoundError, ValueError, KeyError):
        raise Http404("This import is no longer waiting for review.") from None
    if request.method == "POST" and "cancel" in request.POST:
        batches.batch_discard(key)
        messages.info(request, "Import cancelled; nothing was stored.")
        return redirect("interviews:source_list", project.pk)
    labels = [speaker["label"] for speaker in scan["speakers"]]
    speakers = SpeakerMapForm(
        request.POST or None,
        speakers=labels,
        project=project,
        linked=True,
        initial_map=batches.batch_speaker_guess(
            speakers=labels, project=project, interviewer_name=options.interviewer
        ),
    )
    if request.method == "POST" and speakers.is_valid():
        job = batches.import_batch_start(
            project=project, user=request.user, key=key, speaker_map=speakers.speaker_map()
        )
        batches.staged_done(key)
        return redirect(job)
    return render(
        request,
        "interviews/source_import_batch.html",
        {
            "access": access,
            "project": project,
            "scan": scan,
            "rows": list(
                zip(
                    scan["speakers"][: len(speakers.speakers)],
                    [field for _l, field in speakers.rows()],
                    strict=True,
                )
            ),
            "speakers": speakers,
        },
        status=400 if speakers.errors else 200,
    )


def source_speakers(request: HttpRequest, pk: int, source_pk: int) -> HttpResponse:
    """Map each speaker of a stored source to an interviewee or to the interviewer."""
    access = project_access(request, pk, Perm.IMPORT)
    source = get_object_or_404(Source, pk=source_pk, project=access.project)
    access.require_source_editor(source)
    current = _speakers_of(source)
    form = SpeakerMapForm(
        request.POST or None,
        speakers=list(current),
        project=access.project,
        initial_map=current,
    )
    if request.method == "POST" and form.is_valid():
        source_speakers_map(source=source, speaker_map=form.speaker_map())
        messages.success(request, "Speakers mapped.")
        return redirect(source)
    return render(
        request,
        "interviews/source_speakers.html",
        {"access": access, "project": access.project, "source": source, "speakers": form},
    )


def _speakers_of(source: Source) -> dict[str, object]:
    """Each speaker of a stored source with its current mapping, in order of appearance."""
    current: dict[str, object] = {}
    for turn in source.segments.filter(kind=SegmentKind.TURN).select_related("interviewee"):
        if turn.speaker and turn.speaker not in current:
            current[turn.speaker] = (
                turn.interviewee
                if turn.interviewee_id
                else (SpeakerMapForm.INTERVIEWER if turn.is_interviewer else None)
            )
    return current


def import_speakers(request: HttpRequest, pk: int, guid) -> HttpResponse:
    """Map the speakers of every source a batch import created, on one page."""
    access = project_access(request, pk, Perm.IMPORT)
    job = get_object_or_404(Job, guid=guid, project=access.project, kind="import")
    if job.user_id != request.user.pk and not access.can(Perm.REVIEW):
        raise PermissionDenied("Only whoever ran this import, leads and admins map its speakers.")
    sources = list(
        access.project.sources.filter(pk__in=job.result.get("sources", [])).order_by("title")
    )
    forms = []
    for source in sources:
        current = _speakers_of(source)
        if current:
            forms.append(
                (
                    source,
                    SpeakerMapForm(
                        request.POST or None,
                        prefix=f"s{source.pk}",
                        speakers=list(current),
                        project=access.project,
                        initial_map=current,
                    ),
                )
            )
    if request.method == "POST" and all(form.is_valid() for _source, form in forms):
        for source, form in forms:
            source_speakers_map(source=source, speaker_map=form.speaker_map())
        messages.success(request, f"Speakers of {len(forms)} sources mapped.")
        return redirect("interviews:source_list", access.project.pk)
    return render(
        request,
        "interviews/import_speakers.html",
        {"access": access, "project": access.project, "job": job, "forms": forms},
    )
