"""Suggestions learned from a team's own codings.

A project's classifier is a spaCy `textcat_multilabel` (a small ensemble of hashed word
features and a bag of words and word pairs) trained on the CPU, in the background task
worker, on the project's sentences: a sentence carries a code when codings of that code
cover at least half of it. Only sources with codings teach it (an uncoded source says
nothing about what is absent). Before it suggests anything it is measured on held-out
sources, chosen by a seeded shuffle, so the lead sees per code how often a suggestion is
right (precision) and how much of the coders' work it finds (recall); codes with too few
examples or too low an F1 are never suggested. Nothing is downloaded: the pipeline starts
blank, and the trained weights are kept in the database.
"""

from __future__ import annotations

import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction

from coding.consensus import consensus_user_id
from coding.models import Code, Coding
from coding.suggestion_models import (
    LabelSource,
    ModelStatus,
    Suggestion,
    SuggestionModel,
    SuggestionOrigin,
    SuggestionStatus,
)
from interviews.models import Job, Project, Segment, SegmentKind, Source

EPOCHS = 6
HELD_OUT_SHARE = 0.2
DECISION = 0.5  # a code is suggested for a sentence when its score reaches this
MIN_COVER = 0.5  # share of a sentence a coding must cover to label it
MAX_SEED = 2**31 - 1  # what the database's seed column holds

Progress = Callable[[int, int, str], None]


def model_config(seed: int) -> dict:
    """The textcat's architecture: small, so that training is quick on two CPU cores."""
    return {
        "threshold": DECISION,
        "model": {
            "@architectures": "spacy.TextCatEnsemble.v2",
            "tok2vec": {
                "@architectures": "spacy.Tok2Vec.v2",
                "embed": {
                    "@architectures": "spacy.MultiHashEmbed.v2",
                    "width": 64,
                    "attrs": ["NORM", "PREFIX", "SUFFIX", "SHAPE"],
                    "rows": [2000, 1000, 1000, 1000],
                    "include_static_vectors": False,
                },
                "encode": {
                    "@architectures": "spacy.MaxoutWindowEncoder.v2",
                    "width": 64,
                    "window_size": 1,
                    "maxout_pieces": 3,
                    "depth": 2,
                },
            },
            "linear_model": {
                "@architectures": "spacy.TextCatBOW.v3",
                "exclusive_classes": False,
                "ngram_size": 2,
                "no_output_layer": False,
                "length": 2**16,
            },
        },
    }


# Examples -----------------------------------------------------------------------------


@dataclass
class Unit:
    source_id: int
    start: int
    end: int
    text: str
    labels: frozenset[int] = frozenset()


@dataclass
class Corpus:
    """The sentences of the coded sources with their codes, and who coded them."""

    units: dict[int, list[Unit]] = field(default_factory=dict)  # by source
    coders: set[int] = field(default_factory=set)
    language: str = "en"

    @property
    def source_ids(self) -> list[int]:
        return sorted(self.units)


def sentence_labels(
    sentences: list[tuple[int, int]], codings: list[tuple[int, int, int]]
) -> list[frozenset[int]]:
    """The codes of each sentence: those whose codings cover at least MIN_COVER of it."""
    labels = []
    for start, end in sentences:
        covered: dict[int, int] = defaultdict(int)
        for code_id, s, e in codings:
            if s < end and e > start:
                covered[code_id] += min(e, end) - max(s, start)
        labels.append(frozenset(c for c, n in covered.items() if n >= MIN_COVER * (end - start)))
    return labels


