"""The sentence pipeline's tokens made without spaCy (interviews.tokenizing), held to spaCy's."""

import gzip
import io
import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

from interviews import nlp, tokenizing

ROOT = Path(__file__).resolve().parents[2]
RULE_LANGUAGES = [language for language in nlp.LANGUAGES if language != "zh"]


def _spacy_tokens(language: str, text: str) -> list[tuple[int, str]]:
    return [(token.idx, token.text) for token in nlp.sentence_pipeline(language).nlp.make_doc(text)]


def _spacy_starts(language: str, text: str) -> list[int]:
    return [sentence.start_char for sentence in nlp.sentence_pipeline(language).nlp(text).sents]


@pytest.mark.parametrize("language", [*nlp.LANGUAGES, tokenizing.FALLBACK])
def test_the_stored_rules_are_those_of_the_installed_spacy(language):
    stored = json.loads(gzip.decompress(tokenizing.rules_path(language).read_bytes()))
    installed = json.loads(json.dumps(nlp.tokenizer_rules(language)))
    assert stored == installed, "run `manage.py tokenizer_rules` after upgrading spaCy"


def test_the_command_writes_the_stored_rules_byte_for_byte(tmp_path, monkeypatch):
    from django.core.management import call_command

    stored = {name: tokenizing.rules_path(name).read_bytes() for name in ("en", "zh")}
    monkeypatch.setattr(tokenizing, "RULES_DIR", tmp_path)
    call_command("tokenizer_rules", "en", "zh", stdout=io.StringIO())
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == {
        f"{name}.json.gz": data for name, data in stored.items()
    }


# Pieces a tokenizer finds hard: every affix, apostrophes, abbreviations, URLs and addresses,
# numbers with separators, emoticons, letters of other scripts and emoji.
_WORDS = """
    n't 's 'll 're Dr. e.g. i.e. U.S. a.m. etc. No. St. http:// https://x.org/a?b=1 www.
    .com @mail.org 3.5 1,000 10:30 2019-20 x ab Word ÉTÉ straße дом т.е. д-р l' qu' del
    :) ;-) <3 ^_^ C++ #tag 😀 觀 ٣ \u0301 \u00ad
"""
FRAGMENTS = [*".,;:!?'\"()[]{}-–—…/\\%$€£#@&*+=<>_~^|`«»“”‘’„", *_WORDS.split()]


def _pieces(language: str, count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    rules = tokenizing.rules(language)
    pieces = set()
    for special in rules.specials:
        if special.strip() == special and " " not in special:
            pieces.add(special)
            pieces.add(rng.choice(FRAGMENTS) + special + rng.choice(FRAGMENTS))
            pieces.add(special + rng.choice([".", ",", ")", "!", "?", "'s", "...", ".)"]))
    while len(pieces) < len(rules.specials) * 2 + count:
        pieces.add("".join(rng.choice(FRAGMENTS) for _ in range(rng.randint(1, 6))))
    return sorted(p for p in pieces if p and not any(c.isspace() for c in p))


@pytest.mark.parametrize("language", RULE_LANGUAGES)
def test_each_piece_gets_the_tokens_of_spacys_tokenizer(language):
    rules = tokenizing.rules(language)
    pieces = _pieces(language, 3000, seed=len(language))
    wrong = [
        (piece, rules.piece_tokens(piece), _spacy_tokens(language, piece))
        for piece in pieces
        if rules.piece_tokens(piece) != _spacy_tokens(language, piece)
    ]
    assert len(pieces) > 3000
    assert wrong == []


def _text(rng: random.Random, words: list[str]) -> str:
    blanks = [" "] * 12 + ["  ", "\n", "\n\n", "\t", " \n ", "\u00a0", " \u3000"]
    return "".join(rng.choice(words) + rng.choice(blanks) for _ in range(rng.randint(1, 60)))


@pytest.mark.parametrize("language", RULE_LANGUAGES)
def test_texts_get_the_tokens_and_sentences_of_spacy(language):
    rng = random.Random(7)
    rules = tokenizing.rules(language)
    words = [*FRAGMENTS, *list(rules.specials)[:300], "word", "Then", "we", "said", "OK"]
    for _ in range(150):
        text = _text(rng, words)
        assert rules.text_tokens(text) == _spacy_tokens(language, text), text
        assert nlp.sentence_starts(text, language) == _spacy_starts(language, text), text


@pytest.mark.parametrize("language", ["es", "ru"])
def test_special_cases_across_pieces_get_spacys_sentences(language):
    """Every special case with a space inside, alone, touching punctuation, one after another."""
    rng = random.Random(11)
    rules = tokenizing.rules(language)
    spaced = [s for s in rules.specials if " " in s.strip()]
    words = [*spaced, *spaced, "(", ")", ".", "x", "word", "Dr.", "1.", "т.е."]
    for _ in range(300):
        text = "".join(
            rng.choice(["", "(", "«", "x"])
            + rng.choice(words)
            + rng.choice(["", ".", ")", ","])
            + rng.choice([" ", " ", " ", "  ", "\n"])
            for _ in range(rng.randint(1, 12))
        )
        assert nlp.sentence_starts(text, language) == _spacy_starts(language, text), text


@pytest.mark.parametrize(
    ("language", "text", "starts"),
    [
        # One special case across two pieces: no sentence ends inside it.
        ("es", "Lo dijo EE. UU. Luego vino. Y se fue.", [0, 28]),
        ("ru", "Это вед. науч. сотр. Петров. Да.", [0, 29]),
        ("es", "Lo dijo EE.  UU. Luego vino.", [0, 12, 17]),  # two spaces: no special case
    ],
)
def test_a_special_case_with_a_space_inside_is_one_token_as_in_spacy(language, text, starts):
    assert bool(tokenizing.rules(language).spaced_specials(text)) == ("  " not in text)
    assert _spacy_starts(language, text) == starts
    assert nlp.sentence_starts(text, language) == starts


def test_chinese_sentences_are_those_of_spacys_sentencizer():
    rng = random.Random(3)
    alphabet = (
        list("观众很喜欢资金一直是个问题好真的吗是的abc123")
        + list("。！？!?.．…，、；：“”「」（）《》·-—")
        + [" ", "  ", "\n", "\n\n", "\t", " \n", "🎬", "\u3000"]
    )
    for _ in range(400):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 80)))
        assert nlp.sentence_starts(text, "zh") == (_spacy_starts("zh", text) if text else [])


