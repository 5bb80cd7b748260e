"""Writes of coding help: running a rule over a corpus, accepting and rejecting suggestions."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from coding import autocode
from coding.models import Code, Coding
from coding.services import coding_create
from coding.suggestion_models import (
    AutocodeRule,
    Suggestion,
    SuggestionOrigin,
    SuggestionStatus,
)
from interviews.models import (
    AttributeValue,
    Interviewee,
    Project,
    Segment,
    SegmentKind,
    Source,
)

SAMPLE_SIZE = 20
CHUNK = 50  # sources read at once
BUILT_IN_ATTRIBUTES = ("country", "sector", "organisation", "role")

Progress = Callable[[int, int, str], None]


@dataclass
class RuleRun:
    """What a rule found: hits per source, a sample with context, and (unless a dry run)
    how many suggestions are new."""

    rule: AutocodeRule
    dry_run: bool
    per_source: list[dict] = field(default_factory=list)
    sample: list[dict] = field(default_factory=list)
    hits: list[dict] = field(default_factory=list)
    created: int = 0
    known: int = 0
    dropped: int = 0  # pending suggestions the changed rule no longer finds
    sources_read: int = 0
    seconds: float = 0.0
    lemmas: dict[str, bool] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(row["hits"] for row in self.per_source)

    def as_json(self, *, with_hits: bool = True) -> dict:
        data = {
            "rule": self.rule.name,
            "code": self.rule.code.full_path,
            "scope": self.rule.scope,
            "dry_run": self.dry_run,
            "sources_read": self.sources_read,
            "total": self.total,
            "created": self.created,
            "already_suggested": self.known,
            "no_longer_found": self.dropped,
            "seconds": round(self.seconds, 3),
            "matching": {
                lang: ("lemmas" if lemma else "lower-cased forms")
                for lang, lemma in self.lemmas.items()
            },
            "per_source": self.per_source,
            "sample": self.sample,
        }
        if with_hits:
            data["hits"] = self.hits
        return data


def rule_restriction(rule: AutocodeRule) -> autocode.Restriction:
    """The rule's speakers and attribute values as names and interviewee ids."""
    speakers = frozenset(s.strip().lower() for s in rule.speakers if str(s).strip()) or None
    interviewees = None
    if rule.attribute_values:
        people = Interviewee.objects.filter(project=rule.project)
        ids = set(people.values_list("pk", flat=True))
        for name, wanted in rule.attribute_values.items():
            values = {str(v).strip().lower() for v in wanted if str(v).strip()}
            key = name.strip().lower()
            if key in BUILT_IN_ATTRIBUTES:
                rows = people.values_list("pk", key)
            else:
                rows = AttributeValue.objects.filter(
                    attribute__project=rule.project,
                    attribute__name__iexact=key,
                    interviewee__isnull=False,
                ).values_list("interviewee_id", "value")
            ids &= {pk for pk, value in rows if (value or "").strip().lower() in values}
        interviewees = frozenset(ids)
    return autocode.Restriction(speakers=speakers, interviewees=interviewees)


def _units(chunk: list[int], texts: dict[int, str], pseudonyms: dict[int, str]) -> dict:
    rows = (
        Segment.objects.filter(source_id__in=chunk)
        .order_by("source_id", "start", "end")
        .values_list(
            "source_id", "kind", "start", "end", "speaker", "interviewee_id", "is_interviewer"
        )
    )
    sentences: dict[int, list] = defaultdict(list)
    paragraphs: dict[int, list] = defaultdict(list)
    turns: dict[int, list] = defaultdict(list)
    for source_id, kind, start, end, speaker, interviewee_id, is_interviewer in rows:
        if kind == SegmentKind.SENTENCE:
            sentences[source_id].append((start, end))
        elif kind == SegmentKind.PARAGRAPH:
            paragraphs[source_id].append((start, end))
        else:
            turns[source_id].append((start, end, speaker, interviewee_id, is_interviewer))
    units = {}
    for pk in chunk:
        text = texts[pk]
        found = []
        for start, end, speaker, interviewee_id, is_interviewer in turns[pk]:
            names = {speaker.strip().lower()} if speaker.strip() else set()
            if interviewee_id in pseudonyms:
                names.add(pseudonyms[interviewee_id].lower())
            if is_interviewer:
                names.add("interviewer")
            body = autocode.turn_body(start, end, sentences[pk], text)
            found.append(autocode.Turn(start, end, body, frozenset(names), interviewee_id))
        units[pk] = autocode.SourceUnits(text, sentences[pk], paragraphs[pk], found)
    return units


def rule_sources(rule: AutocodeRule, chosen: list[int] | None = None):
    """The sources a rule reads: `chosen`, its own chosen ones, or all the project's;
    never those of interviewees who withdrew consent."""
    sources = Source.objects.filter(project=rule.project).exclude(pk__in=Source.objects.withdrawn())
    if chosen:
        sources = sources.filter(pk__in=chosen)
    elif rule.pk and rule.sources.exists():
        sources = sources.filter(pk__in=rule.sources.all())
    return sources.order_by("pk")


