"""Export → import gives an identical project, compared object by object."""

import io
import zipfile

from lxml import etree

from coding.models import Code, Coding, Memo
from exchange.export import project_export, schema
from exchange.readers import read_archive
from exchange.storing import qdpx_import
from interviews.models import Interviewee, Membership, Role, Source


def roundtrip(project, user, **options):
    buffer = io.BytesIO()
    project_export(project=project, stream=buffer, **options)
    buffer.seek(0)
    return qdpx_import(archive=read_archive(buffer), user=user)


def codes(project):
    return sorted(
        (c.full_path, c.colour, c.definition, c.inclusion, c.exclusion, c.example, c.is_codable)
        for c in Code.objects.filter(project=project)
    )


def codings(project):
    return sorted(
        (c.source.title, c.code.full_path, c.coder.username, c.start, c.end, c.quote)
        for c in Coding.objects.filter(source__project=project).select_related(
            "source", "code", "coder"
        )
    )


def people(project, identities=False):
    """The interviewees an export carries: those who have not withdrawn consent."""
    rows = []
    for person in Interviewee.objects.filter(project=project).reportable():
        values = sorted(
            (v.attribute.name, v.attribute.type, v.value) for v in person.attribute_values.all()
        )
        fields = (person.organisation, person.sector, person.country, person.role)
        if identities:
            fields += (person.real_name, person.contact, person.consent_status, person.notes)
        sources = sorted(s.title for s in person.sources.all())
        rows.append((person.pseudonym, fields, values, sources))
    return sorted(rows)


def sources(project):
    rows = []
    for source in Source.objects.filter(project=project):
        values = sorted((v.attribute.name, v.value) for v in source.attribute_values.all())
        rows.append(
            (
                source.title,
                source.text,
                source.kind,
                source.language,
                source.date,
                source.interviewer,
                values,
            )
        )
    return sorted(rows, key=str)


def memos(project):
    def target(memo):
        obj = memo.target
        if memo.target_kind == "coding":
            return (obj.code.full_path, obj.start, obj.end)
        return str(obj) if memo.target_kind != "project" else "project"

    return sorted(
        (m.target_kind, target(m), m.title, m.text, m.author.username if m.author else None)
        for m in Memo.objects.filter(project=project)
    )


def attributes(project):
    return [
        (a.name, a.type, a.applies_to, a.choice_list, a.description)
        for a in project.attributes.all()
    ]


def test_export_then_import_gives_the_same_project(rich_project, users):
    imported, report = roundtrip(rich_project, users["admin"])
    assert imported.pk != rich_project.pk
    assert imported.name == rich_project.name
    assert imported.description == "A test study."
    assert codes(imported) == codes(rich_project)
    assert codings(imported) == codings(rich_project)
    assert len(codings(imported)) == 5
    assert people(imported) == people(rich_project)
    assert sources(imported) == sources(rich_project)
    assert attributes(imported) == attributes(rich_project)
    assert memos(imported) == memos(rich_project)
    assert len(memos(imported)) == 6
    assert report.not_carried == []
    assert report.warnings == []
    assert report.imported["codings"] == 5


def test_the_importer_becomes_admin_and_coders_are_the_same_users(rich_project, users):
    imported, _report = roundtrip(rich_project, users["viewer"])
    assert Membership.objects.get(project=imported, user=users["viewer"]).role == Role.ADMIN
    coders = set(
        Coding.objects.filter(source__project=imported).values_list("coder__username", flat=True)
    )
    assert coders == {"coder", "lead"}
    # Existing users are matched by guid but not given access.
    assert not Membership.objects.filter(project=imported, user=users["coder"]).exists()


def test_identities_travel_only_when_exported(rich_project, users):
    without, _ = roundtrip(rich_project, users["admin"])
    assert Interviewee.objects.get(project=without, pseudonym="BY-01").real_name == ""
    with_ids, _ = roundtrip(rich_project, users["admin"], include_identities=True)
    person = Interviewee.objects.get(project=with_ids, pseudonym="BY-01")
    assert (person.real_name, person.contact, person.consent_status) == (
        "Alesia Secretname",
        "alesia.secret@example.org",
        "given",
    )
    assert people(with_ids, identities=True) == people(rich_project, identities=True)


def test_a_second_import_of_an_imported_project_is_identical_too(rich_project, users):
    first, _ = roundtrip(rich_project, users["admin"])
    second, _ = roundtrip(first, users["admin"])
    assert codings(second) == codings(rich_project)
    assert memos(second) == memos(rich_project)


def test_the_demo_study_round_trips(db, users):
    from django.core.management import call_command

    from interviews.models import Project

    call_command("load_demo", verbosity=0)
    demo = Project.objects.exclude(name="Study").get()
    buffer = io.BytesIO()
    project_export(project=demo, stream=buffer, include_identities=True)
    document = etree.fromstring(zipfile.ZipFile(buffer).read("project.qde"))
    validator = schema("Project-mrt2019.xsd")
    assert validator.validate(document), validator.error_log
    imported, report = roundtrip(demo, users["admin"])
    assert codings(imported) == codings(demo)
    assert len(codings(demo)) > 20
    assert codes(imported) == codes(demo)
    assert people(imported) == people(demo)
    assert memos(imported) == memos(demo)
    assert report.not_carried == []
    # BY-07 withdrew consent: no case of theirs travels.
    assert demo.interviewees.filter(pseudonym="BY-07", consent_status="withdrawn").exists()
    assert not imported.interviewees.filter(pseudonym="BY-07").exists()
