from interviews.reading import paragraph_spans, reading_blocks
from interviews.turns import parse_timestamp, parse_turns, speakers


def test_name_colon_turns_cover_label_and_speech():
    text = "Interviewer: Hello?\n\nRespondent: Hi.\nSecond line.\n\nInterviewer: Thanks."
    turns = parse_turns(text)
    assert [t.speaker for t in turns] == ["Interviewer", "Respondent", "Interviewer"]
    assert text[turns[1].start : turns[1].end] == "Respondent: Hi.\nSecond line."
    assert speakers(turns) == ["Interviewer", "Respondent"]


def test_timestamped_and_cyrillic_labels():
    text = "[00:01:02] Speaker 1: Добрый день.\n00:01:10 Ян Ли: 你好。\n"
    turns = parse_turns(text)
    assert [(t.speaker, t.timestamp) for t in turns] == [("Speaker 1", 62.0), ("Ян Ли", 70.0)]


def test_a_single_note_is_not_a_transcript():
    assert parse_turns("Note: this policy was adopted in 2016.\nIt has three parts.") == []


def test_parse_timestamp():
    assert parse_timestamp("01:02:03.5") == 3723.5
    assert parse_timestamp("02:03") == 123.0
    assert parse_timestamp(None) is None


def test_paragraph_spans_skip_blank_lines():
    text = "\nOne.\n\n  Two\nlines.  \n\n\n"
    assert [text[s:e] for s, e in paragraph_spans(text)] == ["One.", "Two\nlines."]


def test_reading_blocks_keep_text_outside_turns():
    text = "Preamble.\n\nA: one\nB: two"
    blocks = reading_blocks(text, parse_turns(text))
    assert [(b.speaker, b.text) for b in blocks] == [
        ("", "Preamble."),
        ("A", "A: one"),
        ("B", "B: two"),
    ]
