"""Erasing an interviewee: a page shows what will go; then the person, their sources,
codings, memos, entities, consent form and uploaded originals are gone, no row anywhere
names them, and the history keeps a record without personal data."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, models
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coding.models import Change, ChangeAction, Code, Coding, Memo
from interviews.consent import consent_form_attach
from interviews.models import Interviewee, Job, NamedEntity, Segment, Source
from interviews.services import source_create
from tests.interviews.import_files import make_pdf

NAME = "Alesia Secretname"
CONTACT = "alesia.secret@example.org"


@pytest.fixture
def person(project, interviewee, source, coding, code, users):
    """The `interviewee` fixture (Alesia Secretname, BY-01) with everything a study gathers
    about a person, and a second interviewee who must stay as they are."""
    assert interviewee.real_name == NAME and interviewee.contact == CONTACT
    source.original_file.save("Alesia Secretname interview.txt", ContentFile(b"x"), save=True)
    consent_form_attach(
        interviewee=interviewee,
        upload=SimpleUploadedFile("form.pdf", make_pdf([["I agree to take part."]])),
    )
    Memo.objects.create(
        project=project, author=users["admin"], text="Met her.", interviewee=interviewee
    )
    Memo.objects.create(project=project, author=users["coder"], text="Long.", source=source)
    Memo.objects.create(project=project, author=users["coder"], text="Typical.", coding=coding)
    mention = Memo.objects.create(
        project=project,
        author=users["lead"],
        title="Plan",
        text=f"Ask {NAME} and Ms Secretname again; keep BY-02 too.",
    )
    NamedEntity.objects.create(source=source, start=0, end=5, label="PERSON", text="Inter")
    other_person = Interviewee.objects.create(
        project=project, pseudonym="BY-02", real_name="Kept Person"
    )
    group = source_create(
        project=project,
        title="Focus group",
        text=f"{NAME}: I agree.\n\nKept Person: So do I.",
        interviewees=[other_person],
        speaker_map={NAME: interviewee, "Kept Person": other_person},
    )
    NamedEntity.objects.create(source=group, start=0, end=len(NAME), label="PERSON", text=NAME)
    Coding.objects.create(source=group, code=code, coder=users["coder"], start=0, end=len(NAME) + 9)
    Job.objects.create(
        project=project,
        user=users["admin"],
        kind="import",
        title="Import of 2 files",
        messages=[{"level": "info", "text": f"{NAME} interview.docx: stored"}],
    )
    return {"interviewee": interviewee, "source": source, "group": group, "mention": mention}


@pytest.fixture
def rules(project, person, code, users):
    """Coding help's rules naming her, her speaker label or her pseudonym, with a suggestion
    accepted in a source of someone else, whose coding and history carry the rule's name."""
    from coding.suggestion_models import AutocodeRule, Suggestion, SuggestionOrigin
    from coding.suggestion_services import suggestion_accept

    kept = Interviewee.objects.get(pseudonym="BY-02")
    theirs = source_create(
        project=project,
        title="Interview BY-02",
        text="Kept Person: The festival funding came late.",
        interviewees=[kept],
        speaker_map={"Kept Person": kept},
    )
    made = {
        name: AutocodeRule.objects.create(project=project, code=code, name=name, **fields)
        for name, fields in {
            f"Funding as {NAME} put it": {
                "keywords": "funding\nSecretname",
                "patterns": "Ms\\.?\\s*Secretname\nfestival",
                "speakers": ["BY-02", NAME],
            },
            "Her turns": {"speakers": ["BY-01"]},
            "By her name": {"keywords": "Alesia Secretname\nAlesia"},
            "Her interview": {"keywords": "money"},
            "Everyone agrees": {"keywords": "agree", "speakers": [NAME, "Kept Person"]},
        }.items()
    }
    made["Her interview"].sources.set([person["source"]])
    named = made[f"Funding as {NAME} put it"]
    start = theirs.text.index("festival funding")
    suggestions = [
        Suggestion.objects.create(
            project=project,
            source=theirs,
            code=code,
            start=start + offset,
            end=start + offset + 8,
            origin=SuggestionOrigin.RULE,
            rule=named,
            origin_label=named.origin_label,
        )
        for offset in (0, 9)
    ]
    coding = suggestion_accept(suggestion=suggestions[0], user=users["coder"])
    Suggestion.objects.create(
        project=project,
        source=theirs,
        code=code,
        start=0,
        end=4,
        origin=SuggestionOrigin.RULE,
        rule=made["Her turns"],
        origin_label=made["Her turns"].origin_label,
    )
    # A rule named after her, deleted before: its accepted suggestion's coding keeps its name.
    earlier = AutocodeRule.objects.create(
        project=project, code=code, name="Secretname's words", keywords="late"
    )
    late = theirs.text.index("late")
    old = Suggestion.objects.create(
        project=project,
        source=theirs,
        code=code,
        start=late,
        end=late + 4,
        origin=SuggestionOrigin.RULE,
        rule=earlier,
        origin_label=earlier.origin_label,
    )
    earlier_coding = suggestion_accept(suggestion=old, user=users["lead"])
    earlier.delete()
    return {
        "source": theirs,
        "named": named,
        "coding": coding,
        "earlier_coding": earlier_coding,
        "pending": suggestions[1],
    }


