"""An ORM query compiled once gives, for every set of values, what the ORM gives."""

from django.db.models import Count, F, OuterRef, Subquery

from interviews.compiled import Compiled
from interviews.models import Membership, Project, Source


def _query(*, project, user):
    rows = Project.objects.filter(pk=project).order_by()
    role = Membership.objects.filter(project_id=OuterRef("pk"), user_id=user).values("role")
    return rows.annotate(
        role=Subquery(role[:1]), sources_n=Count("sources"), title_of=F("name")
    ).values_list("role", "guid", "sources_n", "name", "title_of")


def test_a_compiled_query_answers_as_the_orm_for_each_set_of_values(project, other_project, users):
    compiled = Compiled(_query, ("project", "user"))
    cases = [
        (project.pk, users["coder"].pk),
        (project.pk, users["viewer"].pk),
        (other_project.pk, users["coder"].pk),
        (other_project.pk, other_project.created_by_id),
    ]
    for project_pk, user_pk in cases:
        expected = list(_query(project=project_pk, user=user_pk))[0]
        assert compiled.row("default", project=project_pk, user=user_pk) == list(expected)
    # the guid arrives converted, as the ORM gives it, on every database
    row = compiled.row("default", project=project.pk, user=users["coder"].pk)
    assert row[:2] == ["coder", project.guid]
    assert row[2] == Source.objects.filter(project=project).count()


def test_a_compiled_query_without_a_row_answers_none(project, users):
    compiled = Compiled(_query, ("project", "user"))
    assert compiled.row("default", project=project.pk + 1000, user=users["coder"].pk) is None


def _sources(*, project):
    return Source.objects.filter(project_id=project).order_by("pk").values_list("pk", "title")


def test_a_compiled_query_gives_every_row_in_order(project, other_project):
    compiled = Compiled(_sources, ("project",))
    for one in (project, other_project):
        assert compiled.rows("default", project=one.pk) == [
            list(r) for r in _sources(project=one.pk)
        ]
    assert compiled.rows("default", project=other_project.pk + 1000) == []


def test_ids_no_key_can_hold_find_no_project(client_for):
    client = client_for("coder")
    assert client.get("/projects/99999999999999999999/").status_code == 404
    assert client.get("/projects/9223372036854775808/sources/").status_code == 404


def _named_since(*, project, title, since):
    return (
        Source.objects.filter(project_id=project, title=title, created_at__gte=since)
        .order_by("pk")
        .values_list("pk", "created_at")
    )


def test_slots_of_text_and_time_answer_as_the_orm(project):
    from datetime import datetime, timedelta

    from django.utils import timezone

    first = Source.objects.create(project=project, title="Minsk", text="One.")
    second = Source.objects.create(project=project, title="Harbin 观众", text="Two.")
    compiled = Compiled(
        _named_since, ("project", "title", "since"), kinds={"title": str, "since": datetime}
    )
    now = timezone.now()
    cases = [
        ("Minsk", first.created_at),
        ("Minsk", first.created_at + timedelta(microseconds=1)),
        ("Harbin 观众", now - timedelta(days=1)),
        ("Harbin 观众", now + timedelta(days=1)),
        ("", now - timedelta(days=1)),
        ("\x1fcompiled slot 1\x1f", now - timedelta(days=1)),
    ]
    for title, since in cases:
        expected = [list(r) for r in _named_since(project=project.pk, title=title, since=since)]
        assert compiled.rows("default", project=project.pk, title=title, since=since) == expected
    assert compiled.rows(
        "default", project=project.pk, title="Harbin 观众", since=second.created_at
    ) == [[second.pk, second.created_at]]
