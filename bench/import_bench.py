"""Import benchmark: N transcripts of W words through both phases, against raw spaCy.

    python bench/import_bench.py                 # 200 transcripts of 5,000 words
    python bench/import_bench.py --count 20      # a shorter run

Prints, from one run:
- phase one (codable: read the .txt bytes, store text, turns, paragraphs, sentences):
  total seconds and ms per transcript, and ms per 8,000-word transcript;
- phase two (named entities through the trained pipeline with nlp.pipe, stored per source);
- end-to-end words/second (phase one + phase two);
- raw nlp.pipe words/second on the same texts, same pipeline and process count (phase two
  and raw spaCy alternate on chunks of 20 texts, so that both meet the same machine load);
- peak memory (resident set) of the process and its children.

It uses a throwaway SQLite database in a temporary folder unless DATABASE_URL is set (then
it needs a database it may fill: use a scratch one).
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def make_transcripts(count: int, words: int, seed: int = 7) -> list[str]:
    """Distinct English interview transcripts of about `words` words each, with turns."""
    corpus = ROOT / "demo" / "data"
    sentences: list[str] = []
    for path in sorted(corpus.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            body = line.split(":", 1)[-1].strip()
            sentences.extend(s.strip() + "." for s in body.split(".") if len(s.split()) > 3)
    if not sentences:
        sentences = [
            "The partners in Minsk and Harbin signed a memorandum on film co-production in 2019.",
            "Financing was always short, but Olga Sokolova trusted the Belarusian Film Studio.",
            "Audiences in China loved the film, and the ministry promised more support.",
        ]
    rng = random.Random(seed)
    texts = []
    for number in range(count):
        turns = []
        total = 0
        speaker = 0
        while total < words:
            chosen = " ".join(rng.choice(sentences) for _ in range(rng.randint(2, 6)))
            label = "Interviewer" if speaker % 2 == 0 else "Respondent"
            turns.append(f"{label}: {chosen}")
            total += len(chosen.split()) + 1
            speaker += 1
        texts.append(f"Interview {number + 1}\n\n" + "\n\n".join(turns))
    return texts


def peak_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return (own + children) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--words", type=int, default=5000)
    parser.add_argument("--long", type=int, default=10, help="8,000-word transcripts timed alone")
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument(
        "--chunk", type=int, default=20, help="sources per alternating phase-two / raw round"
    )
    args = parser.parse_args()

    scratch = tempfile.mkdtemp(prefix="parley-bench-")
    os.environ.setdefault("DEBUG", "1")
    os.environ["PARLEY_DATA_DIR"] = scratch
    os.environ["MEDIA_ROOT"] = scratch + "/media"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.contrib.auth import get_user_model

    from interviews import nlp
    from interviews.importers import read_file
    from interviews.ingest.language import sources_language_process
    from interviews.ingest.sources import source_import
    from interviews.models import NamedEntity, Segment, SegmentKind, count_words
    from interviews.services import project_create

    user = get_user_model().objects.create_user("bench")
    project = project_create(user=user, name=f"Bench {time.time()}")
    texts = make_transcripts(args.count, args.words)
    long_texts = make_transcripts(args.long, 8000, seed=11)
    total_words = sum(count_words(t) for t in texts)
    print(
        f"{len(texts)} transcripts, {total_words:,} words; database {project._state.db}: "
        f"{django.db.connection.vendor}; processes {args.processes}"
    )

    # Warm up the sentences' tokenizer rules and the trained pipeline outside the timings (a
    # worker loads them once per process).
    nlp.sentence_starts("Warm. Up.", "en")
    pipeline = nlp.full_pipeline("en")
    print(f"trained pipeline: {pipeline.name} {pipeline.nlp.pipe_names}")

    def import_one(index: int, text: str):
        imported = read_file(f"bench-{index}.txt", text.encode("utf-8"))
        return source_import(project=project, imported=imported, user=user, language="en")

    started = time.perf_counter()
    per_source = []
    ids = []
    for index, text in enumerate(texts):
        t0 = time.perf_counter()
        ids.append(import_one(index, text).pk)
        per_source.append(time.perf_counter() - t0)
    codable = time.perf_counter() - started
    long_times = []
    for index, text in enumerate(long_texts):
        t0 = time.perf_counter()
        import_one(100_000 + index, text)
        long_times.append(time.perf_counter() - t0)
    sentences = Segment.objects.filter(source_id__in=ids, kind=SegmentKind.SENTENCE).count()
    print(
        f"phase one (codable): {codable:.2f} s for all; "
        f"{1000 * statistics.mean(per_source):.1f} ms per {args.words:,}-word transcript "
        f"(p95 {1000 * sorted(per_source)[int(0.95 * (len(per_source) - 1))]:.1f} ms); "
        f"{sentences:,} sentences"
    )
    print(
        f"8,000-word transcript codable in {1000 * statistics.mean(long_times):.1f} ms mean, "
        f"{1000 * statistics.median(long_times):.1f} ms median, "
        f"{1000 * max(long_times):.1f} ms max ({len(long_times)} timed alone: "
        f"{', '.join(f'{1000 * t:.0f}' for t in long_times)})"
    )

    # Phase two and raw spaCy run on the same chunks of texts, alternating which goes first,
    # so that both see the same load on a shared machine.
    phase_two = raw = 0.0
    entities_found = raw_entities = 0
    chunk = max(1, args.chunk)
    for number, first in enumerate(range(0, len(ids), chunk)):
        chunk_ids = ids[first : first + chunk]
        chunk_texts = texts[first : first + chunk]

        def ours(chunk_ids=chunk_ids) -> float:
            t0 = time.perf_counter()
            sources_language_process(
                chunk_ids, batch_size=args.batch_size, n_process=args.processes
            )
            return time.perf_counter() - t0

        def spacy_raw(chunk_texts=chunk_texts) -> tuple[float, int]:
            t0 = time.perf_counter()
            found = sum(
                len(doc.ents)
                for doc in pipeline.nlp.pipe(
                    chunk_texts, batch_size=args.batch_size, n_process=args.processes
                )
            )
            return time.perf_counter() - t0, found

        if number % 2 == 0:
            phase_two += ours()
            seconds, found = spacy_raw()
        else:
            seconds, found = spacy_raw()
            phase_two += ours()
        raw += seconds
        raw_entities += found
    entities_found = NamedEntity.objects.filter(source_id__in=ids).count()
    print(
        f"phase two (entities): {phase_two:.2f} s, {len(ids)} sources, "
        f"{entities_found:,} entities, {total_words / phase_two:,.0f} words/s"
    )
    end_to_end = total_words / (codable + phase_two)
    print(f"end-to-end (both phases): {codable + phase_two:.2f} s, {end_to_end:,.0f} words/s")
    raw_wps = total_words / raw
    print(f"raw nlp.pipe: {raw:.2f} s, {raw_entities:,} entities, {raw_wps:,.0f} words/s")
    print(
        f"end-to-end / raw: {100 * end_to_end / raw_wps:.0f} %; "
        f"phase two / raw: {100 * (total_words / phase_two) / raw_wps:.0f} %"
    )
    print(f"peak memory: {peak_mb():,.0f} MB")


if __name__ == "__main__":
    main()