def _url(project, interviewee):
    return reverse("coding:interviewee_erase", args=[project.pk, interviewee.pk])


def rows_naming(words: list[str]) -> list[str]:
    """Every row of every table whose text, JSON or file name holds one of `words`."""
    found = []
    for model in apps.get_models():
        fields = [
            f
            for f in model._meta.concrete_fields
            if isinstance(
                f,
                models.CharField
                | models.TextField
                | models.JSONField
                | models.FileField
                | models.BinaryField,
            )
        ]
        if not fields:
            continue
        for row in model.objects.values_list(*(f.attname for f in fields)):
            text = " ".join(
                bytes(value).decode("utf-8", "replace")
                if isinstance(value, bytes | memoryview)
                else str(value)
                for value in row
                if value
            )
            found += [
                f"{model._meta.label}: {word}" for word in words if word.lower() in text.lower()
            ]
    return found


def test_the_page_shows_what_will_go(client_for, project, person):
    page = client_for("admin").get(_url(project, person["interviewee"])).content.decode()
    assert "Erase BY-01 (Alesia Secretname)" in page
    assert "<strong>2 sources</strong>" in page and "Interview BY-01" in page
    # She speaks in the focus group, linked to BY-02 only: it goes, and the page says whose
    # words go with it.
    assert "Focus group — <strong>also</strong> BY-02, whose words in it go too" in page
    assert "<strong>2 codings</strong>" in page
    assert "<strong>3 memos</strong>" in page
    assert "<strong>2 named entities</strong>" in page
    assert "struck (replaced by “[erased]”) from 1 other memo" in page
    assert Interviewee.objects.filter(pk=person["interviewee"].pk).exists()


def test_the_page_reads_no_source_text(client_for, project, person):
    """The plan names the sources by title: it reads none of their texts."""
    with CaptureQueriesContext(connection) as queries:
        page = client_for("admin").get(_url(project, person["interviewee"]))
    assert "Interview BY-01" in page.content.decode()
    reads = [q["sql"] for q in queries.captured_queries if 'FROM "interviews_source"' in q["sql"]]
    assert reads
    assert not [sql for sql in reads if '"interviews_source"."text"' in sql]


@pytest.mark.parametrize("role", ["lead", "coder", "viewer"])
def test_only_an_admin_may_erase(client_for, project, person, role):
    client = client_for(role)
    url = _url(project, person["interviewee"])
    assert client.get(url).status_code == 403
    assert client.post(url, {"confirm": "BY-01"}).status_code == 403
    assert Interviewee.objects.filter(pk=person["interviewee"].pk).exists()


