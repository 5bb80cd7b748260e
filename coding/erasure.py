"""Erasing an interviewee: the person and every word of theirs, with a record that keeps no
personal data.

`erasure_plan` says what will go (shown to the admin before anything happens);
`interviewee_erase` deletes it in one transaction: the interviewee with their attribute
values and memos, every source they speak in (linked to them, or with a speaker turn mapped
to them) with its codings, memos, segments, named entities and uploaded original, their
consent form, any language pipeline finding elsewhere in the project that holds their
name, and what coding help's classifiers learned from those sources (`models_forget`: a
new version is queued to learn without them). Their name is struck from
the project's other memos and from its job log, and coding help's rules keep nothing of
them (`_rules_scrub`). The history keeps one entry — who erased
an interviewee, when, and how much went — and the codings' own history entries, which
hold code paths, coders and offsets, never words or names.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from itertools import islice
from re import _constants as sre  # the parser's own names (Python 3.11-3.13)
from re import _parser as sre_parse

from django.db import transaction
from django.db.models import Q

from coding.autocode import REGEX_FLAGS
from coding.models import Change, ChangeAction, Coding, Memo
from coding.suggestion_models import AutocodeRule, Suggestion, SuggestionStatus
from coding.suggestions import models_forget, models_that_read
from interviews.models import Interviewee, Job, NamedEntity, Segment, Source

ERASED = "[erased]"
# At most this many spellings of a rule's regular expression are tried (see _spellings).
SPELLINGS = 256
_CATEGORY_CHAR = {sre.CATEGORY_SPACE: " ", sre.CATEGORY_DIGIT: "0"}
_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT)
# Parts of a name shorter than this ("Li", "Wu") are words of too many other things to be
# struck from free text on their own; the whole name always is.
MIN_PART = 3


def name_forms(interviewee: Interviewee) -> list[str]:
    """The forms of the person's name and contact to look for, longest first: the whole name,
    each contact line, and each part of the name of at least three letters."""
    forms = {interviewee.real_name.strip()}
    forms |= {line.strip() for line in interviewee.contact.splitlines()}
    forms |= {part for part in re.split(r"[\s,]+", interviewee.real_name) if len(part) >= MIN_PART}
    return sorted((f for f in forms if f), key=lambda f: (-len(f), f))


def _speakers(interviewee: Interviewee) -> set[str]:
    """How coding help's rules may name the person as a speaker, lower-cased: the pseudonym
    and every speaker label mapped to them."""
    labels = Segment.objects.filter(interviewee=interviewee).values_list("speaker", flat=True)
    return {name.strip().lower() for name in [interviewee.pseudonym, *labels] if name.strip()}


def _pattern(forms: list[str]) -> re.Pattern | None:
    if not forms:
        return None
    words = "|".join(re.escape(form) for form in forms)
    return re.compile(rf"(?<!\w)(?:{words})(?!\w)", re.IGNORECASE)


@dataclass
class ErasurePlan:
    interviewee: Interviewee
    sources: list[Source]
    shared: dict[int, list[str]]  # source id → the other interviewees linked to it
    codings: int
    memos: int
    entities: int
    mentions: list[Memo] = field(default_factory=list)  # other memos naming the person
    learned: int = 0  # coding help's classifier versions that read those sources
    rules: list[RuleChange] = field(default_factory=list)  # coding help's rules naming them

    @property
    def rules_deleted(self) -> int:
        return sum(change.delete for change in self.rules)

    @property
    def rules_changed(self) -> int:
        return len(self.rules) - self.rules_deleted

    @property
    def summary(self) -> str:
        def count(n: int, one: str, many: str) -> str:
            return f"{n} {one if n == 1 else many}"

        return ", ".join(
            [
                count(len(self.sources), "source", "sources"),
                count(self.codings, "coding", "codings"),
                count(self.memos, "memo", "memos"),
                count(self.entities, "named entity", "named entities"),
            ]
        )


def _entities(interviewee: Interviewee, source_ids: list[int]):
    """Named entities of the person's sources, and those elsewhere in the project that
    hold their name."""
    named = Q()
    for form in name_forms(interviewee):
        named |= Q(text__icontains=form)
    in_project = NamedEntity.objects.filter(source__project=interviewee.project_id)
    return in_project.filter(Q(source_id__in=source_ids) | (named if named else Q(pk__in=[])))


def erasure_plan(interviewee: Interviewee) -> ErasurePlan:
    # What the plan shows and the erasure deletes: each source's title and original file,
    # not its text (a project's transcripts can be megabytes each).
    sources = list(
        Source.objects.filter(project=interviewee.project_id)
        .spoken_by(interviewee)
        .only("pk", "title", "original_file")
        .order_by("title", "pk")
    )
    source_ids = [s.pk for s in sources]
    shared: dict[int, list[str]] = {}
    for source_id, pseudonym in (
        Source.interviewees.through.objects.filter(source_id__in=source_ids)
        .exclude(interviewee=interviewee)
        .values_list("source_id", "interviewee__pseudonym")
    ):
        shared.setdefault(source_id, []).append(pseudonym)
    memos = Memo.objects.filter(
        Q(interviewee=interviewee)
        | Q(source_id__in=source_ids)
        | Q(coding__source_id__in=source_ids)
    )
    forms = name_forms(interviewee)
    pattern = _pattern(forms)
    mentions = []
    if pattern is not None:
        others = Memo.objects.filter(project=interviewee.project_id).exclude(
            pk__in=memos.values("pk")
        )
        mentions = [m for m in others if pattern.search(m.title) or pattern.search(m.text)]
    return ErasurePlan(
        interviewee=interviewee,
        sources=sources,
        shared=shared,
        codings=Coding.objects.filter(source_id__in=source_ids).count(),
        memos=memos.count(),
        entities=_entities(interviewee, source_ids).count(),
        mentions=mentions,
        learned=len(models_that_read(interviewee.project, source_ids)),
        rules=_rule_changes(
            interviewee.project_id, pattern, forms, _speakers(interviewee), source_ids
        ),
    )


def _strike(pattern: re.Pattern | None, value):
    """The value with every form of the name replaced, through lists and dicts."""
    if pattern is None:
        return value
    if isinstance(value, str):
        return pattern.sub(ERASED, value)
    if isinstance(value, list):
        return [_strike(pattern, item) for item in value]
    if isinstance(value, dict):
        return {key: _strike(pattern, item) for key, item in value.items()}
    return value


def _names(pattern: re.Pattern | None, line: str) -> bool:
    """Whether a rule's keyword, speaker or name names the person."""
    return pattern is not None and bool(pattern.search(line))