def training_corpus(project: Project, label_source: str) -> Corpus:
    """The project's coded sentences, labelled by the consensus coder's codings where a
    source has them (unless every coder's are asked for), else by every coder's."""
    codable = set(
        Code.objects.filter(project=project, is_codable=True).values_list("pk", flat=True)
    )
    sources = Source.objects.filter(project=project).exclude(pk__in=Source.objects.withdrawn())
    rows = Coding.objects.filter(source__in=sources, code_id__in=codable).values_list(
        "source_id", "code_id", "coder_id", "start", "end"
    )
    by_source: dict[int, list[tuple[int, int, int, int]]] = defaultdict(list)
    for source_id, code_id, coder_id, start, end in rows:
        by_source[source_id].append((code_id, coder_id, start, end))
    consensus = consensus_user_id() if label_source == LabelSource.CONSENSUS else None
    corpus = Corpus()
    languages: Counter[str] = Counter()
    texts = dict(Source.objects.filter(pk__in=list(by_source)).values_list("pk", "text"))
    language_of = dict(Source.objects.filter(pk__in=list(by_source)).values_list("pk", "language"))
    sentences: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for source_id, start, end in (
        Segment.objects.filter(source_id__in=list(by_source), kind=SegmentKind.SENTENCE)
        .order_by("source_id", "start")
        .values_list("source_id", "start", "end")
    ):
        sentences[source_id].append((start, end))
    for source_id, found in by_source.items():
        if consensus is not None and any(coder == consensus for _, coder, _, _ in found):
            found = [row for row in found if row[1] == consensus]
        corpus.coders.update(coder for _, coder, _, _ in found)
        spans = sentences[source_id]
        labels = sentence_labels(spans, [(code, s, e) for code, _, s, e in found])
        text = texts[source_id]
        corpus.units[source_id] = [
            Unit(source_id, s, e, text[s:e], label)
            for (s, e), label in zip(spans, labels, strict=True)
        ]
        languages[language_of[source_id]] += len(text)
    if languages:
        corpus.language = languages.most_common(1)[0][0]
    return corpus


def split_sources(source_ids: list[int], seed: int) -> tuple[list[int], list[int]]:
    """(training, held-out) sources: a seeded shuffle, a fifth (at least one) held out."""
    ids = sorted(source_ids)
    if len(ids) < 2:
        raise ValidationError(
            "Training needs at least two coded sources: one to learn from, one to test on."
        )
    random.Random(seed).shuffle(ids)
    held = max(1, round(len(ids) * HELD_OUT_SHARE))
    return sorted(ids[held:]), sorted(ids[:held])


# Training -----------------------------------------------------------------------------


@dataclass
class Trained:
    nlp: object
    labels: list[int]
    metrics: dict[str, dict]
    summary: dict
    seconds: float


def _blank(language: str):
    import spacy

    try:
        return spacy.blank(language)
    except ImportError:
        return spacy.blank("xx")


def evaluate(
    gold: list[frozenset[int]], scores: list[dict[int, float]], labels: list[int]
) -> dict[int, dict]:
    """Precision, recall and F1 per code at the DECISION threshold (None where undefined)."""
    figures = {}
    for label in labels:
        tp = fp = fn = 0
        for truth, score in zip(gold, scores, strict=True):
            predicted = score.get(label, 0.0) >= DECISION
            actual = label in truth
            tp += predicted and actual
            fp += predicted and not actual
            fn += actual and not predicted
        precision = tp / (tp + fp) if tp + fp else None
        recall = tp / (tp + fn) if tp + fn else None
        f1 = (
            2 * precision * recall / (precision + recall)
            if precision and recall
            else (0.0 if (tp + fp + fn) else None)
        )
        figures[label] = {
            "precision": precision,
            "recall": recall,
            "f1": f1,
            "held_out": tp + fn,
            "true_positives": tp,
            "false_positives": fp,
        }
    return figures


