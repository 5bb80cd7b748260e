"""Agreement between coders: the figures of the agreement page, its disagreements, consensus.

Reads gather codings and segments with a few flat queries and hand them to the pure
functions of `agreement.units` and `agreement.statistics`. Consensus codings are ordinary
Coding rows whose coder is the special inactive user "consensus", so every report can be run
on the consensus alone by filtering on that coder.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from itertools import combinations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from agreement.models import AgreementResolution, ResolutionDecision
from agreement.statistics import merge_patterns
from agreement.units import (
    UNIT_LABELS,
    Figures,
    SegmentTally,
    UnitView,
    add_patterns,
    choose_units,
    code_patterns,
    coded_only,
    elementary_spans,
    figures,
    unit_views,
)
from coding.consensus import CONSENSUS_USERNAME, consensus_user_id
from coding.models import ChangeAction, Code, Coding
from coding.services import change_record, coding_snapshot
from interviews.models import Project, Segment, Source, SourceCodePoints
from interviews.reading import paragraph_spans

SEEN_CHOICES = [
    ("coded", "a coder has seen a source when they made at least one coding in it"),
    ("all", "every selected coder has seen every selected source"),
]


def code_path(code: Code) -> str:
    """The code's path, from `tree_order` when it set one (no query), else from the database."""
    return getattr(code, "path", None) or code.full_path


def consensus_user():
    """The special coder that consensus codings belong to (inactive, cannot log in)."""
    User = get_user_model()
    user = User.objects.filter(username=CONSENSUS_USERNAME).first()
    if user is None:
        user = User(username=CONSENSUS_USERNAME, is_active=False, first_name="Consensus")
        user.set_unusable_password()
        user.save()
    elif user.is_active or user.has_usable_password():
        raise ValidationError(
            "A person's account is called “consensus”, so consensus codings cannot be stored "
            "under that name. Rename that account first."
        )
    return user


# Reading: units and figures ------------------------------------------------------------------


@dataclass
class CodeRow:
    code: Code | None  # None for the overall row
    label: str
    all_units: Figures
    coded_units: Figures


@dataclass
class PairOverlap:
    first: object
    second: object
    rows: list[tuple[Code, SegmentTally]]
    total: SegmentTally


@dataclass
class AgreementReport:
    project: Project
    sources: list[Source]
    coders: list
    codes: list[Code]
    unit: str
    min_overlap: int
    seen: str
    rows: list[CodeRow]
    overall: CodeRow | None
    overlaps: list[PairOverlap]
    fallbacks: list[tuple[Source, str]]  # sources whose units fell back, and to what
    unseen: list[tuple[Source, object]]  # (source, coder) pairs counted as missing
    notes: list[str] = field(default_factory=list)

    @property
    def unit_label(self) -> str:
        return UNIT_LABELS[self.unit]

    @property
    def seen_label(self) -> str:
        return dict(SEEN_CHOICES)[self.seen]

    def settings_lines(self) -> list[tuple[str, str]]:
        """The settings in words, for the page and every export."""
        return [
            ("Project", self.project.name),
            ("Sources", f"{len(self.sources)}: " + "; ".join(s.title for s in self.sources)),
            ("Coders", ", ".join(coder.username for coder in self.coders)),
            ("Codes", f"{len(self.codes)}: " + "; ".join(code_path(c) for c in self.codes)),
            ("Unit of analysis", self.unit_label),
            ("Seen sources", dict(SEEN_CHOICES)[self.seen]),
            ("Minimum segment overlap", f"{self.min_overlap} %"),
        ]


