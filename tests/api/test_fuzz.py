"""Schemathesis against the API's own schema, on the demo project, as each role: no answer
is a server error, and every answer matches the schema (status, content type, body).

The number of examples per operation and role is PARLEY_FUZZ_EXAMPLES (default 3); the
count of requests made is printed."""

from __future__ import annotations

import io
import os

import pytest
import schemathesis
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.tokens import token_create
from coding.models import Code, Coding, Memo, SavedQuery
from coding.suggestion_models import Suggestion
from config.wsgi import application
from interviews.models import Attribute, Interviewee, Membership, Project, Source
from interviews.recordings.models import SyncPoint

EXAMPLES = int(os.environ.get("PARLEY_FUZZ_EXAMPLES", "3"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# The roles in an order that lets the readers see the data before the writers change it.
ROLES = ["viewer", "coder", "lead", "admin"]


def _known_ids(project: Project) -> dict[str, list[int]]:
    return {
        "source_pk": list(Source.objects.filter(project=project).values_list("pk", flat=True)[:5]),
        "coding_pk": list(
            Coding.objects.filter(source__project=project).values_list("pk", flat=True)[:5]
        ),
        "code_pk": list(Code.objects.filter(project=project).values_list("pk", flat=True)[:5]),
        "memo_pk": list(Memo.objects.filter(project=project).values_list("pk", flat=True)[:5]),
        "member_pk": list(
            Membership.objects.filter(project=project).values_list("pk", flat=True)[:5]
        ),
        "attribute_pk": list(
            Attribute.objects.filter(project=project).values_list("pk", flat=True)[:5]
        ),
        "interviewee_pk": list(
            Interviewee.objects.filter(project=project).values_list("pk", flat=True)[:5]
        ),
        "query_pk": list(
            SavedQuery.objects.filter(project=project).values_list("pk", flat=True)[:5]
        ),
        "suggestion_pk": list(
            Suggestion.objects.filter(source__project=project).values_list("pk", flat=True)[:5]
        ),
        "point_pk": list(
            SyncPoint.objects.filter(source__project=project).values_list("pk", flat=True)[:5]
        ),
    }


@pytest.mark.django_db(transaction=True)
def test_the_api_answers_every_generated_request_within_its_schema(capsys, settings_override):
    call_command("load_demo", stdout=io.StringIO())
    project = Project.objects.get(name__icontains="demo")
    users = {m.role: m.user for m in Membership.objects.filter(project=project)}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 40
    made: dict[str, int] = {}
    statuses: dict[int, int] = {}

    for role in ROLES:
        _token, raw = token_create(user=users[role], name=f"fuzz {role}")
        headers = {"Authorization": f"Bearer {raw}"}
        known = _known_ids(project)
        for operation in operations:
            _fuzz(operation, project, headers, known, made, statuses)()
    total = sum(made.values())
    with capsys.disabled():
        print(
            f"\nschemathesis: {total} generated requests over {len(made)} operations × "
            f"{len(ROLES)} roles (≤ {EXAMPLES} examples each); statuses: "
            + ", ".join(f"{code} × {n}" for code, n in sorted(statuses.items()))
        )
    assert len(made) == len(operations)
    assert 500 not in statuses


def _fuzz(operation, project, headers, known, made, statuses):
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def run(case):
        # Aim at the demo project and, for every other example, at ids that exist.
        if "pk" in case.path_parameters:
            case.path_parameters["pk"] = project.pk
        for name, ids in known.items():
            if name in case.path_parameters and ids and case.path_parameters[name] % 2:
                case.path_parameters[name] = ids[case.path_parameters[name] % len(ids)]
        response = case.call(headers=headers)
        made[operation.label] = made.get(operation.label, 0) + 1
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        case.validate_response(response, checks=CHECKS, headers=headers)

    return run


@pytest.fixture
def settings_override(settings):
    settings.PARLEY_API_TOKEN_RATE = None  # the fuzzer sends more than a person would
    settings.DEBUG = False
