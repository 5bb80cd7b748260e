"""The tidy frame: one row per reportable coding, pseudonyms only, every attribute."""

from __future__ import annotations

from reports.frame import FRAME_COLUMNS, Filters, report_data


def test_it_has_one_row_per_reportable_coding(study):
    frame = report_data(study.project).frame
    expected = {c.pk for name, c in study.codings.items() if name != "k"}
    assert set(frame["coding_id"]) == expected
    assert len(frame) == 11


def test_withdrawn_interviewees_contribute_nothing(study):
    frame = report_data(study.project).frame
    assert "BY-02" not in set(frame["interviewee"])
    assert "Interview BY-02" not in set(frame["source"])
    assert not frame["quote"].str.contains("No money at all").any()


def test_it_carries_pseudonyms_and_never_real_names(study):
    frame = report_data(study.project).frame
    assert set(frame["interviewee"]) == {"CN-01", "BY-01", ""}
    for column in frame.columns:
        assert not frame[column].astype(str).str.contains("Real Name").any(), column


def test_it_carries_every_column_and_attribute(study):
    data = report_data(study.project)
    frame = data.frame
    for column in FRAME_COLUMNS:
        assert column in frame.columns
    org_key = f"attr{study.org_type.pk}"
    case_key = f"attr{study.case_study.pk}"
    row = frame[frame["coding_id"] == study.codings["g"].pk].iloc[0]
    assert row["interviewee"] == "BY-01"
    assert row["country"] == "Belarus"
    assert row["sector"] == "Crafts"
    assert row[org_key] == "Non-profit"
    assert row[case_key] == ""
    assert row["code_path"] == "Strengths/Heritage"
    assert row["group"] == "Strengths"
    assert row["quote"] == "Embroidery is alive."
    assert row["coder"] == "coder"
    policy = frame[frame["coding_id"] == study.codings["l"].pk].iloc[0]
    assert policy[case_key] == "Going Out"
    assert policy["interviewee"] == ""
    assert data.attribute_labels[case_key] == "Case study"


def test_it_attaches_coding_memos(study, users):
    from coding.models import Memo

    Memo.objects.create(
        project=study.project, author=users["lead"], text="Key point.", coding=study.codings["a"]
    )
    frame = report_data(study.project).frame
    memo = frame.loc[frame["coding_id"] == study.codings["a"].pk, "memo"].iloc[0]
    assert memo == "Key point."


def test_it_filters_by_attribute_coder_source_and_code(study):
    project = study.project
    assert len(report_data(project, Filters(attributes={"country": ["China"]})).frame) == 5
    assert len(report_data(project, Filters(attributes={"country": ["(not set)"]})).frame) == 2
    case = f"attr{study.case_study.pk}"
    assert len(report_data(project, Filters(attributes={case: ["Going Out"]})).frame) == 2
    assert len(report_data(project, Filters(coders=["lead"])).frame) == 2
    assert len(report_data(project, Filters(sources=[study.sources["S2"].pk])).frame) == 4
    strengths = report_data(project, Filters(codes=[study.codes["Strengths"].pk])).frame
    assert sorted(strengths["code"]) == ["Heritage", "Heritage", "Heritage", "Market", "Strengths"]


def test_a_blinded_coder_sees_only_their_own_codings(study, users):
    frame = report_data(study.project, only_coder=users["coder"]).frame
    assert set(frame["coder"]) == {"coder"}
    assert len(frame) == 9


def test_a_shared_source_attributes_each_coding_to_the_speaker_of_its_turn(project, users):
    from interviews.models import Interviewee

    one = Interviewee.objects.create(project=project, pseudonym="P-1", country="China")
    two = Interviewee.objects.create(project=project, pseudonym="P-2", country="Belarus")
    from interviews.services import source_create

    text = "Anna: First words here.\n\nBoris: Second words here."
    source = source_create(
        project=project,
        title="Group",
        text=text,
        interviewees=[one, two],
        speaker_map={"Anna": one, "Boris": two},
    )
    from coding.models import Code, Coding

    code = Code.objects.create(project=project, name="Theme")
    for quote in ("First words", "Second words"):
        start = text.index(quote)
        Coding.objects.create(
            source=source, code=code, coder=users["coder"], start=start, end=start + len(quote)
        )
    frame = report_data(project).frame.sort_values("start")
    assert frame["interviewee"].tolist() == ["P-1", "P-2"]
    assert frame["country"].tolist() == ["China", "Belarus"]
