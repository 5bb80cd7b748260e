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
