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


class IdMultipleChoiceField(forms.ModelMultipleChoiceField):
    """A model multiple choice whose values are checked as ids before any query runs."""

    def _check_values(self, value):
        for pk in value:
            if parse_id(pk) is None:
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": pk},
                )
        return super()._check_values(value)