def train(
    corpus: Corpus, *, seed: int, epochs: int = EPOCHS, progress: Progress | None = None
) -> Trained:
    """Train on the training sources and measure on the held-out ones."""
    from spacy.training import Example
    from spacy.util import fix_random_seed, minibatch

    began = time.perf_counter()
    training_ids, held_ids = split_sources(corpus.source_ids, seed)
    training = [u for pk in training_ids for u in corpus.units[pk]]
    held = [u for pk in held_ids for u in corpus.units[pk]]
    counts: Counter[int] = Counter(label for u in training for label in u.labels)
    labels = sorted(counts)
    if not labels:
        raise ValidationError("The training sources have no coded sentences to learn from.")
    fix_random_seed(seed)
    nlp = _blank(corpus.language)
    textcat = nlp.add_pipe("textcat_multilabel", config=model_config(seed))
    for label in labels:
        textcat.add_label(str(label))
    examples = [
        Example.from_dict(
            nlp.make_doc(u.text), {"cats": {str(c): float(c in u.labels) for c in labels}}
        )
        for u in training
    ]
    optimizer = nlp.initialize(lambda: examples[:500])
    rng = random.Random(seed)
    total = epochs + 1
    for epoch in range(epochs):
        if progress is not None:
            progress(epoch, total, f"Training: pass {epoch + 1} of {epochs}")
        rng.shuffle(examples)
        for batch in minibatch(examples, size=32):
            nlp.update(batch, sgd=optimizer, drop=0.1)
    if progress is not None:
        progress(epochs, total, "Measuring on the held-out sources")
    scores = [
        {int(k): v for k, v in doc.cats.items()}
        for doc in nlp.pipe((u.text for u in held), batch_size=256)
    ]
    figures = evaluate([u.labels for u in held], scores, labels)
    metrics = {str(label): {**figures[label], "examples": counts[label]} for label in labels}
    seconds = time.perf_counter() - began
    summary = {
        "seed": seed,
        "epochs": epochs,
        "language": corpus.language,
        "training_sources": training_ids,
        "held_out_sources": held_ids,
        "training_sentences": len(training),
        "held_out_sentences": len(held),
        "config": nlp.config.to_str(),
    }
    return Trained(nlp=nlp, labels=labels, metrics=metrics, summary=summary, seconds=seconds)


def load(model: SuggestionModel):
    """A stored classifier, ready to score texts."""
    from spacy.util import load_model_from_config
    from thinc.api import Config

    config = Config().from_str(model.summary["config"])
    nlp = load_model_from_config(config, auto_fill=True, validate=False)
    return nlp.from_bytes(bytes(model.data))


# Suggesting ---------------------------------------------------------------------------


def suggest(
    model: SuggestionModel,
    nlp,
    *,
    source_ids: list[int] | None = None,
    progress: Progress | None = None,
) -> int:
    """Store the classifier's suggestions for the sentences of the project's sources
    (or of `source_ids`); sentences already labelled with a code are not proposed for it,
    and a span and code rejected before stays rejected. Returns how many are new."""
    project = model.project
    sources = Source.objects.filter(project=project).exclude(pk__in=Source.objects.withdrawn())
    if source_ids is not None:
        sources = sources.filter(pk__in=source_ids)
    ids = list(sources.order_by("pk").values_list("pk", flat=True))
    labelled = training_corpus(project, model.label_source)
    known = {
        (u.source_id, u.start, u.end, code)
        for units in labelled.units.values()
        for u in units
        for code in u.labels
    }
    labels = {int(k) for k in model.metrics}
    created = 0
    for index, pk in enumerate(ids):
        if progress is not None:
            progress(index, len(ids), "Suggesting")
        text = Source.objects.filter(pk=pk).values_list("text", flat=True).get()
        spans = list(
            Segment.objects.filter(source_id=pk, kind=SegmentKind.SENTENCE)
            .order_by("start")
            .values_list("start", "end")
        )
        rows = []
        for (start, end), doc in zip(
            spans, nlp.pipe((text[s:e] for s, e in spans), batch_size=256), strict=True
        ):
            for label, score in doc.cats.items():
                code = int(label)
                if score < DECISION or code not in labels or (pk, start, end, code) in known:
                    continue
                rows.append(
                    Suggestion(
                        project=project,
                        source_id=pk,
                        code_id=code,
                        start=start,
                        end=end,
                        origin=SuggestionOrigin.MODEL,
                        model=model,
                        origin_label=model.origin_label,
                        score=round(float(score), 4),
                    )
                )
        before = Suggestion.objects.filter(source_id=pk).count()
        Suggestion.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
        created += Suggestion.objects.filter(source_id=pk).count() - before
    return created


