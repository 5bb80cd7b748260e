"""De-identification benchmark: recall and precision of person names and organisations on a
labelled fictional corpus (English, Russian, Chinese), and the time to detect on many sources.

    python bench/deid_bench.py                        # quality, then 500 sources × 5,000 words
    python bench/deid_bench.py --count 50             # a shorter timing run
    python bench/deid_bench.py --count 0              # quality only

Quality: each transcript of `bench/deid_corpus.py` goes through the same detection as a
project's (`interviews.deid.detect.detect`) in three set-ups — Presidio alone (the trained
English pipeline's entities and Presidio's patterns; Russian and Chinese have blank
pipelines, so only the patterns, among them first name + surname in Cyrillic), the
interviewee records alone (the roster deny-list), and both. A gold name counts as found when
detected spans cover every one of its non-space characters (so it would be replaced);
precision counts detected spans that overlap a gold span of any kind. Person figures are also
given for spans labelled PERSON only.

Timing: a project of N sources of W words (English: sentences of the demo study in speaker
turns, the respondent speaking as a roster interviewee), detection run as the background job
runs it (`project_detect`). First with the named entities already stored, as the import's
background language processing leaves them (the usual case): by default each distinct
sentence goes through the trained pipeline once and a source gets its sentences' entities
(`--entities pipeline` runs the import's own step over every source instead, which takes as
long as `bench/import_bench.py`'s phase two); then, on 1/`--full-share` of the sources, with
the full pipeline run again. SQLite in a temporary folder unless DATABASE_URL is set (then it
needs a scratch database).
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def covered(start: int, end: int, text: str, spans: list) -> bool:
    need = {i for i in range(start, end) if not text[i].isspace()}
    for span in spans:
        need -= set(range(span.start, span.end))
    return not need


def evaluate(terms_for, languages=("en", "ru", "zh")) -> dict:
    from deid_corpus import CORPUS, labelled

    from interviews.deid.detect import detect

    figures: dict = {}
    for language in languages:
        person = [0, 0]  # found, total
        person_strict = [0, 0]
        org = [0, 0]
        spans_total = spans_right = 0
        person_spans = person_right = 0
        for marked in CORPUS[language]:
            text, gold = labelled(marked)
            terms, use_model = terms_for(language)
            found = detect(text, language, terms=terms) if use_model else _terms_only(text, terms)
            for start, end, label in gold:
                target = person if label == "PERSON" else org
                target[1] += 1
                target[0] += covered(start, end, text, found)
                if label == "PERSON":
                    person_strict[1] += 1
                    person_strict[0] += covered(
                        start, end, text, [f for f in found if f.kind == "PERSON"]
                    )
            for item in found:
                right = any(item.start < e and s < item.end for s, e, _ in gold)
                spans_total += 1
                spans_right += right
                if item.kind == "PERSON":
                    person_spans += 1
                    person_right += any(
                        item.start < e and s < item.end for s, e, lab in gold if lab == "PERSON"
                    )
        figures[language] = {
            "person": person,
            "person_strict": person_strict,
            "org": org,
            "precision": (spans_right, spans_total),
            "person_precision": (person_right, person_spans),
        }
    return figures


def _terms_only(text: str, terms) -> list:
    from interviews.deid.detect import _non_overlapping, _term_finds

    return _non_overlapping(_term_finds(text, list(terms)))


def roster_terms():
    from deid_corpus import ROSTER

    from interviews.deid.detect import roster_terms as build

    class Person:
        def __init__(self, pk, record):
            self.pk = pk
            self.pseudonym = record["pseudonym"]
            self.real_name = record["real_name"]
            self.organisation = record.get("organisation", "")
            self.contact = record.get("contact", "")

    people = [Person(i + 1, r) for i, r in enumerate(ROSTER)]
    return build(people, {})


def pct(pair) -> str:
    found, total = pair
    return f"{100 * found / total:5.1f} % ({found}/{total})" if total else "—"


def quality() -> None:
    terms = roster_terms()
    setups = {
        "Presidio only": lambda lang: ([], True),
        "roster only": lambda lang: (terms, False),
        "Presidio + roster": lambda lang: (terms, True),
    }
    print("Quality on the labelled corpus (bench/deid_corpus.py)")
    header = (
        f"{'set-up':<24} {'lang':<5} {'person recall':>20} {'(as PERSON)':>20} "
        f"{'org recall':>18} {'precision':>20} {'PERSON precision':>20}"
    )
    print(header)
    for name, terms_for in setups.items():
        figures = evaluate(terms_for)
        totals = {k: [0, 0] for k in ("person", "person_strict", "org", "precision", "pp")}
        for language, f in figures.items():
            print(
                f"{name:<24} {language:<5} {pct(f['person']):>20} {pct(f['person_strict']):>20} "
                f"{pct(f['org']):>18} {pct(f['precision']):>20} {pct(f['person_precision']):>20}"
            )
            for key, source in (
                ("person", "person"),
                ("person_strict", "person_strict"),
                ("org", "org"),
                ("precision", "precision"),
                ("pp", "person_precision"),
            ):
                totals[key][0] += f[source][0]
                totals[key][1] += f[source][1]
        print(
            f"{name:<24} {'all':<5} {pct(totals['person']):>20} "
            f"{pct(totals['person_strict']):>20} {pct(totals['org']):>18} "
            f"{pct(totals['precision']):>20} {pct(totals['pp']):>20}"
        )


def sentence_pool() -> list[str]:
    """The sentences of the demo study's transcripts (as the import benchmark uses them)."""
    sentences: list[str] = []
    for path in sorted((ROOT / "demo" / "data").glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            body = line.split(":", 1)[-1].strip()
            sentences.extend(s.strip() + "." for s in body.split(".") if len(s.split()) > 3)
    return list(dict.fromkeys(sentences))


def make_sources(count: int, words: int, pool: list[str], seed: int = 7):
    """Transcripts of about `words` words (the respondent speaks as a roster interviewee),
    each with where its sentences stand: [(offset, sentence index), …]."""
    rng = random.Random(seed)
    made = []
    for number in range(count):
        text = f"Interview {number + 1}"
        placed, total, speaker = [], 0, 0
        while total < words:
            label = "Interviewer" if speaker % 2 == 0 else "Hanna Karpovich"
            text += f"\n\n{label}:"
            for _ in range(rng.randint(2, 6)):
                index = rng.randrange(len(pool))
                text += " "
                placed.append((len(text), index))
                text += pool[index]
                total += len(pool[index].split())
            speaker += 1
        made.append((text, placed))
    return made


def timing(count: int, words: int, full_share: int, entities: str) -> None:
    from deid_corpus import ROSTER

    from interviews import nlp
    from interviews.deid import detect, services
    from interviews.deid.models import IdentifyingSpan
    from interviews.ingest.language import sources_language_process
    from interviews.models import Interviewee, NamedEntity, NlpStatus, Project, Source

    project = Project.objects.create(name=f"deid bench {time.time():.0f}")
    for record in ROSTER:
        Interviewee.objects.create(project=project, **record)
    pool = sentence_pool()
    made = make_sources(count, words, pool)
    texts = [text for text, _ in made]
    total_words = sum(len(t.split()) for t in texts)
    started = time.perf_counter()
    Source.objects.bulk_create(
        [Source(project=project, title=f"S{i:04d}", text=t) for i, t in enumerate(texts)],
        batch_size=50,
    )
    ids = list(project.sources.order_by("pk").values_list("pk", flat=True))
    print(
        f"\n{count} sources, {total_words:,} words stored in {time.perf_counter() - started:.1f} s"
    )
    nlp.full_pipeline("en")
    started = time.perf_counter()
    if entities == "pipeline":
        sources_language_process(ids)
        print(
            f"named entities, the import's background step: {time.perf_counter() - started:.1f} s"
        )
    else:
        # Each distinct sentence through the trained pipeline once; a source's entities are
        # its sentences' (the import's background step itself is timed by import_bench).
        found = list(nlp.entities_pipe(pool, "en"))
        rows = []
        for pk, (_text, placed) in zip(ids, made, strict=True):
            for offset, index in placed:
                rows.extend(
                    NamedEntity(source_id=pk, start=offset + e.start, end=offset + e.end,
                                label=e.label, text=e.text[:300])
                    for e in found[index]
                )  # fmt: skip
        NamedEntity.objects.bulk_create(rows, batch_size=2000)
        Source.objects.filter(pk__in=ids).update(nlp_status=NlpStatus.DONE)
        print(
            f"named entities of the {len(pool)} distinct sentences, stored per source: "
            f"{len(rows):,} in {time.perf_counter() - started:.1f} s"
        )
    detect.analyzer()
    started = time.perf_counter()
    counts = services.project_detect(project=project)
    stored = time.perf_counter() - started
    print(
        f"detection with stored named entities: {stored:.1f} s for {counts['sources']} sources "
        f"({counts['spans']:,} spans; {1000 * stored / count:.0f} ms a source, "
        f"{total_words / stored:,.0f} words/s)"
    )
    sample = ids[: max(1, count // full_share)]
    project.sources.filter(pk__in=sample).update(nlp_status=NlpStatus.PENDING)
    sample_words = sum(len(t.split()) for t in texts[: len(sample)])
    started = time.perf_counter()
    services.project_detect(project=project, source_ids=sample)
    full = time.perf_counter() - started
    print(
        f"detection running the full pipeline again: {full:.1f} s for {len(sample)} sources "
        f"({1000 * full / len(sample):.0f} ms a source, {sample_words / full:,.0f} words/s)"
    )
    spans = IdentifyingSpan.objects.filter(source__project=project).count()
    print(f"spans stored: {spans:,}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--words", type=int, default=5000)
    parser.add_argument(
        "--entities",
        choices=["sentences", "pipeline"],
        default="sentences",
        help="how the named entities are stored first: per distinct sentence, or by the "
        "import's background step over every source (slow)",
    )
    parser.add_argument(
        "--full-share",
        type=int,
        default=10,
        help="1/N of the sources also timed without stored entities",
    )
    args = parser.parse_args()
    scratch = tempfile.mkdtemp(prefix="parley-deid-bench-")
    os.environ.setdefault("DEBUG", "1")
    os.environ["PARLEY_DATA_DIR"] = scratch
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    print(f"load average {os.getloadavg()[0]:.1f}; database {django.db.connection.vendor}")
    quality()
    if args.count:
        timing(args.count, args.words, args.full_share, args.entities)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory {peak:.0f} MB; load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