def rule_run(
    *,
    rule: AutocodeRule,
    dry_run: bool,
    progress: Progress | None = None,
    keep_hits: bool = True,
    sources: list[int] | None = None,
) -> RuleRun:
    """Find a rule's passages in its sources; unless `dry_run`, store each as a pending
    suggestion. Running it again adds nothing it added before, and never brings back a
    suggestion someone rejected."""
    began = time.perf_counter()
    run = RuleRun(rule=rule, dry_run=dry_run)
    restriction = rule_restriction(rule)
    pseudonyms = dict(
        Interviewee.objects.filter(project=rule.project).values_list("pk", "pseudonym")
    )
    voice_rows = Source.interviewees.through.objects.filter(source__project=rule.project)
    voices: dict[int, set[int]] = defaultdict(set)
    for source_id, interviewee_id in voice_rows.values_list("source_id", "interviewee_id"):
        voices[source_id].add(interviewee_id)
    matchers: dict[str, autocode.RuleMatcher | None] = {}
    found_spans: set[tuple[int, int, int]] = set()
    ids = list(rule_sources(rule, sources).values_list("pk", flat=True))
    for index in range(0, len(ids), CHUNK):
        chunk = ids[index : index + CHUNK]
        rows = Source.objects.filter(pk__in=chunk).values_list("pk", "title", "text", "language")
        info = {pk: (title, text, language) for pk, title, text, language in rows}
        units = _units(chunk, {pk: v[1] for pk, v in info.items()}, pseudonyms)
        known = set(
            Suggestion.objects.filter(source_id__in=chunk, code=rule.code).values_list(
                "source_id", "start", "end"
            )
        )
        by_language: dict[str, list[int]] = defaultdict(list)
        for pk in chunk:
            by_language[info[pk][2]].append(pk)
        matches: dict[int, list[tuple[int, int]] | None] = {}
        for language, pks in by_language.items():
            if language not in matchers:
                matchers[language] = (
                    None
                    if rule.is_speaker_rule
                    else autocode.RuleMatcher(rule.keyword_list, rule.pattern_list, language)
                )
                if matchers[language] is not None:
                    run.lemmas[language] = matchers[language].uses_lemmas
            matcher = matchers[language]
            found = (
                [None] * len(pks)
                if matcher is None
                else matcher.find_many([(info[pk][1], units[pk].sentences) for pk in pks])
            )
            matches.update(zip(pks, found, strict=True))
        new_rows = []
        for done, pk in enumerate(chunk, start=index + 1):
            title, text, language = info[pk]
            if progress is not None:
                progress(done - 1, len(ids), title)
            people = voices.get(pk, set())
            source_voices = autocode.SourceVoices(
                names=frozenset(pseudonyms[p].lower() for p in people if p in pseudonyms),
                interviewees=frozenset(people),
            )
            hits = autocode.rule_spans(
                matches[pk],
                units[pk],
                scope=rule.scope,
                restriction=restriction,
                voices=source_voices,
            )
            run.sources_read += 1
            if not hits:
                continue
            run.per_source.append({"source": pk, "title": title, "hits": len(hits)})
            for start, end, match_start, match_end in hits:
                found_spans.add((pk, start, end))
                if keep_hits:
                    run.hits.append(
                        {
                            "source": pk,
                            "title": title,
                            "start": start,
                            "end": end,
                            "text": text[start:end],
                        }
                    )
                if len(run.sample) < SAMPLE_SIZE:
                    run.sample.append(
                        {
                            "source": pk,
                            "title": title,
                            "start": start,
                            "end": end,
                            **autocode.context_of(text, match_start, match_end),
                        }
                    )
                if (pk, start, end) in known:
                    run.known += 1
                    continue
                known.add((pk, start, end))
                new_rows.append(
                    Suggestion(
                        project=rule.project,
                        source_id=pk,
                        code=rule.code,
                        start=start,
                        end=end,
                        origin=SuggestionOrigin.RULE,
                        rule=rule,
                        origin_label=rule.origin_label,
                        score=1.0,
                    )
                )
        if not dry_run and new_rows:
            Suggestion.objects.bulk_create(new_rows, ignore_conflicts=True, batch_size=500)
            run.created += len(new_rows)
    if not dry_run and rule.pk:
        run.dropped = _drop_stale(rule, found_spans)
    if progress is not None:
        progress(len(ids), len(ids), "")
    run.seconds = time.perf_counter() - began
    return run


def _drop_stale(rule: AutocodeRule, found: set[tuple[int, int, int]]) -> int:
    """Delete the rule's pending suggestions it no longer finds (after it was changed, in
    its words or its code); decided ones stay, so a rejection is still remembered."""
    pending = Suggestion.objects.filter(rule=rule, status=SuggestionStatus.PENDING)
    rows = pending.values_list("pk", "code_id", "source_id", "start", "end")
    stale = [
        pk
        for pk, code_id, source_id, start, end in rows
        if code_id != rule.code_id or (source_id, start, end) not in found
    ]
    for i in range(0, len(stale), 500):
        Suggestion.objects.filter(pk__in=stale[i : i + 500]).delete()
    return len(stale)


