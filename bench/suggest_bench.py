"""Coding help: the learned suggestions on the demo study and on a planted study, and a rule
run over a large corpus.

    python bench/suggest_bench.py [--seed 0] [--planted 200] [--rule-sources 500]
                                  [--rule-words 5000] [--skip demo,planted,rule]

1. Demo study: train the classifier on every coder's codings (seed given), report training
   time, suggestion time per source and precision / recall / F1 per code on the held-out
   sources.
2. Planted study: `--planted` sources of filler sentences in which known phrasings of six
   codes are planted (with varied words and inflections) and coded, a tenth of them missed
   by the coder; the same figures.
3. Rule run: `--rule-sources` sources of `--rule-words` words each (speaker turns and
   sentences stored as an import stores them); a keyword rule (English lemmas, sentence
   scope) and a regular-expression rule are run over all of them, storing suggestions.
   Target: under 60 s each.

Runs on a fresh SQLite database in a temporary directory (or on DATABASE_URL when set; the
script then creates and drops its own test database through Django's test runner tools).
"""

from __future__ import annotations

import argparse
import io
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
os.environ.setdefault("PARLEY_DATA_DIR", tempfile.mkdtemp(prefix="parley-suggest-bench-"))

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

FILLER_TEXT = (
    "we talked about the studio and the people who work there every day "
    "the city has changed a lot since the old times and many things are different "
    "my colleagues often travel to meetings and come back with new ideas "
    "there was a production meeting on monday and the director spoke for an hour "
    "the audience in the regions is small but loyal and it likes local stories "
    "sometimes the weather decides whether the shooting can go ahead "
    "the archive keeps old reels and letters from the first years of the studio "
    "young people watch films on their phones more than in cinemas now"
)
FILLER = FILLER_TEXT.split()

# Per code: phrasings with slots; every slot word is one of its alternatives.
PLANTED = {
    "State funding": [
        "the {state|government|ministry} film fund {pays|paid|covers|covered} {half|part|most} of the budget",
        "without {subsidies|a subsidy|grants} from the {ministry|state} we could not {shoot|finish|start} anything",
    ],
    "Co-production": [
        "our {co-production|co-productions} with {Chinese|Russian|Polish} partners {grew|grows|expanded}",
        "we {co-produced|co-produce|are co-producing} {a drama|two films|a series} with {a studio|partners} abroad",
    ],
    "Festivals": [
        "at the {festival|festivals} in {Shanghai|Cannes|Berlin} {buyers|distributors} {noticed|saw|liked} our film",
        "a {prize|award} at a {festival|film festival} {opens|opened} doors {abroad|for us}",
    ],
    "Language barrier": [
        "the {subtitles|translation|dubbing} {costs|cost|took} {too much|months|a fortune}",
        "nobody {speaks|spoke|understands} {Chinese|Belarusian|the language} in our {team|office}",
    ],
    "Censorship": [
        "the {script|screenplay|story} had to pass {approval|the censors|a commission} {first|again|twice}",
        "some {scenes|topics|words} were {cut|removed|banned} by the {committee|censors|ministry}",
    ],
    "Digital platforms": [
        "{streaming|online} {platforms|services} like {iQiyi|Netflix|Okko} {bought|buy|license} our {films|series}",
        "the {app|platform|website} {brings|brought|reaches} {young viewers|a new audience|millions}",
    ],
}


def fill(template: str, rng: random.Random) -> str:
    out = []
    for part in template.split("{"):
        if "}" in part:
            choice, rest = part.split("}", 1)
            out.append(rng.choice(choice.split("|")) + rest)
        else:
            out.append(part)
    return "".join(out)


def filler_sentence(rng: random.Random, words: int) -> str:
    start = rng.randrange(0, len(FILLER) - words)
    return " ".join(FILLER[start : start + words]).capitalize() + "."


