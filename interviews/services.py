"""Writes that span several models."""

from __future__ import annotations

from django.db import transaction

from interviews.models import (
    Attribute,
    AttributeValue,
    Interviewee,
    Membership,
    Project,
    Role,
    Source,
)


@transaction.atomic
def project_create(
    *, user, name: str, description: str = "", blinded_coding: bool = False
) -> Project:
    """A new project whose creator is its first admin."""
    project = Project(
        name=name, description=description, blinded_coding=blinded_coding, created_by=user
    )
    project.full_clean()
    project.save()
    Membership.objects.create(project=project, user=user, role=Role.ADMIN)
    return project


def attribute_values_set(
    *,
    values: dict[Attribute, str],
    interviewee: Interviewee | None = None,
    source: Source | None = None,
) -> None:
    """Store attribute values (already normalised) for one interviewee or source."""
    owner = {"interviewee": interviewee} if interviewee is not None else {"source": source}
    for attribute, value in values.items():
        if value == "":
            AttributeValue.objects.filter(attribute=attribute, **owner).delete()
        else:
            AttributeValue.objects.update_or_create(
                attribute=attribute, **owner, defaults={"value": value}
            )


@transaction.atomic
def interviewee_save(*, interviewee: Interviewee, values: dict[Attribute, str]) -> Interviewee:
    interviewee.full_clean()
    interviewee.save()
    attribute_values_set(values=values, interviewee=interviewee)
    return interviewee


@transaction.atomic
def source_metadata_save(*, form) -> Source:
    source = form.save()
    attribute_values_set(values=form.attribute_values, source=source)
    return source


@transaction.atomic
def source_create(
    *,
    project: Project,
    title: str,
    text: str,
    user=None,
    kind: str = "interview",
    language: str = "en",
    date=None,
    interviewer: str = "",
    interviewees: list[Interviewee] | tuple = (),
    speaker_map: dict[str, Interviewee | str] | None = None,
    **fields,
) -> Source:
    """Store a source whose text is already in its final form (the demo study, REFI-QDA),
    with its speaker turns, paragraphs and sentences, exactly as an import stores them.

    `speaker_map` maps a speaker label to an Interviewee, or to the string "interviewer".
    Files from users go through `interviews.ingest.sources.source_import`, which also normalises.
    """
    from interviews import nlp
    from interviews.importers.base import Imported
    from interviews.ingest.segmentation import segment_rows, segments_insert, text_layout
    from interviews.layout import source_pieces_store
    from interviews.turns import parse_turns

    imported = Imported(text=text, format="text", turns=parse_turns(text))
    layout = text_layout(text, language, imported.turns)
    source = Source(
        project=project,
        title=title,
        text=text,
        kind=kind,
        language=language,
        date=date,
        interviewer=interviewer,
        created_by=user,
        sentence_count=len(layout.sentences),
        **{"nlp_pipeline": nlp.sentence_pipeline_name(language), **fields},
    )
    source.full_clean()
    source.save()
    source.interviewees.set(interviewees)
    segments_insert(
        segment_rows(source=source, imported=imported, speaker_map=speaker_map or {}, layout=layout)
    )
    source_pieces_store(source.pk, text, layout.pieces, new=True)
    return source