def _pattern_names(pattern: re.Pattern | None, forms: list[str], line: str) -> bool:
    """Whether one of a rule's regular expressions names the person: a text it spells out
    holds a form of the name (`J[oa]hn`, `(?:Mrs?|Ms)\\.?\\s+Secretname`, `Ales(?:ia|ya)`,
    see `_spellings`), or it matches a form whole (whole words of at least MIN_PART letters,
    as the rule would match them in a text) where the same form with every letter changed to
    its neighbour does not (`a[l]esia\\W+s\\w*name`). `[A-Z]\\w+` or `\\w+ \\w+` match any
    name, and so no one."""
    if pattern is None:
        return False
    if _names(pattern, re.sub(r"\\.", " ", line)):
        return True
    if any(_names(pattern, spelling) for spelling in _spellings(line)):
        return True
    try:
        rule = re.compile(line, REGEX_FLAGS)
    except re.error:
        return False
    return any(
        _matches_words(rule, form) and not any(_matches_words(rule, d) for d in _decoys(form))
        for form in forms
    )


def _spellings(line: str) -> list[str]:
    """Texts the regular expression matches (up to SPELLINGS of them): every alternative,
    every member of a class written out (a range by its first character, `\\s` as a space,
    `\\d` as 0, any other class as x), `.` and a negated class as a space (they stand
    between words more often than in them), a repeat at its least count and once more."""
    try:
        parsed = sre_parse.parse(line, REGEX_FLAGS)
    except (re.error, RecursionError, OverflowError):
        return []
    return _spelled(list(parsed))


def _spelled(items) -> list[str]:
    texts = [""]
    for op, arg in items:
        parts = _spelled_item(op, arg)
        texts = list(islice((text + part for text in texts for part in parts), SPELLINGS))
    return texts