def print_figures(model, names: dict[int, str]) -> None:
    def show(value) -> str:
        return "   –" if value is None else f"{value:4.2f}"

    print(f"    {'code':<42} {'train':>5} {'held':>5}  prec  rec   F1   suggested")
    for code_id, f in sorted(model.metrics.items(), key=lambda kv: names.get(int(kv[0]), "")):
        print(
            f"    {names.get(int(code_id), code_id)[:42]:<42} {f['examples']:>5} {f['held_out']:>5}"
            f"  {show(f['precision'])} {show(f['recall'])} {show(f['f1'])}  "
            f"{'yes' if model.code_passes(int(code_id)) else 'no'}"
        )


def train_and_report(project, user, seed: int, label_source: str, min_examples: int) -> None:
    from coding.models import Code
    from coding.suggestion_models import ModelStatus, Suggestion
    from coding.suggestions import model_start, model_train

    model = model_start(
        project=project,
        user=user,
        label_source=label_source,
        min_f1=0.5,
        min_examples=min_examples,
        seed=seed,
    )
    cpu = time.process_time()
    model = model_train(model)
    cpu = time.process_time() - cpu
    if model.status != ModelStatus.READY:
        print(f"  training failed: {model.error}")
        return
    sources = project.sources.count()
    summary = model.summary
    print(
        f"  trained in {model.seconds:.1f} s ({summary['epochs']} passes) on "
        f"{summary['training_sentences']} sentences of {len(summary['training_sources'])} sources; "
        f"held out (seed {seed}): {len(summary['held_out_sources'])} sources, "
        f"{summary['held_out_sentences']} sentences"
    )
    print(f"  training and suggesting together: {cpu:.1f} s CPU")
    print(
        f"  suggesting over all {sources} sources: {summary['suggest_seconds']:.1f} s "
        f"({1000 * summary['suggest_seconds'] / sources:.0f} ms a source), "
        f"{Suggestion.objects.filter(model=model).count()} suggestions stored"
    )
    names = {c.pk: c.path for c in Code.objects.filter(project=project).tree_order()}
    print_figures(model, names)
    f1s = [f["f1"] for f in model.metrics.values() if f["f1"] is not None]
    if f1s:
        print(f"  mean F1 over {len(f1s)} codes with held-out examples: {sum(f1s) / len(f1s):.2f}")


def bench_demo(seed: int) -> None:
    from interviews.models import Project

    call_command("load_demo", stdout=io.StringIO())
    project = Project.objects.get(name__contains="demo")
    lead = get_user_model().objects.get(username="lina")
    print(f"Demo study: {project.sources.count()} sources, {project.codes.count()} codes")
    train_and_report(project, lead, seed, "all", min_examples=10)


def bench_planted(count: int, seed: int) -> None:
    from coding.models import Code, Coding
    from interviews.models import Membership, Project, Role
    from interviews.services import source_create

    rng = random.Random(seed + 1000)
    users = get_user_model().objects
    lead, coder = users.create_user("planted-lead"), users.create_user("planted-coder")
    project = Project.objects.create(name="Planted study")
    for user, role in ((lead, Role.LEAD), (coder, Role.CODER)):
        Membership.objects.create(project=project, user=user, role=role)
    codes = {name: Code.objects.create(project=project, name=name) for name in PLANTED}
    began = time.perf_counter()
    total_codings = 0
    for index in range(count):
        sentences, planted = [], []
        for _ in range(rng.randint(40, 70)):
            if rng.random() < 0.12:
                name = rng.choice(list(PLANTED))
                phrase = fill(rng.choice(PLANTED[name]), rng)
                before = filler_sentence(rng, rng.randint(3, 8))[:-1]
                sentence = (
                    f"{before}, and {phrase}."
                    if rng.random() < 0.5
                    else (phrase[0].upper() + phrase[1:] + ".")
                )
                planted.append((len(sentences), name))
                sentences.append(sentence)
            else:
                sentences.append(filler_sentence(rng, rng.randint(6, 16)))
        text = " ".join(sentences)
        source = source_create(project=project, title=f"Planted {index:03d}", text=text)
        offsets, at = [], 0
        for sentence in sentences:
            offsets.append((at, at + len(sentence)))
            at += len(sentence) + 1
        rows = [
            Coding(
                source=source, code=codes[name], coder=coder, start=offsets[i][0], end=offsets[i][1]
            )
            for i, name in planted
            if rng.random() >= 0.1  # the coder misses a tenth
        ]
        Coding.objects.bulk_create(rows)
        total_codings += len(rows)
    print(
        f"\nPlanted study: {count} sources, {len(PLANTED)} codes, {total_codings} codings "
        f"(built in {time.perf_counter() - began:.1f} s)"
    )
    train_and_report(project, lead, seed, "all", min_examples=10)


