"""The counts the interviews pages show come from the coding app's counter."""

from django.urls import reverse

from coding.counts import project_counts, source_coding_counts
from coding.models import Coding
from interviews import counts
from interviews.access import Access


def test_the_coding_app_registers_its_counter_with_interviews():
    assert counts._counter is not None
    assert counts._counter.per_source is source_coding_counts
    assert counts._counter.project is project_counts


def test_the_source_list_counts_what_each_member_may_see(
    client_for, project, source, coding, users
):
    project.blinded_coding = True
    project.save()
    Coding.objects.create(source=source, code=coding.code, coder=users["lead"], start=0, end=5)
    url = reverse("interviews:source_list", args=[project.pk])
    for role, seen in (("coder", 1), ("lead", 2), ("viewer", 0)):
        listed = client_for(role).get(url).context["sources"]
        assert [(s.pk, s.coding_count) for s in listed] == [(source.pk, seen)], role


def test_source_counts_leave_out_other_sources_and_projects(
    project, source, coding, users, other_project
):
    access = Access(project=project, role="admin", user=users["admin"])
    other_source = other_project.sources.get()
    stranger = other_project.memberships.get().user
    Coding.objects.create(
        source=other_source, code=other_project.codes.get(), coder=stranger, start=0, end=7
    )
    assert source_coding_counts(access, [source.pk, other_source.pk]) == {source.pk: 1}
    assert project_counts(access) == {"codes": project.codes.count(), "codings": 1}


def test_deleting_a_source_reports_how_many_codings_went_with_it(
    client_for, project, source, coding
):
    response = client_for("admin").post(
        reverse("interviews:source_delete", args=[project.pk, source.pk]), follow=True
    )
    assert "and its 1 codings deleted" in response.content.decode()
    assert not Coding.objects.exists()
