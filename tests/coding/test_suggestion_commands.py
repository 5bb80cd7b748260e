"""manage.py autocode and manage.py train_suggestions."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from coding.models import Code, Coding
from coding.services import coding_create
from coding.suggestion_models import AutocodeRule, Suggestion, SuggestionModel
from interviews.models import Interviewee
from interviews.services import source_create

TEXT = "We co-produced a film. The co-productions grew. Nothing else happened here."


@pytest.fixture
def corpus(project):
    code = Code.objects.create(project=project, name="Co-production")
    sources = [source_create(project=project, title=f"T{i}", text=TEXT) for i in range(3)]
    return code, sources


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_autocode_dry_run_writes_every_hit_and_stores_nothing(project, corpus, tmp_path):
    code, sources = corpus
    target = tmp_path / "hits.json"
    out = run(
        "autocode", str(project.pk), "--code", "Co-production", "--keywords", "co-produce, co-production",
        "--scope", "match", "--dry-run", "--json", str(target),
    )  # fmt: skip
    assert "6 hits in 3 of 3 sources." in out and "Dry run: nothing was stored." in out
    data = json.loads(target.read_text(encoding="utf-8"))
    assert [(h["source"], h["start"], h["end"], h["text"]) for h in data["hits"][:2]] == [
        (sources[0].pk, 3, 14, "co-produced"),
        (sources[0].pk, 27, 41, "co-productions"),
    ]
    assert data["matching"] == {"en": "lemmas"}
    assert not Suggestion.objects.exists() and not AutocodeRule.objects.exists()


def test_autocode_stores_suggestions_once_and_can_accept_them(project, corpus, users):
    out = run("autocode", project.name, "--code", "Co-production", "--regex", r"co-produc\w+")
    assert "6 new suggestions" in out
    out = run(
        "autocode", project.name, "--code", "Co-production", "--regex", r"co-produc\w+",
        "--accept", "--user", "lead",
    )  # fmt: skip
    assert "0 new suggestions, 6 already suggested" in out
    assert "6 accepted as codings by lead." in out
    assert (
        Coding.objects.filter(coder=users["lead"], origin="rule “Co-production (terminal)”").count()
        == 6
    )
    assert Suggestion.objects.count() == 6


def test_autocode_reads_only_the_named_sources(project, corpus):
    code, sources = corpus
    out = run(
        "autocode", str(project.pk), "--code", "Co-production", "--keywords", "co-production",
        "--source", "T1", "--source", str(sources[2].pk),
    )  # fmt: skip
    assert "2 hits in 2 of 2 sources." in out
    assert set(Suggestion.objects.values_list("source__title", flat=True)) == {"T1", "T2"}
    assert list(AutocodeRule.objects.get().sources.order_by("title")) == sources[1:]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--code", "Nope", "--keywords", "x"], "The project has no code “Nope”."),
        (["--code", "Co-production", "--regex", "(oops"], "not a valid regular expression"),
        (["--code", "Co-production"], "Give keywords"),
        (["--code", "Co-production", "--keywords", "x", "--attribute", "Country"], "NAME=VALUE"),
        (["--code", "Co-production", "--keywords", "x", "--user", "stranger"], "No member"),
        (["--code", "Co-production", "--keywords", "x", "--source", "Nowhere"], "No source"),
        (["--code", "Co-production", "--attribute", "Mood=calm"], "No attribute “Mood”"),
        (["--code", "Co-production", "--attribute", "Country=Narnia"], "No interviewee has"),
        (["--code", "Co-production", "--speaker", "Nobody"], "No speaker “Nobody”"),
        (
            ["--code", "Co-production", "--keywords", "x", "--accept", "--user", "viewer"],
            "viewer is a viewer in this project and cannot code",
        ),
        (["--code", "Co-production", "--keywords", "x", "--accept", "--dry-run"], "--dry-run"),
    ],
)
def test_autocode_refuses_bad_input(project, corpus, args, message):
    with pytest.raises(CommandError, match=message):
        run("autocode", str(project.pk), *args)
    assert not AutocodeRule.objects.exists() and not Suggestion.objects.exists()


def test_autocode_codes_a_known_speaker_or_attribute_value_in_any_case(project, corpus):
    person = Interviewee.objects.create(project=project, pseudonym="BY-02", country="Belarus")
    source_create(
        project=project,
        title="Talk",
        text="Interviewer: Why?\n\nBY-02: Money is short.\n",
        interviewees=[person],
        speaker_map={"Interviewer": "interviewer", "BY-02": person},
    )
    for option in (["--speaker", "by-02"], ["--attribute", "country=belarus"]):
        out = run("autocode", str(project.pk), "--code", "Co-production", "--dry-run", *option)
        assert "1 hits in 1 of 4 sources." in out
    with pytest.raises(
        CommandError, match="No interviewee has Country = Poland; the values held: Belarus."
    ):
        run("autocode", str(project.pk), "--code", "Co-production", "--attribute", "Country=Poland")


def test_autocode_asks_for_the_path_of_a_name_two_codes_share(project, corpus):
    for parent in ("Films", "Series"):
        Code.objects.create(
            project=project,
            name="Funding",
            parent=Code.objects.create(project=project, name=parent),
        )
    with pytest.raises(CommandError, match="Several codes are called “Funding”; give the path"):
        run("autocode", str(project.pk), "--code", "Funding", "--keywords", "film")
    out = run("autocode", str(project.pk), "--code", "series/funding", "--keywords", "film")
    assert "3 new suggestions" in out
    assert set(Suggestion.objects.values_list("code__parent__name", flat=True)) == {"Series"}


def test_autocode_names_an_unknown_project(db):
    with pytest.raises(CommandError, match="No project “Missing”"):
        run("autocode", "Missing", "--code", "x", "--keywords", "y")


def test_train_suggestions_writes_figures_per_code(project, corpus, users, tmp_path):
    code, sources = corpus
    for source in sources:
        coding_create(source=source, code=code, coder=users["coder"], start=0, end=22)
    target = tmp_path / "model.json"
    out = run(
        "train_suggestions", str(project.pk), "--labels", "all", "--min-examples", "1",
        "--seed", "4", "--epochs", "2", "--json", str(target),
    )  # fmt: skip
    assert "model v1: trained in" in out and "seed 4" in out
    data = json.loads(target.read_text(encoding="utf-8"))
    figures = data["codes"]["Co-production"]
    assert figures["examples"] == 2 and figures["held_out"] == 1
    assert set(figures) >= {"precision", "recall", "f1", "examples", "suggested"}
    assert data["seed"] == 4 and len(data["held_out_sources"]) == 1
    assert SuggestionModel.objects.get().status == "ready"


def test_train_suggestions_names_codes_by_path(project, corpus, users, tmp_path):
    code, sources = corpus
    films = Code.objects.create(project=project, name="Films")
    series = Code.objects.create(project=project, name="Series")
    twins = [
        Code.objects.create(project=project, name="Funding", parent=p) for p in (films, series)
    ]
    for source in sources:
        coding_create(source=source, code=twins[0], coder=users["coder"], start=0, end=22)
        coding_create(source=source, code=twins[1], coder=users["coder"], start=23, end=47)
    target = tmp_path / "model.json"
    out = run(
        "train_suggestions", str(project.pk), "--labels", "all", "--min-examples", "1",
        "--epochs", "1", "--json", str(target),
    )  # fmt: skip
    data = json.loads(target.read_text(encoding="utf-8"))
    assert {name: figures["code_id"] for name, figures in data["codes"].items()} == {
        "Films/Funding": twins[0].pk,
        "Series/Funding": twins[1].pk,
    }
    assert "Films/Funding " in out and "Series/Funding " in out


def test_train_suggestions_fails_clearly_without_codings(project, corpus):
    with pytest.raises(CommandError, match="at least two coded sources"):
        run("train_suggestions", str(project.pk), "--epochs", "1")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--seed", "-1"], "The seed is a whole number from 0 to 2147483647."),
        (["--seed", str(2**31)], "The seed is a whole number from 0 to 2147483647."),
        (["--min-examples", "0"], "at least one training example"),
        (["--min-f1", "1.5"], "between 0 and 1"),
    ],
)
def test_train_suggestions_refuses_bad_settings(project, corpus, args, message):
    with pytest.raises(CommandError, match=message):
        run("train_suggestions", str(project.pk), "--epochs", "1", *args)
    assert not SuggestionModel.objects.exists()


@pytest.mark.parametrize("command", ["autocode", "train_suggestions"])
def test_an_unwritable_json_file_is_refused_before_any_work(project, corpus, tmp_path, command):
    target = tmp_path / "missing" / "out.json"
    extra = (
        ["--code", "Co-production", "--keywords", "co-production"] if command == "autocode" else []
    )
    with pytest.raises(CommandError, match=f"Cannot write {target}: there is no directory"):
        run(command, str(project.pk), *extra, "--json", str(target))
    assert not Suggestion.objects.exists() and not AutocodeRule.objects.exists()
    assert not SuggestionModel.objects.exists()


def test_progress_into_a_log_shows_each_pass_of_a_training(project, corpus, users, capsys):
    code, sources = corpus
    for source in sources:
        coding_create(source=source, code=code, coder=users["coder"], start=0, end=22)
    run(
        "train_suggestions", str(project.pk), "--labels", "all", "--min-examples", "1",
        "--epochs", "3",
    )  # fmt: skip
    lines = capsys.readouterr().err.splitlines()
    assert [line.split("]", 1)[1].split(None, 1)[1] for line in lines[:4]] == [
        "Training: pass 1 of 3",
        "Training: pass 2 of 3",
        "Training: pass 3 of 3",
        "Measuring on the held-out sources",
    ]
    assert "0/3    Suggesting" in lines[4]
