"""Pure position arithmetic: UTF-16 units, CRLF, the choice between readings."""

from exchange.mapping import (
    code_description,
    parse_code_description,
    parse_variable_description,
    variable_description,
)
from exchange.positions import (
    CODE_POINTS,
    UTF16,
    PositionMap,
    Reading,
    choose_reading,
    code_points_to_utf16,
    decode_text,
    name_matches,
    preferred_reading,
)

TEXT = "A🎬B 观众 и 😀😀 end"


def test_utf16_positions_become_code_points():
    mapping = PositionMap(TEXT, UTF16)
    for index in range(len(TEXT) + 1):
        assert mapping.to_code_point(code_points_to_utf16(TEXT, index)) == index


def test_a_position_inside_a_surrogate_pair_is_rejected():
    assert PositionMap(TEXT, UTF16).to_code_point(2) is None  # between the halves of 🎬


def test_crlf_counted_as_two_becomes_lf_positions():
    raw = "ab\r\ncd\r\n\r\nef"
    text = raw.replace("\r\n", "\n")
    mapping = PositionMap(raw, Reading(utf16=False, crlf_as_two=True))
    assert mapping.to_code_point(raw.index("cd")) == text.index("cd")
    assert mapping.to_code_point(raw.index("ef")) == text.index("ef")
    assert mapping.to_code_point(len(raw)) == len(text)
    assert PositionMap(raw, CODE_POINTS).to_code_point(text.index("ef")) == text.index("ef")


def test_utf16_and_crlf_together():
    raw = "😀\r\nx😀\r\ny"
    text = raw.replace("\r\n", "\n")
    units = len(raw[: raw.index("y")].encode("utf-16-le")) // 2
    assert PositionMap(raw, Reading(utf16=True, crlf_as_two=True)).to_code_point(
        units
    ) == text.index("y")


def test_the_origin_decides_the_preferred_reading():
    assert preferred_reading("NVivo 14 (Windows)").utf16
    assert preferred_reading("QualCoder 3.5").utf16
    assert not preferred_reading("NVivo for Mac").utf16
    assert not preferred_reading("ATLAS.ti 23").crlf_as_two
    assert preferred_reading("MAXQDA 2022") == Reading(utf16=False, crlf_as_two=True)


def test_names_decide_when_the_origin_is_wrong():
    start = TEXT.index("end")
    u16 = code_points_to_utf16(TEXT, start)
    choice = choose_reading(TEXT, TEXT, [(u16, u16 + 3, "end")], "MAXQDA")
    assert choice.reading == UTF16
    assert (choice.checked, choice.matched, choice.differs) == (1, 1, True)


def test_without_names_the_origin_decides_and_the_doubt_is_recorded():
    start = TEXT.index("end")
    choice = choose_reading(TEXT, TEXT, [(start, start + 3, "")], "QualCoder")
    assert choice.reading == UTF16
    assert choice.checked == 0 and choice.differs


def test_plain_ascii_text_has_nothing_to_decide():
    choice = choose_reading("hello world", "hello world", [(0, 5, "")], "NVivo")
    assert not choice.differs


def test_name_matching_accepts_cut_quotes():
    assert name_matches("Money was alw…", "Money was always short")
    assert name_matches("money   was\nalways", "money was always short")
    assert not name_matches("Harbin", "Money was always short")
    assert not name_matches("ab", "ab")


def test_decode_text_handles_boms_and_legacy_bytes():
    assert decode_text("\ufeffПривет".encode()) == "Привет"
    assert decode_text("Hi 😀".encode("utf-16")) == "Hi 😀"
    assert decode_text("café".encode("cp1252")) == "café"


def test_code_descriptions_round_trip():
    for fields in (
        {"definition": "D", "inclusion": "I\n\nmore", "exclusion": "", "example": "E"},
        {"definition": "", "inclusion": "only this", "exclusion": "", "example": ""},
        {"definition": "", "inclusion": "", "exclusion": "", "example": ""},
        {"definition": "Two\n\nparagraphs", "inclusion": "", "exclusion": "X", "example": ""},
    ):
        assert parse_code_description(code_description(**fields)) == fields


def test_a_foreign_description_is_kept_whole_as_the_definition():
    text = "Example: first\n\nInclusion criteria: later"
    assert code_description(**parse_code_description(text)) == text
    odd = "Intro\n\nExample: a\n\nInclusion criteria: b"
    assert parse_code_description(odd) == {
        "definition": odd,
        "inclusion": "",
        "exclusion": "",
        "example": "",
    }


def test_variable_descriptions_carry_parley_data():
    text = variable_description("Size of staff", {"type": "choice", "choices": ["a", "b"]})
    assert parse_variable_description(text) == (
        "Size of staff",
        {"type": "choice", "choices": ["a", "b"]},
    )
    assert parse_variable_description("Plain words") == ("Plain words", {})