def model_start(
    *, project: Project, user, label_source: str, min_f1: float, min_examples: int, seed: int
) -> SuggestionModel:
    """A new version of the project's classifier, to be trained by `model_train`."""
    if label_source not in LabelSource.values:
        raise ValidationError(f"Unknown choice of codings: {label_source}.")
    if not 0 <= min_f1 <= 1:
        raise ValidationError("The F1 threshold lies between 0 and 1.")
    if min_examples < 1:
        raise ValidationError("A code needs at least one training example to be suggested.")
    if not 0 <= seed <= MAX_SEED:
        raise ValidationError(f"The seed is a whole number from 0 to {MAX_SEED}.")
    with transaction.atomic():
        last = (
            SuggestionModel.objects.select_for_update()
            .filter(project=project)
            .order_by("-version")
            .first()
        )
        return SuggestionModel.objects.create(
            project=project,
            version=(last.version + 1) if last else 1,
            label_source=label_source,
            min_f1=min_f1,
            min_examples=min_examples,
            seed=seed,
            created_by=user,
        )


def model_train(
    model: SuggestionModel, *, epochs: int = EPOCHS, progress: Progress | None = None
) -> SuggestionModel:
    """Train, measure and store a classifier, then replace the previous version's pending
    suggestions with its own."""
    try:
        corpus = training_corpus(model.project, model.label_source)
        trained = train(corpus, seed=model.seed, epochs=epochs, progress=progress)
        # A source erased, or of someone who withdrew consent, while it trained: what it
        # learned from it is not kept.
        read = Source.objects.filter(pk__in=corpus.source_ids)
        if read.count() < len(corpus.source_ids):
            raise ValidationError(FORGOTTEN + " Train it again.")
        if read.withdrawn().exists():
            raise ValidationError(FORGOTTEN_WITHDRAWN + " Train it again.")
    except ValidationError as error:
        model.status = ModelStatus.FAILED
        model.error = " ".join(error.messages)
        model.save(update_fields=["status", "error"])
        return model
    model.metrics = trained.metrics
    model.summary = trained.summary
    model.trained_on = sorted(corpus.coders)
    model.data = trained.nlp.to_bytes()
    model.seconds = round(trained.seconds, 2)
    model.status = ModelStatus.READY
    model.save()
    Suggestion.objects.filter(
        project=model.project, origin=SuggestionOrigin.MODEL, status=SuggestionStatus.PENDING
    ).exclude(model=model).delete()
    began = time.perf_counter()
    created = suggest(model, trained.nlp, progress=progress)
    model.summary = {
        **model.summary,
        "suggested": created,
        "suggest_seconds": round(time.perf_counter() - began, 2),
    }
    model.save(update_fields=["summary"])
    return model


FORGOTTEN = (
    "Its learned words were deleted: it had read the words of an interviewee who was erased."
)
FORGOTTEN_WITHDRAWN = (
    "Its learned words were deleted: it had read the words of an interviewee who withdrew consent."
)


def models_that_read(project: Project, source_ids: Collection[int]) -> list[SuggestionModel]:
    """The project's stored classifiers that read these sources' words, to train or to
    measure."""
    erased = set(source_ids)
    return [
        model
        for model in SuggestionModel.objects.filter(project=project, data__isnull=False)
        if erased
        & {*model.summary.get("training_sources", []), *model.summary.get("held_out_sources", [])}
    ]