def _spelled_item(op, arg) -> list[str]:
    if op is sre.LITERAL:
        return [chr(arg)]
    if op is sre.IN:
        if arg and arg[0][0] is sre.NEGATE:  # a space, unless the class leaves spaces out
            spaces = (sre.LITERAL, ord(" ")) in arg or (sre.CATEGORY, sre.CATEGORY_SPACE) in arg
            return ["x" if spaces else " "]
        chars = [
            chr(value)
            if kind is sre.LITERAL
            else chr(value[0])
            if kind is sre.RANGE
            else _CATEGORY_CHAR.get(value, "x")
            for kind, value in arg
        ]
        return list(dict.fromkeys(chars))
    if op is sre.BRANCH:
        return [text for branch in arg[1] for text in _spelled(branch)][:SPELLINGS]
    if op is sre.SUBPATTERN:
        return _spelled(arg[-1])
    if op is sre.ATOMIC_GROUP:
        return _spelled(arg)
    if op in _REPEATS:
        least, most, inner = arg
        spelled = _spelled(inner)
        texts = []
        for count in sorted({least, min(least + 1, most)}):
            repeated = [""]
            for _ in range(min(count, 50)):
                repeated = list(islice((a + b for a in repeated for b in spelled), SPELLINGS))
            texts += repeated
        return texts[:SPELLINGS]
    if op is sre.CATEGORY:
        return [_CATEGORY_CHAR.get(arg, "x")]
    if op in (sre.ANY, sre.NOT_LITERAL):  # any character, or all but one: a space
        return ["x" if arg == ord(" ") else " "]
    return [""]  # anchors, lookarounds, back-references: nothing of their own


def _matches_words(rule: re.Pattern, text: str) -> bool:
    """Whether the rule matches whole words of `text`, of at least MIN_PART characters."""
    for match in rule.finditer(text):
        start, end = match.span()
        if (
            end - start >= min(MIN_PART, len(text))
            and (start == 0 or not text[start - 1].isalnum())
            and (end == len(text) or not text[end].isalnum())
        ):
            return True
    return False


def _decoys(form: str) -> list[str]:
    """The form with every letter (and digit) moved to its neighbour in the alphabet, of the
    same script and case: forward, then back."""

    def moved(char: str, step: int) -> str:
        code = ord(char)
        for other in (chr(min(code + step, 0x10FFFF)), chr(max(code - step, 0))):
            if (other.isalpha() and other.isupper() == char.isupper()) or (
                char.isdigit() and other.isdigit()
            ):
                return other
        return char

    return ["".join(moved(c, step) if c.isalnum() else c for c in form) for step in (1, -1)]


@dataclass
class RuleChange:
    """What erasure does to one of coding help's rules: delete it, or store it changed."""

    rule: AutocodeRule
    delete: bool
    old_label: str


def _rule_changes(
    project,
    pattern: re.Pattern | None,
    forms: list[str],
    speakers: set[str],
    source_ids: list[int],
) -> list[RuleChange]:
    """Coding help's rules that name the person, changed in memory (nothing is saved). A
    rule that reads only the person's speaker or sources, or whose every keyword and pattern
    names them, is to be deleted (left as it is, it would read everyone); otherwise the
    keywords, patterns and speakers naming them are removed, and a name naming them becomes
    "Rule <id>"."""
    erased = set(source_ids)
    changes = []
    for rule in AutocodeRule.objects.filter(project=project).prefetch_related("sources"):
        label = rule.origin_label
        hers = [
            s
            for s in rule.speakers
            if str(s).strip().lower() in speakers or _names(pattern, str(s))
        ]
        keywords = [k for k in rule.keyword_list if not _names(pattern, k)]
        patterns = [p for p in rule.pattern_list if not _pattern_names(pattern, forms, p)]
        read = {source.pk for source in rule.sources.all()}
        delete = bool(
            (rule.speakers and len(hers) == len(rule.speakers))
            or (read and read <= erased)
            or (not rule.is_speaker_rule and not keywords and not patterns)
        )
        named = _names(pattern, rule.name)
        if not (delete or named or hers) and (keywords, patterns) == (
            rule.keyword_list,
            rule.pattern_list,
        ):
            continue
        if named:
            rule.name = _neutral_name(rule)
        rule.speakers = [s for s in rule.speakers if s not in hers]
        rule.keywords, rule.patterns = "\n".join(keywords), "\n".join(patterns)
        changes.append(RuleChange(rule=rule, delete=delete, old_label=label))
    return changes