def test_without_the_pseudonym_typed_nothing_is_erased(client_for, project, person):
    response = client_for("admin").post(
        _url(project, person["interviewee"]), {"confirm": "yes"}, follow=True
    )
    assert "Type BY-01 to confirm; nothing was erased." in response.content.decode()
    assert Interviewee.objects.filter(pk=person["interviewee"].pk).exists()
    assert Coding.objects.filter(source=person["source"]).count() == 1


def test_erasing_leaves_no_row_that_names_the_person(
    client_for, project, person, rules, users, django_capture_on_commit_callbacks
):
    from coding.suggestion_models import AutocodeRule, Suggestion

    interviewee, source = person["interviewee"], person["source"]
    files = [source.original_file.name, interviewee.consent_form.name]
    assert all(default_storage.exists(name) for name in files)
    words = [NAME, "Secretname", "Alesia", CONTACT]
    assert rows_naming(words)  # the check finds the person before
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for("admin").post(_url(project, interviewee), {"confirm": "BY-01"})
    assert response.status_code == 302
    assert not Interviewee.objects.filter(pk=interviewee.pk).exists()
    assert not Source.objects.filter(pk=source.pk).exists()
    assert not Coding.objects.filter(source_id=source.pk).exists()
    assert Memo.objects.filter(project=project).count() == 1  # the lead's plan, struck
    person["mention"].refresh_from_db()
    assert person["mention"].text == "Ask [erased] and Ms [erased] again; keep BY-02 too."
    assert not any(default_storage.exists(name) for name in files)
    assert rows_naming(words) == []
    # The other interviewee stays; the focus group she spoke in went.
    assert Interviewee.objects.filter(pseudonym="BY-02").exists()
    assert not Source.objects.filter(pk=person["group"].pk).exists()
    assert not NamedEntity.objects.exists()
    assert not Segment.objects.exclude(source=rules["source"]).exists()
    # Coding help's rules: those that read only her, or looked only for her name, are gone;
    # the others keep what does not name her, and the one named after her is renamed.
    named = rules["named"]
    assert list(
        AutocodeRule.objects.order_by("pk").values_list("name", "keywords", "patterns", "speakers")
    ) == [
        (f"Rule {named.pk}", "funding", "festival", ["BY-02"]),
        ("Everyone agrees", "agree", "", ["Kept Person"]),
    ]
    assert list(Suggestion.objects.order_by("pk").values_list("origin_label", "status")) == [
        (f"rule “Rule {named.pk}”", "accepted"),
        (f"rule “Rule {named.pk}”", "pending"),
        ("rule “[erased]'s words”", "accepted"),
    ]
    rules["earlier_coding"].refresh_from_db()
    assert rules["earlier_coding"].origin == "rule “[erased]'s words”"
    rules["coding"].refresh_from_db()
    assert rules["coding"].origin == f"rule “Rule {named.pk}”"
    created = Change.objects.get(object_guid=rules["coding"].guid)
    assert created.after["origin"] == f"rule “Rule {named.pk}”"
    # The history: one entry, without a name, pseudonym or guid of the person.
    record = Change.objects.get(action=ChangeAction.ERASE)
    assert record.user == users["admin"] and record.object_type == "interviewee"
    assert record.after == {
        "summary": "An interviewee, with 2 sources, 2 codings, 3 memos, 2 named entities"
    }
    assert record.object_guid != interviewee.guid
    history = client_for("lead").get(reverse("coding:history", args=[project.pk])).content.decode()
    assert "Erased interviewee" in history and "BY-01" not in history
    assert Code.objects.filter(project=project).count() == 2


def test_the_page_names_the_rules_of_coding_help_that_change(client_for, project, person, rules):
    page = client_for("admin").get(_url(project, person["interviewee"])).content.decode()
    assert (
        "Coding help's rules that name them or read only their words: <strong>3 rules</strong> "
        "deleted with their pending suggestions; <strong>2 rules</strong> keep only what does "
        "not name them."
    ) in page