def models_forget(
    *, project: Project, source_ids: Collection[int], user, reason: str = FORGOTTEN
) -> list[int]:
    """Forget at once what the project's classifiers learned from these sources' words
    (about to be erased, or of an interviewee who withdrew consent): each version that read
    them loses its stored weights and vocabulary and its pending suggestions, and says why
    (`reason`). When the version whose suggestions are shown was one of them, a new version
    with its settings is queued, once the change is committed, to learn without them.
    Returns the versions that forgot."""
    current = SuggestionModel.objects.current(project)
    forgot = []
    for model in models_that_read(project, source_ids):
        model.data, model.status, model.error = None, ModelStatus.FAILED, reason
        model.save(update_fields=["data", "status", "error"])
        Suggestion.objects.filter(model=model, status=SuggestionStatus.PENDING).delete()
        forgot.append(model.version)
    if current is not None and current.version in forgot:
        # Once the change is committed: before it, the sources would still be there to read.
        _retrain_on_commit(current, user)
    return forgot


def _retrain_on_commit(model: SuggestionModel, user) -> None:
    """Queue, once the transaction is committed, a new version with the model's settings."""
    transaction.on_commit(
        lambda: model_train_job(
            project=model.project,
            user=user,
            label_source=model.label_source,
            min_f1=model.min_f1,
            min_examples=model.min_examples,
            seed=model.seed,
        )
    )


def consent_followed(sender, *, interviewee, withdrawn: bool, **kwargs) -> None:
    """Coding help follows an interviewee's consent (connected to
    `interviews.models.consent_changed`). Withdrawn: every classifier version that read the
    sources they speak in forgets them, as at erasure (`models_forget`), and the version in
    use is trained again without them. Given again: when the version in use did not read
    those sources and one of them is coded, it is trained again to learn from them too."""
    project = interviewee.project
    source_ids = list(
        Source.objects.filter(project=project).spoken_by(interviewee).values_list("pk", flat=True)
    )
    if not source_ids:
        return
    if withdrawn:
        models_forget(project=project, source_ids=source_ids, user=None, reason=FORGOTTEN_WITHDRAWN)
        return
    current = SuggestionModel.objects.current(project)
    if current is None or current.pk in {m.pk for m in models_that_read(project, source_ids)}:
        return
    if Coding.objects.filter(source_id__in=source_ids).exists():
        _retrain_on_commit(current, None)


def model_train_job(*, project: Project, user, **settings) -> Job:
    """Queue a training run in the background worker; its job shows the progress."""
    from coding.tasks import train_suggestions

    model = model_start(project=project, user=user, **settings)
    job = Job.objects.create(
        project=project,
        user=user,
        kind="train_suggestions",
        title=f"Training suggestions ({model.origin_label})",
    )
    SuggestionModel.objects.filter(pk=model.pk).update(job=job)
    result = train_suggestions.enqueue(job.pk, model.pk)
    Job.objects.filter(pk=job.pk).update(task_id=str(result.id)[:64])
    return job


def model_suggest_new(model: SuggestionModel, *, progress: Progress | None = None) -> int:
    """Suggest with a stored classifier for the sources added since it was trained."""
    new = list(
        Source.objects.filter(project=model.project, created_at__gt=model.created_at).values_list(
            "pk", flat=True
        )
    )
    if not new:
        return 0
    return suggest(model, load(model), source_ids=new, progress=progress)


def model_suggest_new_job(*, model: SuggestionModel, user) -> Job:
    """Queue `model_suggest_new` in the background worker; its job shows the progress."""
    from coding.tasks import suggest_new_sources

    job = Job.objects.create(
        project=model.project,
        user=user,
        kind="train_suggestions",
        title=f"Suggestions for new sources ({model.origin_label})",
    )
    result = suggest_new_sources.enqueue(job.pk, model.pk)
    Job.objects.filter(pk=job.pk).update(task_id=str(result.id)[:64])
    return job