def _rules_scrub(changes: list[RuleChange]) -> None:
    """Apply `_rule_changes`: deleted rules go with their pending suggestions (decided ones
    stay, a rejection remembered); suggestions, codings and their history that carried a
    renamed rule's old name take the new one."""
    relabel: dict[str, str] = {}
    for change in changes:
        rule = change.rule
        if rule.origin_label != change.old_label:
            relabel[change.old_label] = rule.origin_label
            Suggestion.objects.filter(rule=rule).update(origin_label=rule.origin_label)
        if change.delete:
            Suggestion.objects.filter(rule=rule, status=SuggestionStatus.PENDING).delete()
            rule.delete()
        else:
            rule.save(update_fields=["name", "speakers", "keywords", "patterns", "updated_at"])
    for project_id in {change.rule.project_id for change in changes}:
        for old, new in relabel.items():
            Suggestion.objects.filter(project=project_id, origin_label=old).update(origin_label=new)
            Coding.objects.filter(source__project=project_id, origin=old).update(origin=new)
            history = list(
                Change.objects.filter(project=project_id).filter(
                    Q(before__origin=old) | Q(after__origin=old)
                )
            )
            for entry in history:
                for snapshot in (entry.before, entry.after):
                    if isinstance(snapshot, dict) and snapshot.get("origin") == old:
                        snapshot["origin"] = new
            Change.objects.bulk_update(history, ["before", "after"], batch_size=500)


def _origins_strike(project, pattern: re.Pattern | None, forms: list[str]) -> None:
    """The name struck from every origin that still holds it (a rule renamed or deleted
    before): the suggestions', the codings' and their history's."""
    if pattern is None:
        return
    named = Q()
    for form in forms:
        named |= Q(origin_label__icontains=form)
    for suggestion in Suggestion.objects.filter(named, project=project):
        Suggestion.objects.filter(pk=suggestion.pk).update(
            origin_label=_strike(pattern, suggestion.origin_label)
        )
    named = Q()
    for form in forms:
        named |= Q(origin__icontains=form)
    for coding in Coding.objects.filter(named, source__project=project):
        Coding.objects.filter(pk=coding.pk).update(origin=_strike(pattern, coding.origin))
    named = Q()
    for form in forms:
        named |= Q(before__origin__icontains=form) | Q(after__origin__icontains=form)
    history = list(Change.objects.filter(named, project=project))
    for entry in history:
        for snapshot in (entry.before, entry.after):
            if isinstance(snapshot, dict) and isinstance(snapshot.get("origin"), str):
                snapshot["origin"] = _strike(pattern, snapshot["origin"])
    Change.objects.bulk_update(history, ["before", "after"], batch_size=500)


def _neutral_name(rule: AutocodeRule) -> str:
    name, n = f"Rule {rule.pk}", 1
    while AutocodeRule.objects.filter(project=rule.project_id, name=name).exists():
        n += 1
        name = f"Rule {rule.pk} ({n})"
    return name


@transaction.atomic
def interviewee_erase(*, interviewee: Interviewee, user) -> Change:
    """Delete the interviewee and everything of theirs (see the module's docstring); returns
    the history's record of it."""
    plan = erasure_plan(interviewee)
    project = interviewee.project
    source_ids = [s.pk for s in plan.sources]
    pattern = _pattern(name_forms(interviewee))
    # The consent form goes with the interviewee (interviews.signals); the originals here.
    files = [s.original_file for s in plan.sources if s.original_file]

    _entities(interviewee, source_ids).delete()
    Memo.objects.filter(
        Q(interviewee=interviewee)
        | Q(source_id__in=source_ids)
        | Q(coding__source_id__in=source_ids)
    ).delete()
    for memo in plan.mentions:
        memo.title, memo.text = _strike(pattern, memo.title), _strike(pattern, memo.text)
        memo.save(update_fields=["title", "text", "modified_at"])
    for job in Job.objects.filter(project=project):
        fields = {
            name: _strike(pattern, getattr(job, name))
            for name in ("title", "current", "messages", "result")
        }
        if any(fields[name] != getattr(job, name) for name in fields):
            Job.objects.filter(pk=job.pk).update(**fields)
    _rules_scrub(plan.rules)
    _origins_strike(project, pattern, name_forms(interviewee))
    models_forget(project=project, source_ids=source_ids, user=user)
    Source.objects.filter(pk__in=source_ids).delete()
    interviewee.delete()
    record = Change.objects.create(
        project=project,
        user=user,
        action=ChangeAction.ERASE,
        object_type="interviewee",
        # A new id: the person's own would tie this entry to earlier exports of them.
        object_guid=uuid.uuid4(),
        after={"summary": f"An interviewee, with {plan.summary}"},
    )
    for stored in files:
        storage, name = stored.storage, stored.name
        transaction.on_commit(lambda storage=storage, name=name: storage.delete(name))
    return record