# Reviewing ----------------------------------------------------------------------------


def _decided(suggestion: Suggestion) -> None:
    if suggestion.status != SuggestionStatus.PENDING:
        raise ValidationError(
            f"This suggestion was already {suggestion.get_status_display().lower()}."
        )


@transaction.atomic
def suggestion_accept(*, suggestion: Suggestion, user) -> Coding:
    """Accept a suggestion: it becomes an ordinary coding by `user` that records where it
    came from. A passage the user has already coded with the code keeps that coding."""
    suggestion = (
        Suggestion.objects.select_for_update()
        .select_related("source", "code")
        .get(pk=suggestion.pk)
    )
    _decided(suggestion)
    coding = Coding.objects.filter(
        source=suggestion.source,
        code=suggestion.code,
        coder=user,
        start=suggestion.start,
        end=suggestion.end,
    ).first()
    if coding is None:
        coding = coding_create(
            source=suggestion.source,
            code=suggestion.code,
            coder=user,
            start=suggestion.start,
            end=suggestion.end,
            origin=suggestion.origin_label,
        )
    suggestion.status = SuggestionStatus.ACCEPTED
    suggestion.decided_by = user
    suggestion.decided_at = timezone.now()
    suggestion.coding = coding
    suggestion.save(update_fields=["status", "decided_by", "decided_at", "coding"])
    return coding


@transaction.atomic
def suggestion_reject(*, suggestion: Suggestion, user) -> None:
    """Reject a suggestion; it is never proposed again for its span and code."""
    suggestion = Suggestion.objects.select_for_update().get(pk=suggestion.pk)
    _decided(suggestion)
    suggestion.status = SuggestionStatus.REJECTED
    suggestion.decided_by = user
    suggestion.decided_at = timezone.now()
    suggestion.save(update_fields=["status", "decided_by", "decided_at"])


def suggestions_accept_scoring(suggestions, *, source, min_score: float, code, user) -> int:
    """Accept those of `suggestions` (the ones the user may review) of `source` scoring at
    least `min_score`, of `code` only unless it is None; returns how many codings resulted."""
    chosen = suggestions.filter(source=source, score__gte=min_score)
    if code is not None:
        chosen = chosen.filter(code=code)
    return suggestions_accept_all(chosen, user=user)


def suggestions_accept_all(suggestions, *, user) -> int:
    """Accept each of `suggestions` (pending ones); returns how many codings resulted."""
    accepted = 0
    for suggestion in suggestions.filter(status=SuggestionStatus.PENDING).order_by("pk"):
        try:
            suggestion_accept(suggestion=suggestion, user=user)
        except ValidationError:
            continue  # decided meanwhile by someone else, or its code became a grouping one
        accepted += 1
    return accepted


def rule_save(
    *, project: Project, rule: AutocodeRule | None = None, user, **fields
) -> AutocodeRule:
    """Create or change a rule after checking it (patterns, code, restriction)."""
    sources = fields.pop("sources", None)
    rule = rule or AutocodeRule(project=project, created_by=user)
    for name, value in fields.items():
        setattr(rule, name, value)
    rule.full_clean()
    with transaction.atomic():
        rule.save()
        if sources is not None:
            rule.sources.set(sources)
    return rule


def codable_code(project: Project, name: str) -> Code:
    """The code a terminal names by name or path (Parent/Child)."""
    codes = Code.objects.filter(project=project).tree_order()
    wanted = name.strip().lower()
    found = [c for c in codes if c.path.lower() == wanted] or [
        c for c in codes if c.name.lower() == wanted
    ]
    if not found:
        raise ValidationError(f"The project has no code “{name}”.")
    if len(found) > 1:
        raise ValidationError(
            f"Several codes are called “{name}”; give the path, e.g. {found[0].path}."
        )
    return found[0]


def rule_accept_all(*, rule: AutocodeRule, user) -> int:
    """Accept every pending suggestion of a rule as codings by `user` (code by speaker)."""
    return suggestions_accept_all(Suggestion.objects.filter(rule=rule), user=user)


def rule_run_job(*, rule: AutocodeRule, user, accept: bool = False):
    """Queue a rule run over the corpus in the background worker; returns its job."""
    from coding.tasks import autocode_rule
    from interviews.models import Job

    job = Job.objects.create(
        project=rule.project,
        user=user,
        kind="autocode",
        title=f"Auto-coding: {rule.name} → {rule.code.name}",
    )
    result = autocode_rule.enqueue(job.pk, rule.pk, user.pk if accept else None)
    Job.objects.filter(pk=job.pk).update(task_id=str(result.id)[:64])
    return job