def test_sentence_pipeline_names_need_no_pipeline():
    for language in nlp.LANGUAGES:
        assert nlp.sentence_pipeline_name(language) == nlp.sentence_pipeline(language).name


@pytest.mark.parametrize("language", ["Italian", "zz", "../en", ""])
def test_a_language_without_rules_of_its_own_gets_the_multi_language_ones(language):
    """As spaCy's blank pipeline falls back to its multi-language one for a language it does
    not know (a source's language from a REFI-QDA project, say)."""
    text = "Dr. Rossi arrivò alle 3. Poi? Andò via… (Fine.) «Sì!» Bene."
    assert nlp.sentence_pipeline_name(language) == "blank:xx+sentencizer"
    assert (
        nlp.sentence_starts(text, language) == _spacy_starts("xx", text) == [0, 4, 25, 30, 49, 54]
    )


IMPORT_THROUGH_THE_WEB = """
import re, sys
import django
django.setup()
from django.core.management import call_command
from django.test.utils import setup_test_environment
call_command("migrate", verbosity=0)
setup_test_environment()
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from interviews.models import Segment, Source
from interviews.services import project_create
user = get_user_model().objects.create_user("lead", "lead@example.org", "pw")
project = project_create(user=user, name="Study")
client = Client()
client.force_login(user)
text = "Interviewer: Ready? Dr. Smith came at 3 p.m.\\n\\nRespondent: It is. Done (e.g. late)."
upload = SimpleUploadedFile("talk.txt", text.encode(), "text/plain")
answer = client.post(
    f"/projects/{project.pk}/sources/import/",
    {"language": "en", "kind": "interview", "files": upload},
)
review = answer["Location"]
page = client.get(review).content.decode()
form = {"title": "Talk", "language": "en", "kind": "interview"}
for name, options in re.findall(r'<select name="(speaker_\\d+)"[^>]*>(.*?)</select>', page, re.S):
    chosen = re.search(r'<option value="([^"]*)"[^>]*selected', options)
    form[name] = chosen.group(1) if chosen else ""
answer = client.post(review, form)
source = Source.objects.get()
sentences = Segment.objects.filter(source=source, kind="sentence").order_by("start")
print(answer.status_code, source.nlp_pipeline)
print(*[source.text[s.start:s.end] for s in sentences], sep="|")
print(*[m for m in ("spacy", "thinc", "numpy") if m in sys.modules])
"""


def test_a_source_imported_through_the_web_gets_its_sentences_without_spacy(tmp_path):
    """Upload and review in a fresh process, as a web worker serves them."""
    from tests.test_settings import _clean_environment

    result = subprocess.run(
        [sys.executable, "-c", IMPORT_THROUGH_THE_WEB],
        cwd=ROOT,
        env={
            **{k: v for k, v in _clean_environment().items() if k != "DATABASE_URL"},
            "DEBUG": "1",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "PARLEY_DATA_DIR": str(tmp_path),
        },
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    status, sentences, loaded = (result.stdout.splitlines() + [""])[:3]
    assert status == "302 blank:en+sentencizer"
    assert sentences.split("|") == [
        "Ready?",
        "Dr. Smith came at 3 p.m.",
        "It is.",
        "Done (e.g. late).",
    ]
    assert loaded == ""


def test_a_source_of_a_language_without_rules_is_stored_with_its_sentences(project):
    from interviews.models import Segment
    from interviews.services import source_create

    source = source_create(
        project=project, title="Intervista", text="Sì. Poi andò via.", language="Italian"
    )
    sentences = Segment.objects.filter(source=source, kind="sentence").order_by("start")
    assert [source.text[s.start : s.end] for s in sentences] == ["Sì.", "Poi andò via."]
    assert source.nlp_pipeline == "blank:xx+sentencizer"


def test_the_memo_of_pieces_keeps_the_pieces_used_last(monkeypatch):
    monkeypatch.setattr(nlp, "PIECE_MEMO_SIZE", 6)
    monkeypatch.setitem(nlp._PIECE_MEMO, "en", {})
    nlp.sentence_starts("a. b, c; d: e! f? g.", "en")  # seven pieces: three are kept
    assert list(nlp._PIECE_MEMO["en"]) == ["e!", "f?", "g."]
    text = "Dr. Smith came. f? Then?"
    assert nlp.sentence_starts(text, "en") == _spacy_starts("en", text) == [0, 16, 19]
    assert list(nlp._PIECE_MEMO["en"]) == ["e!", "g.", "Dr.", "came.", "f?", "Then?"]
    nlp.sentence_starts("g. x.", "en")  # one seen, one new: seven again
    assert list(nlp._PIECE_MEMO["en"]) == ["Then?", "g.", "x."]


def test_a_language_is_looked_up_once(monkeypatch):
    tokenizing.rules("en")

    def refused(*args):
        raise AssertionError("the rules' file was looked for again")

    monkeypatch.setattr(tokenizing, "rules_path", refused)
    assert tokenizing.rules("en").pipeline == "en"
