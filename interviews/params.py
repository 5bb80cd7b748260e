"""Ids typed into addresses: only plain ASCII digits within the database's integer range."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

MAX_ID = 2**63 - 1


def parse_id(value) -> int | None:
    """The id in `value`, or None when it is not a whole number the database can hold.

    `str.isdigit` alone accepts '²' or Arabic-Indic digits, and an id beyond 64 bits makes
    the database driver fail; neither may reach a query.
    """
    text = str(value).strip()
    if not text or not text.isascii() or not text.isdigit() or len(text) > 19:
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


class ReadChoices(forms.models.ModelChoiceIterator):
    """A model choice field's choices from the rows its form has read (`rows`), or by one
    plain query of its queryset. Django's iterator reads them with `QuerySet.iterator()`,
    which on PostgreSQL is a server-side cursor (three round trips: DECLARE, FETCH, CLOSE)
    and never takes rows already read, such as a prefetch."""

    def _rows(self):
        return self.queryset if self.field.rows is None else self.field.rows

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self._rows():
            yield self.choice(obj)

    def __len__(self):
        return len(self._rows()) + (1 if self.field.empty_label is not None else 0)

    def __bool__(self):
        return self.field.empty_label is not None or bool(self._rows())


def _refuse_unless_id(field: forms.Field, value) -> None:
    """The field's "not one of the choices" error for a value that is not an id."""
    if parse_id(value) is None:
        raise ValidationError(
            field.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
        )


class IdChoiceField(forms.ModelChoiceField):
    """A model choice whose value is checked as an id before any query runs, its choices read
    as `ReadChoices` reads them (the form's `rows`, or one plain query)."""

    iterator = ReadChoices
    rows = None

    def to_python(self, value):
        if value not in self.empty_values:
            _refuse_unless_id(self, value)
        return super().to_python(value)


class IdMultipleChoiceField(forms.ModelMultipleChoiceField):
    """A model multiple choice whose values are checked as ids before any query runs. Its
    form may give the choices' rows when it has read them (`rows`, shown as they are; what
    is posted is still checked against the queryset)."""

    iterator = ReadChoices
    rows = None

    def _check_values(self, value):
        for pk in value:
            _refuse_unless_id(self, pk)
        return super()._check_values(value)
