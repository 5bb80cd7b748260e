"""Malformed parameters on the passage-finding pages give a message, never an error page."""

from __future__ import annotations

import pytest
from django.urls import reverse


@pytest.mark.parametrize(
    ("name", "params", "message"),
    [
        ("retrieval", {"code": "abc"}, "Choose a code of this project."),
        ("retrieval", {"code": "1", "source": "x"}, "The source filter is not valid."),
        (
            "retrieval",
            {"code": "1", "attr_key": "attr:999", "attr_value": "v"},
            "Filter by an attribute of this project.",
        ),
        ("query", {"operator": "and", "code_a": "x", "code_b": "1"}, "Choose a code for A."),
        ("query", {"operator": "xor", "code_a": "1", "code_b": "1"}, "Choose an operator"),
        (
            "query",
            {"operator": "near", "code_a": "1", "code_b": "1", "distance": "far"},
            "whole number",
        ),
        (
            "query",
            {"operator": "near", "code_a": "1", "code_b": "1", "distance": "-5"},
            "cannot be negative",
        ),
        ("history", {"code": "abc"}, "There is no such code in this project."),
        ("history", {"source": "9999"}, "There is no such source in this project."),
        ("search", {"q": '"'}, "Type one or more words"),
        ("memo_list", {"code": "abc", "page": "zz"}, "memo"),
    ],
)
def test_bad_parameters_are_explained(project, code, client_for, name, params, message):
    params = {k: (str(code.pk) if v == "1" else v) for k, v in params.items()}
    response = client_for("viewer").get(reverse(f"coding:{name}", args=[project.pk]), params)
    assert response.status_code == 200
    assert message in response.content.decode()


HUGE = "9" * 30


@pytest.mark.parametrize(
    ("name", "params", "message"),
    [
        ("retrieval", {"code": "1", "source": HUGE}, "The source filter is not valid."),
        ("retrieval", {"code": "1", "coder": HUGE}, "The coder filter is not valid."),
        ("retrieval", {"code": "1", "coder": "²"}, "The coder filter is not valid."),
        ("retrieval", {"code": "²"}, "Choose a code of this project."),
        ("retrieval", {"code": HUGE}, "Choose a code of this project."),
        (
            "query",
            {"operator": "and", "code_a": "1", "code_b": "1", "source": HUGE},
            "The source filter is not valid.",
        ),
        ("history", {"code": "²"}, "There is no such code in this project."),
        ("history", {"source": "²"}, "There is no such source in this project."),
        ("history", {"code": HUGE}, "There is no such code in this project."),
        ("memo_list", {"code": HUGE}, "memo"),
        ("memo_list", {"source": HUGE}, "memo"),
        ("memo_list", {"author": HUGE}, "memo"),
        ("memo_list", {"interviewee": "²"}, "memo"),
        ("memo_list", {"code": "²", "source": "١٢"}, "memo"),
    ],
)
def test_out_of_range_and_non_ascii_ids_are_explained(
    project, code, client_for, name, params, message
):
    params = {k: (str(code.pk) if v == "1" else v) for k, v in params.items()}
    response = client_for("viewer").get(reverse(f"coding:{name}", args=[project.pk]), params)
    assert response.status_code == 200
    assert message in response.content.decode()


@pytest.mark.parametrize(
    ("field", "value"),
    [("coders", HUGE), ("codes", HUGE), ("sources", HUGE), ("sources", "²"), ("codes", "²")],
)
@pytest.mark.parametrize("name", ["figures", "review"])
def test_agreement_settings_with_bad_ids_are_explained(
    project, code, coding, users, client_for, name, field, value
):
    params = {
        "source_scope": "chosen" if field == "sources" else "all",
        "coders": [str(users["admin"].pk), str(users["coder"].pk)],
        "codes": [str(code.pk)],
        "unit": "sentence",
        "min_overlap": "90",
        "seen": "coded",
    }
    params[field] = [*params.get(field, []), value]
    response = client_for("lead").get(reverse(f"agreement:{name}", args=[project.pk]), params)
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_agreement_export_with_huge_coder_id_is_refused(project, code, users, client_for):
    params = {
        "source_scope": "all",
        "coders": [str(users["admin"].pk), HUGE],
        "codes": [str(code.pk)],
        "unit": "sentence",
        "min_overlap": "90",
        "seen": "coded",
    }
    url = reverse("agreement:export", args=[project.pk, "csv"])
    response = client_for("lead").get(url, params)
    assert response.status_code in (302, 400)


@pytest.mark.parametrize(
    ("name", "params", "message"),
    [
        (
            "retrieval",
            {"code": "1", "attr_key": "country", "attr_value": "Bel\x00arus"},
            "A filter value cannot hold NUL characters.",
        ),
        (
            "query",
            {"operator": "and", "code_a": "1", "code_b": "1", "attr_key": "country"}
            | {"attr_value": "a\x00"},
            "A filter value cannot hold NUL characters.",
        ),
        ("memo_list", {"q": "a\x00b"}, "No memos"),
    ],
)
def test_nul_characters_in_filters_are_explained(project, code, client_for, name, params, message):
    """PostgreSQL refuses NUL in text: such a value must not reach a query."""
    params = {k: (str(code.pk) if v == "1" else v) for k, v in params.items()}
    response = client_for("lead").get(reverse(f"coding:{name}", args=[project.pk]), params)
    assert response.status_code == 200
    assert message in response.content.decode()
