"""The fields built into every interviewee, which reports, forms and filters treat as
attributes, and the rules that keep a project from defining them a second time."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction

# Interviewee fields every project has, with the labels every page shows.
BUILTIN_FIELDS: dict[str, str] = {
    "country": "Country",
    "sector": "Sector",
    "organisation": "Organisation",
    "role": "Role",
}
# Other names people give the same fields.
_ALIASES = {"organization": "organisation", "org": "organisation"}


def builtin_field_for(name: str) -> str | None:
    """The built-in field an attribute name duplicates ("country", …), or None."""
    wanted = " ".join(name.split()).casefold()
    for key, label in BUILTIN_FIELDS.items():
        if wanted in (key, label.casefold()):
            return key
    return _ALIASES.get(wanted)


def refuse_builtin_name(name: str) -> None:
    """ValidationError when a new or renamed attribute would duplicate a built-in field."""
    key = builtin_field_for(name)
    if key is not None:
        label = BUILTIN_FIELDS[key]
        raise ValidationError(
            f"“{label}” is built into every interviewee: use the {label} field instead of a "
            "new attribute."
        )


@dataclass
class FieldMerge:
    """What merging an attribute into a built-in field does, for each interviewee."""

    field: str
    copied: list[tuple[str, str]] = field(default_factory=list)  # (pseudonym, value)
    same: list[str] = field(default_factory=list)  # pseudonyms whose field already said it
    kept: list[tuple[str, str, str]] = field(default_factory=list)  # (pseudonym, field, attr)

    @property
    def label(self) -> str:
        return BUILTIN_FIELDS[self.field]


def field_merge_plan(attribute) -> FieldMerge:
    """What merging a duplicate attribute (e.g. "Country") into its built-in field would do:
    values copied where the field is empty, the field kept where it already has a value."""
    key = builtin_field_for(attribute.name)
    if key is None or attribute.applies_to != "interviewee":
        raise ValidationError(
            f"“{attribute.name}” is not an interviewee attribute that duplicates a built-in field."
        )
    plan = FieldMerge(field=key)
    rows = attribute.values.filter(interviewee__isnull=False).select_related("interviewee")
    for value in rows.order_by("interviewee__pseudonym"):
        person, text = value.interviewee, value.value.strip()
        current = getattr(person, key)
        if not text:
            continue
        if not current:
            plan.copied.append((person.pseudonym, text))
        elif current.casefold() == text.casefold():
            plan.same.append(person.pseudonym)
        else:
            plan.kept.append((person.pseudonym, current, text))
    return plan


@transaction.atomic
def attribute_merge_into_field(*, attribute) -> FieldMerge:
    """Copy a duplicate attribute's values into its built-in field (where the field is
    empty), then delete the attribute. A value the field already has is never overwritten."""
    plan = field_merge_plan(attribute)
    copied = dict(plan.copied)
    people = attribute.project.interviewees.filter(pseudonym__in=copied)
    max_length = people.model._meta.get_field(plan.field).max_length
    for person in people:
        value = copied[person.pseudonym]
        if len(value) > max_length:
            raise ValidationError(
                f"{person.pseudonym}: “{value[:40]}…” is longer than the {plan.label} field "
                f"holds ({max_length} characters); nothing was merged."
            )
        setattr(person, plan.field, value)
        person.save(update_fields=[plan.field])
    attribute.delete()
    return plan


def builtin_rows(project) -> list[dict]:
    """The built-in fields as the Attributes page lists them: label, key and how many
    interviewees have a value."""
    from django.db.models import Count, Q

    people = project.interviewees.aggregate(
        **{key: Count("pk", filter=~Q(**{key: ""})) for key in BUILTIN_FIELDS}
    )
    return [
        {"key": key, "label": label, "value_count": people[key]}
        for key, label in BUILTIN_FIELDS.items()
    ]