def bench_rule(count: int, words: int) -> None:
    from coding.models import Code
    from coding.suggestion_services import rule_run, rule_save
    from interviews.models import Project, Segment, Source

    rng = random.Random(11)
    lead = get_user_model().objects.create_user("rule-lead")
    project = Project.objects.create(name="Rule study")
    code = Code.objects.create(project=project, name="Co-production")
    began = time.perf_counter()
    vocabulary = FILLER + ["production", "producer", "produced", "products"]
    planted = ["co-production", "co-productions", "co-produced", "co-producing"]
    made = 0
    for first in range(0, count, 50):
        batch, layouts = [], []
        for index in range(first, min(first + 50, count)):
            parts, turns, sentences, at, written = [], [], [], 0, 0
            speaker = 0
            while written < words:
                label = "Interviewer: " if speaker % 2 == 0 else "Respondent: "
                turn_start = at
                parts.append(label)
                at += len(label)
                for _ in range(rng.randint(2, 6)):
                    n = rng.randint(8, 20)
                    tokens = [rng.choice(vocabulary) for _ in range(n)]
                    if rng.random() < 0.02:
                        tokens[rng.randrange(n)] = rng.choice(planted)
                    sentence = " ".join(tokens).capitalize() + ". "
                    sentences.append((at, at + len(sentence) - 1))
                    parts.append(sentence)
                    at += len(sentence)
                    written += n
                turns.append((turn_start, at - 1, label[:-2]))
                parts.append("\n\n")
                at += 2
                speaker += 1
            batch.append(Source(project=project, title=f"Long {index:03d}", text="".join(parts)))
            layouts.append((turns, sentences))
        created = Source.objects.bulk_create(batch)
        rows = []
        for source, (turns, sentences) in zip(created, layouts, strict=True):
            rows += [
                Segment(source=source, kind="turn", start=s, end=e, speaker=who)
                for s, e, who in turns
            ]
            rows += [Segment(source=source, kind="sentence", start=s, end=e) for s, e in sentences]
        Segment.objects.bulk_create(rows, batch_size=5000)
        made += len(batch)
    print(
        f"\nRule run: {made} sources of about {words} words "
        f"(built in {time.perf_counter() - began:.1f} s)"
    )
    for name, fields in (
        ("keywords", {"keywords": "co-production\nco-produce", "scope": "sentence"}),
        ("regex", {"patterns": r"\bco-?produc\w*", "scope": "match"}),
    ):
        rule = rule_save(project=project, user=lead, name=name, code=code, **fields)
        cpu = time.process_time()
        run = rule_run(rule=rule, dry_run=False, keep_hits=False)
        print(
            f"  {name:<9} first  {run.seconds:6.1f} s wall, {time.process_time() - cpu:5.1f} s CPU; "
            f"{run.total} hits in {len(run.per_source)} sources, {run.created} suggestions stored"
        )
        cpu = time.process_time()
        again = rule_run(rule=rule, dry_run=False, keep_hits=False)
        print(
            f"  {name:<9} again  {again.seconds:6.1f} s wall, {time.process_time() - cpu:5.1f} s CPU; "
            f"{again.created} new (idempotent)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--planted", type=int, default=200)
    parser.add_argument("--rule-sources", type=int, default=500)
    parser.add_argument("--rule-words", type=int, default=5000)
    parser.add_argument("--skip", default="", help="Comma-separated: demo, planted, rule.")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        print(f"Database: {connection.vendor}; load average {os.getloadavg()[0]:.1f}")
        if "demo" not in skip:
            bench_demo(args.seed)
        if "planted" not in skip:
            bench_planted(args.planted, args.seed)
        if "rule" not in skip:
            bench_rule(args.rule_sources, args.rule_words)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