def test_erasing_from_another_project_is_not_found(client_for, project, other_project):
    stranger = other_project.interviewees.get()
    response = client_for("admin").post(
        reverse("coding:interviewee_erase", args=[project.pk, stranger.pk]), {"confirm": "X-01"}
    )
    assert response.status_code == 404
    assert Interviewee.objects.filter(pk=stranger.pk).exists()


def test_erasing_makes_coding_help_forget_the_words_it_learned_from_the_person(
    client_for, project, interviewee, users, django_capture_on_commit_callbacks
):
    from coding.services import coding_create
    from coding.suggestion_models import ModelStatus, SuggestionModel
    from coding.suggestions import FORGOTTEN, model_start, model_train

    code = Code.objects.create(project=project, name="Funding")
    funding = "The state film fund pays for our films."
    for index in range(4):
        # Her interview holds her name and a word no other source has.
        said = f"{NAME} speaks of Zhyvitsa." if index == 0 else f"Session {index} ended."
        text = " ".join([funding, said, "The weather was fine that day."] * 3)
        source = source_create(
            project=project,
            title=f"S{index}",
            text=text,
            interviewees=[interviewee] if index == 0 else [],
        )
        at = -1
        while (at := text.find(funding, at + 1)) >= 0:
            coding_create(
                source=source, code=code, coder=users["coder"], start=at, end=at + len(funding)
            )
    settings = {"label_source": "all", "min_f1": 0.5, "min_examples": 3, "seed": 1}
    model = model_train(model_start(project=project, user=users["lead"], **settings), epochs=2)
    assert model.status == ModelStatus.READY
    assert b"Zhyvitsa" in bytes(model.data) and b"Secretname" in bytes(model.data)
    page = client_for("admin").get(_url(project, interviewee)).content.decode()
    assert "<strong>1 trained version</strong> of the classifier forgets it" in page

    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client_for("admin").post(_url(project, interviewee), {"confirm": "BY-01"})
    assert response.status_code == 302
    model.refresh_from_db()
    assert (model.data, model.status, model.error) == (None, ModelStatus.FAILED, FORGOTTEN)
    assert not model.suggestions.filter(status="pending").exists()
    assert rows_naming([NAME, "Secretname", "Alesia", "Zhyvitsa"]) == []
    # Once committed, the version whose suggestions were shown is trained again (here at
    # once: the tests' task backend runs a job as it is queued), without her words.
    for callback in queued:
        callback()
    again = SuggestionModel.objects.get(project=project, version=2)
    assert again.status == ModelStatus.READY and again.min_examples == 3
    assert Job.objects.filter(project=project, kind="train_suggestions").count() == 1
    assert b"weather" in bytes(again.data)  # it learned, from the other sources
    assert rows_naming([NAME, "Secretname", "Alesia", "Zhyvitsa"]) == []


def test_a_regular_expression_that_spells_her_name_another_way_goes_one_that_fits_any_stays(
    project, interviewee, code
):
    from coding.erasure import erasure_plan
    from coding.suggestion_models import AutocodeRule

    spelled = [
        "Ales[iy]a",  # a character class
        "Secr?etname",  # an optional letter
        "a[l]esia\\W+s\\w*name",  # her whole name, any case, any spacing
        "(?:Mrs?|Ms)\\.?\\s+S[e]cretname",
        "Алеся|Ales(?:ia|ya)",  # one of her names among others
        "Ms[^a-z]+S[e]cretname",  # a negated class before it
    ]
    anyone = [
        "[A-Z]\\w+",  # any capitalised word: every name, hers too
        "\\w+ \\w+",
        "Secr",  # the start of a word only: also of "secret", "secretary"
        "[a-z]{6}",
        "festival",
        "Алеся",  # another alphabet: not her name as written
        "\\d{3}-\\d{4}",
        "(?:\\w+\\s){3}",
    ]
    rule = AutocodeRule.objects.create(
        project=project, code=code, name="Shapes", patterns="\n".join(spelled + anyone)
    )
    plan = erasure_plan(interviewee)
    [change] = [c for c in plan.rules if c.rule.pk == rule.pk]
    assert (change.delete, change.rule.pattern_list) == (False, anyone)
