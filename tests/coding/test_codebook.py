"""The codebook editor: no coding is lost when codes are merged, moved or deleted."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from coding import codebook_services as svc
from coding import restore
from coding.models import Change, Code, Coding, Memo
from interviews.models import Source


def spans(code: Code | None = None, **filters) -> list[tuple]:
    """Every coding as (source title, code name, coder, start, end), sorted."""
    qs = Coding.objects.all() if code is None else Coding.objects.filter(code=code)
    return sorted(
        qs.filter(**filters).values_list(
            "source__title", "code__name", "coder__username", "start", "end"
        )
    )


@pytest.fixture
def book(project, users):
    """Finance (Money, Tax) and Support; codings by coder and lead on two sources."""
    s1 = Source.objects.create(project=project, title="S1", text="a" * 100)
    s2 = Source.objects.create(project=project, title="S2", text="b" * 100)
    finance = Code.objects.create(project=project, name="Finance", order=0)
    money = Code.objects.create(project=project, name="Money", parent=finance, order=0)
    tax = Code.objects.create(project=project, name="Tax", parent=finance, order=1)
    support = Code.objects.create(project=project, name="Support", order=1)
    coder, lead = users["coder"], users["lead"]
    rows = [
        (s1, money, coder, 0, 10),
        (s1, money, lead, 0, 10),
        (s1, money, coder, 20, 30),
        (s2, money, coder, 5, 15),
        (s1, tax, coder, 0, 10),  # same span and coder as a Money coding
        (s1, tax, coder, 40, 50),
        (s2, support, lead, 60, 70),
        (s1, finance, lead, 90, 95),
    ]
    for source, code, who, start, end in rows:
        Coding.objects.create(source=source, code=code, coder=who, start=start, end=end)
    memo_coding = Coding.objects.get(code=tax, start=0)
    Memo.objects.create(project=project, author=coder, coding=memo_coding, text="Tax memo")
    Memo.objects.create(project=project, author=lead, code=tax, text="About tax")
    return {"s1": s1, "s2": s2, "finance": finance, "money": money, "tax": tax, "support": support}


# Merge -----------------------------------------------------------------------------------


def test_merge_moves_every_coding_and_joins_exact_duplicates(book, users):
    money, tax = book["money"], book["tax"]
    assert Coding.objects.count() == 8
    report = svc.code_merge(code=tax, into=money, user=users["lead"])
    assert (report.moved, report.collapsed) == (1, 1)
    assert Coding.objects.count() == 7
    assert spans(money) == [
        ("S1", "Money", "coder", 0, 10),
        ("S1", "Money", "coder", 20, 30),
        ("S1", "Money", "coder", 40, 50),
        ("S1", "Money", "lead", 0, 10),
        ("S2", "Money", "coder", 5, 15),
    ]
    assert not Code.objects.filter(pk=tax.pk).exists()
    # The memo of the joined duplicate now sits on the surviving coding; the code memo moved.
    survivor = Coding.objects.get(code=money, coder=users["coder"], start=0, end=10)
    assert list(survivor.memos.values_list("text", flat=True)) == ["Tax memo"]
    assert list(Memo.objects.filter(code=money).values_list("text", flat=True)) == ["About tax"]


def test_merge_records_history_for_the_code_and_each_coding(book, users):
    tax_guid = book["tax"].guid
    svc.code_merge(code=book["tax"], into=book["money"], user=users["lead"])
    merge = Change.objects.get(object_guid=tax_guid)
    assert merge.action == "merge" and merge.user == users["lead"]
    assert merge.before["path"] == "Finance/Tax"
    assert merge.after == {
        "merged_into": str(book["money"].guid),
        "path": "Finance/Money",
        "codings_moved": 1,
        "codings_collapsed": 1,
    }
    coding_changes = Change.objects.filter(object_type="coding")
    assert sorted(coding_changes.values_list("action", flat=True)) == ["merge", "move"]
    moved = coding_changes.get(action="move")
    assert (moved.before["code_path"], moved.after["code_path"]) == ("Finance/Tax", "Finance/Money")
    assert moved.source == book["s1"]


def test_merge_takes_sub_codes_along(book, users):
    before = spans()
    svc.code_merge(code=book["finance"], into=book["support"], user=users["lead"])
    support = book["support"]
    assert sorted(support.children.values_list("name", flat=True)) == ["Money", "Tax"]
    assert Coding.objects.count() == 8
    # Only the codings of Finance itself changed code; every span is still there.
    expected = sorted((t, "Support" if c == "Finance" else c, u, s, e) for t, c, u, s, e in before)
    assert spans() == expected
    assert spans(support) == [("S1", "Support", "lead", 90, 95), ("S2", "Support", "lead", 60, 70)]


def test_merging_a_code_into_itself_is_refused(book, users):
    before = spans()
    with pytest.raises(ValidationError, match="cannot be merged into itself"):
        svc.code_merge(code=book["tax"], into=book["tax"], user=users["lead"])
    assert spans() == before
    assert Change.objects.count() == 0


def test_merging_into_its_own_sub_code_is_refused(book, users):
    before = spans()
    with pytest.raises(ValidationError, match="own sub-code"):
        svc.code_merge(code=book["finance"], into=book["money"], user=users["lead"])
    assert spans() == before


def test_merging_with_clashing_sub_code_names_changes_nothing(book, users, project):
    Code.objects.create(project=project, name="tax", parent=book["support"])
    before = spans()
    with pytest.raises(ValidationError, match="Rename or merge them first"):
        svc.code_merge(code=book["finance"], into=book["support"], user=users["lead"])
    assert spans() == before
    assert Code.objects.get(name="Money").parent == book["finance"]


# Move and reorder ------------------------------------------------------------------------


def test_move_keeps_every_coding(book, users):
    before = spans()
    svc.code_move(code=book["tax"], parent=book["support"], user=users["lead"])
    book["tax"].refresh_from_db()
    assert book["tax"].full_path == "Support/Tax"
    assert spans() == before
    change = Change.objects.get(object_guid=book["tax"].guid)
    assert (change.action, change.before["path"], change.after["path"]) == (
        "move",
        "Finance/Tax",
        "Support/Tax",
    )


def test_move_to_the_top_level(book, users):
    svc.code_move(code=book["money"], parent=None, user=users["lead"])
    assert Code.objects.get(pk=book["money"].pk).parent is None


def test_moving_a_code_under_its_own_descendant_is_refused(book, users):
    before = spans()
    with pytest.raises(ValidationError, match="under itself or one of its own sub-codes"):
        svc.code_move(code=book["finance"], parent=book["money"], user=users["lead"])
    assert Code.objects.get(pk=book["finance"].pk).parent is None
    assert spans() == before
    assert Change.objects.count() == 0


def test_moving_next_to_a_sibling_of_the_same_name_is_refused(book, users, project):
    Code.objects.create(project=project, name="TAX", parent=book["support"])
    with pytest.raises(ValidationError, match="already a code called “Tax” under “Support”"):
        svc.code_move(code=book["tax"], parent=book["support"], user=users["lead"])
    assert Code.objects.get(pk=book["tax"].pk).parent == book["finance"]


def test_reorder_swaps_siblings(book, users):
    svc.code_reorder(code=book["tax"], direction="up", user=users["lead"])
    children = list(book["finance"].children.order_by("order").values_list("name", flat=True))
    assert children == ["Tax", "Money"]
    svc.code_reorder(code=book["tax"], direction="up", user=users["lead"])  # already first
    children = list(book["finance"].children.order_by("order").values_list("name", flat=True))
    assert children == ["Tax", "Money"]


# Create and edit -------------------------------------------------------------------------


def test_create_and_rename_and_recolour(project, users):
    code = svc.code_create(project=project, user=users["lead"], name=" Culture ", colour="#123456")
    assert code.name == "Culture"
    svc.code_update(code=code, user=users["lead"], name="Cultural policy", colour="#abcdef")
    code.refresh_from_db()
    assert (code.name, code.colour) == ("Cultural policy", "#abcdef")
    actions = list(Change.objects.filter(object_guid=code.guid).values_list("action", flat=True))
    assert sorted(actions) == ["create", "update"]


def test_duplicate_names_among_siblings_are_refused(book, users, project):
    with pytest.raises(ValidationError, match="already a code called “money” under “Finance”"):
        svc.code_create(project=project, user=users["lead"], name="money", parent=book["finance"])
    with pytest.raises(ValidationError, match="already a code called “Money”"):
        svc.code_update(code=book["tax"], user=users["lead"], name="Money")
    assert Code.objects.filter(name__iexact="money").count() == 1
    assert Code.objects.get(pk=book["tax"].pk).name == "Tax"
    # The same name under another parent is fine.
    svc.code_create(project=project, user=users["lead"], name="Money", parent=book["support"])


def test_an_unknown_colour_is_refused(project, users):
    with pytest.raises(ValidationError):
        svc.code_create(project=project, user=users["lead"], name="X", colour="bluish")
    assert not Code.objects.filter(name="X").exists()


# Delete ----------------------------------------------------------------------------------


def test_delete_moving_codings_to_the_parent(book, users):
    message = svc.code_delete(code=book["tax"], codings="parent", user=users["lead"])
    assert message == "Deleted “Tax”; 2 codings moved to “Finance”."
    assert spans(book["finance"]) == [
        ("S1", "Finance", "coder", 0, 10),
        ("S1", "Finance", "coder", 40, 50),
        ("S1", "Finance", "lead", 90, 95),
    ]
    assert Coding.objects.count() == 8
    assert Memo.objects.get(text="Tax memo").coding.code == book["finance"]


def test_delete_with_its_codings(book, users):
    svc.code_delete(code=book["tax"], codings="delete", user=users["lead"])
    assert Coding.objects.count() == 6
    assert spans(code=None, code__name="Tax") == []
    assert not Memo.objects.filter(text__in=["Tax memo", "About tax"]).exists()
    deleted = Change.objects.filter(object_type="coding", action="delete")
    assert sorted((c.before["start"], c.before["end"]) for c in deleted) == [(0, 10), (40, 50)]


def test_delete_lifts_sub_codes_to_the_parent(book, users):
    svc.code_delete(code=book["finance"], codings="delete", user=users["lead"])
    assert Code.objects.get(name="Money").parent is None
    assert Code.objects.get(name="Tax").parent is None
    assert Coding.objects.count() == 7


def test_a_top_level_code_cannot_give_its_codings_to_a_parent(book, users):
    before = spans()
    with pytest.raises(ValidationError, match="top-level code"):
        svc.code_delete(code=book["support"], codings="parent", user=users["lead"])
    assert spans() == before
    assert Code.objects.filter(pk=book["support"].pk).exists()


def test_delete_needs_an_explicit_choice(book, users):
    with pytest.raises(ValidationError, match="Choose what happens"):
        svc.code_delete(code=book["tax"], codings="", user=users["lead"])
    assert Coding.objects.count() == 8


def test_impact_counts_what_a_delete_affects(book):
    impact = svc.code_delete_impact(book["money"])
    assert (impact.codings, impact.subcodes, impact.memos, impact.coders) == (4, 0, 0, 2)
    impact = svc.code_delete_impact(book["tax"])
    assert (impact.codings, impact.memos) == (2, 2)


# Restore ---------------------------------------------------------------------------------


def test_a_deleted_code_comes_back_with_its_codings_and_memos(book, users):
    before = spans()
    guid = book["tax"].guid
    svc.code_delete(code=book["tax"], codings="delete", user=users["lead"])
    change = Change.objects.get(object_guid=guid, action="delete")
    code, restored = restore.code_restore(change=change, user=users["lead"])
    assert code.guid == guid and code.full_path == "Finance/Tax"
    assert restored == 2
    assert spans() == before
    assert set(Memo.objects.values_list("text", flat=True)) == {"Tax memo", "About tax"}
    assert Memo.objects.get(text="Tax memo").coding.start == 0
    assert not restore.restorable(change)
    with pytest.raises(ValidationError, match="cannot be restored"):
        restore.code_restore(change=change, user=users["lead"])


def test_a_deleted_coding_comes_back(book, users, project):
    from coding.services import coding_snapshot

    coding = Coding.objects.get(code=book["support"])
    from coding.services import change_record

    change = change_record(
        project=project,
        user=users["lead"],
        action="delete",
        obj=coding,
        before=coding_snapshot(coding),
        after=None,
    )
    guid = coding.guid
    coding.delete()
    restored = restore.coding_restore(change=change, user=users["lead"])
    assert (restored.guid, restored.start, restored.end) == (guid, 60, 70)
    assert restored.coder == users["lead"]


def test_restoring_a_coding_of_a_missing_code_says_so(book, users):
    svc.code_delete(code=book["tax"], codings="delete", user=users["lead"])
    change = Change.objects.filter(object_type="coding", action="delete").first()
    with pytest.raises(ValidationError, match="restore it first"):
        restore.coding_restore(change=change, user=users["lead"])


# Pages -----------------------------------------------------------------------------------


def test_the_codebook_page_lists_the_tree(book, client_for):
    body = (
        client_for("viewer")
        .get(reverse("coding:codebook", args=[book["s1"].project_id]))
        .content.decode()
    )
    assert body.index("Finance") < body.index("Money") < body.index("Tax") < body.index("Support")
    assert "New code" not in body


def test_a_lead_reaches_the_new_code_form_from_the_top_of_the_codebook(book, client_for):
    body = (
        client_for("lead")
        .get(reverse("coding:codebook", args=[book["s1"].project_id]))
        .content.decode()
    )
    # The button above the table leads to the form below it, however long the codebook.
    assert body.index('href="#new-code">New code</a>') < body.index("<table")
    assert body.index('id="new-code"') > body.index("</table>")


@pytest.mark.parametrize("role", ["coder", "viewer"])
def test_only_leads_and_admins_change_the_codebook(book, client_for, project, role):
    client = client_for(role)
    urls = [
        (reverse("coding:code_create", args=[project.pk]), {"name": "New"}),
        (
            reverse("coding:code_merge", args=[project.pk, book["tax"].pk]),
            {"into": book["money"].pk},
        ),
        (reverse("coding:code_move", args=[project.pk, book["tax"].pk]), {"parent": ""}),
        (reverse("coding:code_delete", args=[project.pk, book["tax"].pk]), {"codings": "delete"}),
        (
            reverse("coding:code_detail", args=[project.pk, book["tax"].pk]),
            {"name": "Renamed", "colour": "#000000"},
        ),
    ]
    for url, data in urls:
        assert client.post(url, data).status_code == 403
    assert Coding.objects.count() == 8
    assert sorted(Code.objects.values_list("name", flat=True)) == [
        "Finance",
        "Money",
        "Support",
        "Tax",
    ]


def test_outsiders_do_not_see_the_codebook(book, client_for, project):
    assert (
        client_for("outsider").get(reverse("coding:codebook", args=[project.pk])).status_code == 404
    )


def test_the_lead_merges_through_the_page_after_confirming(book, client_for, project):
    client = client_for("lead")
    url = reverse("coding:code_merge", args=[project.pk, book["tax"].pk])
    asked = client.post(url, {"into": book["money"].pk})
    assert asked.status_code == 200
    impact = re.sub(
        r"\s+",
        " ",
        re.sub(r"<[^>]+>", "", asked.content.decode().split('data-testid="merge-impact">')[1]),
    )
    assert impact.startswith(
        " 2 codings by 1 coder move to “Money”; 1 of them is an exact duplicate of a coding "
        "already there and joins it. 2 memos go with them. It has no sub-codes. "
        "Then “Tax” is removed; the history keeps the merge."
    )
    assert Coding.objects.filter(code=book["tax"]).count() == 2  # nothing moved yet
    response = client.post(url, {"into": book["money"].pk, "confirm": "1"})
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert "Merged “Tax” into “Finance/Money”: 1 coding moved, 1 exact duplicate joined." in page
    assert Coding.objects.filter(code=book["money"]).count() == 5


def test_the_merge_page_refuses_itself_with_a_message(book, client_for, project):
    client = client_for("lead")
    url = reverse("coding:code_merge", args=[project.pk, book["tax"].pk])
    response = client.post(url, {"into": book["tax"].pk}, follow=True)
    assert "A code cannot be merged into itself." in response.content.decode()
    assert Code.objects.filter(pk=book["tax"].pk).exists()


def test_merging_into_a_code_of_another_project_is_refused(
    book, client_for, project, other_project
):
    foreign = Code.objects.get(project=other_project)
    response = client_for("lead").post(
        reverse("coding:code_merge", args=[project.pk, book["tax"].pk]),
        {"into": foreign.pk},
        follow=True,
    )
    assert "Choose the code to merge into from this project" in response.content.decode()
    assert Coding.objects.filter(code=book["tax"]).count() == 2
    assert Coding.objects.filter(code=foreign).count() == 0


def test_the_move_page_refuses_a_descendant(book, client_for, project):
    response = client_for("lead").post(
        reverse("coding:code_move", args=[project.pk, book["finance"].pk]),
        {"parent": book["tax"].pk},
        follow=True,
    )
    assert "cannot be moved under itself or one of its own sub-codes" in response.content.decode()
    assert Code.objects.get(pk=book["finance"].pk).parent is None


def test_the_delete_page_shows_the_impact_before_deleting(book, client_for, project):
    url = reverse("coding:code_delete", args=[project.pk, book["money"].pk])
    body = client_for("lead").get(url).content.decode()
    assert "This code has <strong>4 codings</strong> by 2 coders" in body
    assert Code.objects.filter(pk=book["money"].pk).exists()
    response = client_for("lead").post(url, {})
    assert "Choose what happens" in response.content.decode()
    assert Coding.objects.filter(code=book["money"]).count() == 4
    response = client_for("lead").post(url, {"codings": "parent"})
    assert response.status_code == 302
    assert Coding.objects.filter(code=book["finance"]).count() == 5


def test_the_lead_renames_through_the_page(book, client_for, project):
    url = reverse("coding:code_detail", args=[project.pk, book["tax"].pk])
    data = {"name": "Taxes", "colour": "#ff0000", "definition": "Tax matters", "is_codable": "on"}
    assert client_for("lead").post(url, data).status_code == 302
    tax = Code.objects.get(pk=book["tax"].pk)
    assert (tax.name, tax.colour, tax.definition) == ("Taxes", "#ff0000", "Tax matters")
    bad = client_for("lead").post(url, {**data, "name": "Money"}, follow=True)
    assert "already a code called “Money”" in bad.content.decode()
    assert Code.objects.get(pk=book["tax"].pk).name == "Taxes"


def test_the_lead_restores_from_the_history_page(book, client_for, project, users):
    svc.code_delete(code=book["tax"], codings="delete", user=users["lead"])
    change = Change.objects.get(object_type="code", action="delete")
    page = client_for("lead").get(reverse("coding:history", args=[project.pk])).content.decode()
    assert reverse("coding:change_restore", args=[project.pk, change.pk]) in page
    assert (
        client_for("coder")
        .post(reverse("coding:change_restore", args=[project.pk, change.pk]))
        .status_code
        == 403
    )
    response = client_for("lead").post(
        reverse("coding:change_restore", args=[project.pk, change.pk]), follow=True
    )
    assert (
        "Restored the code “Finance/Tax” and 2 codings deleted with it."
        in response.content.decode()
    )
    assert Coding.objects.count() == 8


def test_templates_apply_to_an_existing_project(project, client_for):
    response = client_for("lead").post(
        reverse("coding:codebook_template", args=[project.pk]), {"template": "swot"}
    )
    assert response.status_code == 302
    assert Code.objects.filter(project=project, parent=None).count() == 4
    again = client_for("lead").post(
        reverse("coding:codebook_template", args=[project.pk]), {"template": "swot"}, follow=True
    )
    assert "Template applied: 0 codes added." in again.content.decode()


def test_the_code_page_shows_its_history_and_editing_only_to_leads(
    book, client_for, project, users
):
    svc.code_update(code=book["tax"], user=users["lead"], definition="Taxes and relief")
    url = reverse("coding:code_detail", args=[project.pk, book["tax"].pk])
    viewer = client_for("viewer").get(url).content.decode()
    assert "Taxes and relief" in viewer and "Changed code" in viewer
    assert "Merge into another code" not in viewer
    lead = client_for("lead").get(url).content.decode()
    assert "Merge into another code" in lead
    # A code cannot be moved or merged into itself or its sub-codes: they are not offered.
    finance = (
        client_for("lead")
        .get(reverse("coding:code_detail", args=[project.pk, book["finance"].pk]))
        .content.decode()
    )
    merge_options = finance.split('name="into"')[1].split("</select>")[0]
    assert "Finance/Money" not in merge_options and "Support" in merge_options


def test_a_coded_code_cannot_become_a_grouping_code(book, users):
    with pytest.raises(ValidationError, match="has 2 codings, so it cannot become a grouping code"):
        svc.code_update(code=book["tax"], user=users["lead"], is_codable=False)
    assert Code.objects.get(pk=book["tax"].pk).is_codable
    svc.code_update(code=book["support"], user=users["lead"], is_codable=True)


def test_the_merge_form_preselects_no_code(book, client_for, project):
    """An accidental click on Merge must not fold a code into whichever code is listed first."""
    url = reverse("coding:code_detail", args=[project.pk, book["support"].pk])
    page = client_for("lead").get(url).content.decode()
    merge_form = page.split('name="into"', 1)[1].split("</select>", 1)[0]
    first_option = merge_form.split("<option", 2)[1]
    assert 'value=""' in first_option and "Choose the code to merge into" in first_option
    assert 'name="into" aria-label="Merge into" required' in page


def test_merge_without_a_chosen_code_changes_nothing(book, client_for, project):
    before = spans()
    url = reverse("coding:code_merge", args=[project.pk, book["tax"].pk])
    response = client_for("lead").post(url, {"into": ""}, follow=True)
    assert "Choose the code to merge into." in response.content.decode()
    assert spans() == before and Code.objects.filter(pk=book["tax"].pk).exists()


def test_line_breaks_and_tabs_in_a_code_name_become_single_spaces(project, client_for):
    response = client_for("lead").post(
        reverse("coding:code_create", args=[project.pk]),
        {"name": " Money\r\n  and\ttax ", "colour": "#1565c0", "is_codable": "on"},
    )
    assert response.status_code == 302
    assert list(Code.objects.filter(project=project).values_list("name", flat=True)) == [
        "Money and tax"
    ]
