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


def test_q_and_a_labels():
    text = "Q: Where did it start?\nA: In Minsk.\nQ: When?\nA: In 2019."
    turns = parse_turns(text)
    assert [(t.speaker, text[t.start : t.end]) for t in turns] == [
        ("Q", "Q: Where did it start?"),
        ("A", "A: In Minsk."),
        ("Q", "Q: When?"),
        ("A", "A: In 2019."),
    ]


def test_vtt_voice_tags_and_full_width_colons():
    text = "<v Olga>Hello there.\n<v Artem Ko>Hi!\n问：你好吗？\n答：很好。"
    assert [t.speaker for t in parse_turns(text)] == ["Olga", "Artem Ko", "问", "答"]


def test_timestamp_after_the_name_and_name_lines_with_times():
    text = "Olga (00:01:02): Hello.\nArtem [00:01:05]: Hi.\n\nSpeaker 1  0:03\nWords on the next line.\nSpeaker 2  1:10:05\nMore words."
    turns = parse_turns(text)
    assert [(t.speaker, t.timestamp) for t in turns] == [
        ("Olga", 62.0),
        ("Artem", 65.0),
        ("Speaker 1", 3.0),
        ("Speaker 2", 4205.0),
    ]
    assert text[turns[2].start : turns[2].end] == "Speaker 1  0:03\nWords on the next line."


def test_a_label_alone_on_its_line():
    text = "Interviewer:\nHow did it start?\n\nRespondent:\nSlowly."
    turns = parse_turns(text)
    assert [t.speaker for t in turns] == ["Interviewer", "Respondent"]
    assert text[turns[1].start : turns[1].end] == "Respondent:\nSlowly."