METHOD = [
    "A unit counts as coded with a code by a coder when any of that coder's codings of the code "
    "overlaps the unit by at least one character.",
    "Units of a source that a coder has not seen are missing values for that coder: they are "
    "left out of percent agreement and Cohen's kappa, and do not pair in Krippendorff's alpha.",
    "Units no coder coded with a code: under “all units” they count as agreement that the code "
    "does not apply (value 0 from every coder who saw the source); under “coded units only” "
    "they are left out, so only units at least one coder coded with the code are compared.",
    "Percent agreement: the share of units, among those at least two coders saw, on which every "
    "coder who saw the unit made the same decision.",
    "Cohen's kappa (exactly two coders): (observed − chance agreement) / (1 − chance agreement), "
    "chance from each coder's own proportions.",
    "Krippendorff's alpha (nominal, any number of coders, missing values allowed): "
    "1 − (n − 1) · observed disagreement / expected disagreement over the coincidence matrix "
    "(Krippendorff 2011, “Computing Krippendorff's Alpha-Reliability”).",
    "Overall: every (unit, code) decision pooled, so each code weighs by its number of units.",
    "Sentence and speaker-turn units come from the source's stored segments; a source without "
    "them falls back to paragraphs (listed on the page). Character units count every character "
    "of the text.",
    "Segment overlap (as in MAXQDA): a coding by one coder is matched when a coding of the same "
    "code by the other coder in the same source shares at least the minimum share of the "
    "characters the two codings cover together (intersection / union). Agreement = matched "
    "codings of both coders / all codings of both coders.",
    "A statistic that is undefined for the data (one category only, no unit seen by two "
    "coders, a single coder) is shown as “—” with the reason, never as a number.",
]


def _load(
    sources: list[Source], coders: list, unit: str
) -> tuple[dict, dict, dict, list[tuple[Source, str]]]:
    """Units per source, text lengths, codings per source, and the fallbacks used."""
    source_ids = [s.pk for s in sources]
    # The stored lengths: counting code points in the database walks every text.
    lengths = SourceCodePoints.lengths(source_ids)
    segments: dict[int, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    if unit != "character":
        kinds = {unit, "paragraph"}
        for source_id, kind, start, end in (
            Segment.objects.filter(source_id__in=source_ids, kind__in=kinds)
            .order_by()
            .values_list("source_id", "kind", "start", "end")
        ):
            segments[source_id][kind].append((start, end))
    units: dict[int, list | None] = {}
    fallbacks: list[tuple[Source, str]] = []
    # Sources without stored paragraphs (made outside the import) are split here.
    bare = [
        pk
        for pk in source_ids
        if unit != "character"
        and not segments.get(pk, {}).get(unit)
        and not segments.get(pk, {}).get("paragraph")
    ]
    texts = dict(Source.objects.filter(pk__in=bare).values_list("pk", "text")) if bare else {}
    for source in sources:
        if unit == "character":
            units[source.pk] = None
            continue
        stored = segments.get(source.pk, {})
        text = texts.get(source.pk, "")
        text_paragraphs = paragraph_spans(text) or ([(0, len(text))] if text else [])
        used, spans = choose_units(unit, stored, text_paragraphs)
        if used != unit:
            fallbacks.append((source, used))
        units[source.pk] = spans
    codings: dict[int, list[tuple[int, int, int, int]]] = defaultdict(list)
    for source_id, code_id, coder_id, start, end in (
        Coding.objects.filter(source_id__in=source_ids, coder__in=coders)
        .order_by()
        .values_list("source_id", "code_id", "coder_id", "start", "end")
    ):
        codings[source_id].append((code_id, coder_id, start, end))
    return units, lengths, codings, fallbacks


def _present(source_codings: list, coders: list, seen: str) -> tuple[bool, ...]:
    if seen == "all":
        return tuple(True for _ in coders)
    coded_by = {coder_id for _code, coder_id, _s, _e in source_codings}
    return tuple(coder.pk in coded_by for coder in coders)


def agreement_report(
    *,
    project: Project,
    sources: list[Source],
    coders: list,
    codes: list[Code],
    unit: str,
    min_overlap: int = 90,
    seen: str = "coded",
) -> AgreementReport:
    """Per code and overall: units, percent agreement, Cohen's kappa, Krippendorff's alpha."""
    if unit not in UNIT_LABELS:
        raise ValidationError(f"Unknown unit of analysis “{unit}”.")
    units, lengths, codings, fallbacks = _load(sources, coders, unit)
    code_ids = {code.pk for code in codes}
    coder_column = {coder.pk: index for index, coder in enumerate(coders)}
    per_code: dict[int, Counter] = {code.pk: Counter() for code in codes}
    pairs = list(combinations(range(len(coders)), 2))
    tallies = {(pair, code.pk): SegmentTally() for pair in pairs for code in codes}
    unseen: list[tuple[Source, object]] = []
    min_share = min_overlap / 100
    for source in sources:
        source_codings = codings.get(source.pk, [])
        present = _present(source_codings, coders, seen)
        unseen.extend((source, coder) for coder, p in zip(coders, present, strict=True) if not p)
        spans_by_code: dict[int, list[list]] = defaultdict(lambda: [[] for _ in coders])
        for code_id, coder_id, start, end in source_codings:
            if code_id in code_ids:
                spans_by_code[code_id][coder_column[coder_id]].append((start, end))
        source_units = units[source.pk]
        unit_count = len(source_units) if source_units is not None else lengths[source.pk]
        blank = tuple(0 if p else None for p in present)
        for code in codes:
            coder_spans = spans_by_code.get(code.pk)
            if coder_spans is None:
                if unit_count:
                    per_code[code.pk][blank] += unit_count
                continue
            coded, blank, others = code_patterns(
                units=source_units,
                length=lengths[source.pk],
                coder_spans=coder_spans,
                present=present,
            )
            add_patterns(per_code[code.pk], coded, blank, others, weighted=source_units is None)
            for pair in pairs:
                tallies[pair, code.pk].add(coder_spans[pair[0]], coder_spans[pair[1]], min_share)
    rows = [
        CodeRow(
            code=code,
            label=code_path(code),
            all_units=figures(per_code[code.pk], len(coders)),
            coded_units=figures(coded_only(per_code[code.pk]), len(coders)),
        )
        for code in codes
    ]
    overall = None
    if codes:
        pooled = merge_patterns(per_code.values())
        overall = CodeRow(
            code=None,
            label="All selected codes (pooled)",
            all_units=figures(pooled, len(coders)),
            coded_units=figures(coded_only(pooled), len(coders)),
        )
    overlaps = []
    for pair in pairs:
        total = SegmentTally()
        pair_rows = []
        for code in codes:
            tally = tallies[pair, code.pk]
            pair_rows.append((code, tally))
            total.first_total += tally.first_total
            total.first_matched += tally.first_matched
            total.second_total += tally.second_total
            total.second_matched += tally.second_matched
        overlaps.append(PairOverlap(coders[pair[0]], coders[pair[1]], pair_rows, total))
    return AgreementReport(
        notes=_undefined_notes([*rows, *([overall] if overall else [])]),
        project=project,
        sources=sources,
        coders=coders,
        codes=codes,
        unit=unit,
        min_overlap=min_overlap,
        seen=seen,
        rows=rows,
        overall=overall,
        overlaps=overlaps,
        fallbacks=fallbacks,
        unseen=unseen,
    )


def _undefined_notes(rows: list[CodeRow]) -> list[str]:
    """Each reason a figure is undefined, once, with the codes it applies to."""
    found: dict[str, list[str]] = {}
    for row in rows:
        for part, figures_ in (("all units", row.all_units), ("coded units only", row.coded_units)):
            for name, stat in (
                ("percent agreement", figures_.percent),
                ("Cohen's kappa", figures_.kappa),
                ("Krippendorff's alpha", figures_.alpha),
            ):
                if stat.value is None:
                    where = f"{row.label} – {name}, {part}"
                    found.setdefault(stat.note, []).append(where)
    notes = []
    for reason, places in found.items():
        shown = "; ".join(places[:6]) + (f"; and {len(places) - 6} more" if len(places) > 6 else "")
        notes.append(f"{reason} ({shown})")
    return notes


# Reading: the disagreements -------------------------------------------------------------------


@dataclass
class Disagreement:
    source: Source
    view: UnitView
    text: str
    coder_codes: list[tuple[object, list[Code] | None]]
    consensus_codes: list[Code]
    resolution: AgreementResolution | None

    @property
    def common(self) -> set[int]:
        """Codes every coder who saw the unit applied (the rest are the disagreement)."""
        present = [codes for codes in self.view.codes if codes is not None]
        return set.intersection(*present) if present else set()

    @property
    def key(self) -> str:
        return f"{self.source.pk}-{self.view.start}-{self.view.end}"


def disagreements(
    *,
    project: Project,
    sources: list[Source],
    coders: list,
    codes: list[Code],
    unit: str,
    seen: str = "coded",
    unresolved_only: bool = False,
) -> list[tuple[Source, UnitView]]:
    """Units on which the selected coders applied different sets of the selected codes."""
    units, _lengths, codings, _fallbacks = _load(sources, coders, unit)
    code_ids = {code.pk for code in codes}
    coder_column = {coder.pk: index for index, coder in enumerate(coders)}
    resolved = set()
    if unresolved_only:
        resolved = set(
            AgreementResolution.objects.filter(source__in=sources, unit=unit).values_list(
                "source_id", "start", "end"
            )
        )
    found: list[tuple[Source, UnitView]] = []
    for source in sources:
        source_codings = codings.get(source.pk, [])
        present = _present(source_codings, coders, seen)
        selected = [c for c in source_codings if c[0] in code_ids]
        spans = units[source.pk]
        if spans is None:
            spans = elementary_spans((s, e) for _c, _r, s, e in selected)
        for view in unit_views(
            source_id=source.pk,
            units=spans,
            codings=selected,
            coder_index=coder_column,
            present=present,
        ):
            if view.disagrees and (source.pk, view.start, view.end) not in resolved:
                found.append((source, view))
    return found


def disagreement_details(
    *, project: Project, page: list[tuple[Source, UnitView]], coders: list, unit: str
) -> list[Disagreement]:
    """What the review page shows for a page of disagreements: text, codes, consensus so far."""
    if not page:
        return []
    source_ids = {source.pk for source, _view in page}
    texts = dict(Source.objects.filter(pk__in=source_ids).values_list("pk", "text"))
    codes = {code.pk: code for code in Code.objects.filter(project=project).tree_order()}
    consensus_id = consensus_user_id()
    consensus: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    if consensus_id:
        for source_id, code_id, start, end in Coding.objects.filter(
            source_id__in=source_ids, coder_id=consensus_id
        ).values_list("source_id", "code_id", "start", "end"):
            consensus[source_id].append((code_id, start, end))
    resolutions = {
        (r.source_id, r.start, r.end): r
        for r in AgreementResolution.objects.filter(source_id__in=source_ids, unit=unit)
        .select_related("accepted_coder", "resolved_by")
        .prefetch_related("codes")
    }
    details = []
    for source, view in page:
        agreed = {
            code_id
            for code_id, start, end in consensus.get(source.pk, [])
            if start < view.end and view.start < end
        }
        details.append(
            Disagreement(
                source=source,
                view=view,
                text=texts[source.pk][view.start : view.end],
                coder_codes=[
                    (
                        coder,
                        None
                        if applied is None
                        else sorted((codes[c] for c in applied), key=code_path),
                    )
                    for coder, applied in zip(coders, view.codes, strict=True)
                ],
                consensus_codes=sorted((codes[c] for c in agreed), key=code_path),
                resolution=resolutions.get((source.pk, view.start, view.end)),
            )
        )
    return details


# Writing: consensus ---------------------------------------------------------------------------


def _consensus_coding(
    *, source: Source, code: Code, start: int, end: int, consensus, lead
) -> Coding | None:
    """Store one consensus coding (None when the consensus already has exactly this one)."""
    if not code.is_codable:
        raise ValidationError(f"“{code.name}” is a grouping code and cannot be applied.")
    if Coding.objects.filter(
        source=source, code=code, coder=consensus, start=start, end=end
    ).exists():
        return None
    coding = Coding(source=source, code=code, coder=consensus, start=start, end=end)
    coding.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            coding.save()
    except IntegrityError:
        return None
    change_record(user=lead, action=ChangeAction.CREATE, obj=coding, project=source.project)
    return coding


@transaction.atomic
def disagreement_resolve(
    *,
    project: Project,
    source: Source,
    unit: str,
    start: int,
    end: int,
    decision: str,
    lead,
    coders: list,
    codes: list[Code],
    accepted_coder=None,
    consensus_codes: list[Code] | None = None,
    passage: str = "",
) -> AgreementResolution:
    """Settle one disagreement unit; the consensus coder receives the agreed codings.

    accept:    the accepted coder's codings of the selected codes that overlap the unit are
               copied to the consensus coder (same spans).
    both:      every selected coder's codings of those codes that overlap the unit are copied.
    consensus: the lead's chosen codes are applied to the unit, or to `passage` within it.
    Deciding the same unit again replaces the consensus codings the earlier decision made.
    """
    if source.project_id != project.pk:
        raise ValidationError("That source belongs to another project.")
    if unit not in UNIT_LABELS:
        raise ValidationError(f"Unknown unit of analysis “{unit}”.")
    if not (0 <= start < end <= len(source.text)):
        raise ValidationError("That unit does not lie within the source's text.")
    if decision not in ResolutionDecision.values:
        raise ValidationError("Choose to accept one version, keep both, or write a consensus.")
    if any(code.project_id != project.pk for code in [*codes, *(consensus_codes or [])]):
        raise ValidationError("A code belongs to another project.")
    consensus = consensus_user()
    coder_ids = [coder.pk for coder in coders]
    code_ids = [code.pk for code in codes]
    spans: list[tuple[Code, int, int]] = []
    if decision in (ResolutionDecision.ACCEPT, ResolutionDecision.BOTH):
        if decision == ResolutionDecision.ACCEPT:
            if accepted_coder is None or accepted_coder.pk not in coder_ids:
                raise ValidationError("Choose whose version to accept.")
            coder_ids = [accepted_coder.pk]
        for coding in Coding.objects.filter(
            source=source,
            coder_id__in=coder_ids,
            code_id__in=code_ids,
            start__lt=end,
            end__gt=start,
        ).select_related("code"):
            spans.append((coding.code, coding.start, coding.end))
    else:
        if not consensus_codes:
            raise ValidationError("Choose at least one code for the consensus coding.")
        unit_text = source.text[start:end]
        piece = passage.strip()
        offset, length = 0, len(unit_text)
        if piece and piece != unit_text.strip():
            offset = unit_text.find(piece)
            if offset < 0:
                raise ValidationError(
                    "The passage must be copied exactly from the unit's text; "
                    "it was not found there."
                )
            length = len(piece)
        spans = [(code, start + offset, start + offset + length) for code in consensus_codes]

    resolution = AgreementResolution.objects.filter(
        source=source, unit=unit, start=start, end=end
    ).first()
    if resolution is not None:
        for old in resolution.codings.select_related("code", "coder", "source"):
            snapshot = coding_snapshot(old)
            change_record(
                user=lead, action=ChangeAction.DELETE, obj=old, before=snapshot, project=project
            )
            old.delete()
    else:
        resolution = AgreementResolution(project=project, source=source, unit=unit)
    resolution.start, resolution.end = start, end
    resolution.decision = decision
    resolution.accepted_coder = accepted_coder if decision == ResolutionDecision.ACCEPT else None
    resolution.resolved_by = lead
    resolution.full_clean(validate_constraints=False, validate_unique=False)
    resolution.save()
    resolution.codes.set(codes if decision != ResolutionDecision.CONSENSUS else consensus_codes)
    created = []
    for code, span_start, span_end in spans:
        coding = _consensus_coding(
            source=source, code=code, start=span_start, end=span_end, consensus=consensus, lead=lead
        )
        if coding is not None:
            created.append(coding)
    resolution.codings.set(created)
    return resolution
