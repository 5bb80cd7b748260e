"""Interviewees from a CSV: created or matched, with their attributes and the files they
speak in."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction

from interviews.importers import (
    ImportRefused,
)
from interviews.models import (
    Attribute,
    AttributeTarget,
    Interviewee,
    Project,
)

_FIELD_ALIASES = {
    "pseudonym": "pseudonym",
    "real_name": "real_name",
    "real name": "real_name",
    "name": "real_name",
    "contact": "contact",
    "organisation": "organisation",
    "organization": "organisation",
    "sector": "sector",
    "country": "country",
    "role": "role",
    "notes": "notes",
}
_FILE_COLUMNS = {"file", "files", "source", "sources", "transcript"}


@dataclass
class CsvResult:
    interviewees: list[Interviewee] = field(default_factory=list)
    created: int = 0
    matched: int = 0
    errors: list[str] = field(default_factory=list)
    files: dict[str, Interviewee] = field(default_factory=dict)


def interviewees_from_csv(*, project: Project, data: bytes, name: str = "") -> CsvResult:
    """Create or match interviewees from a CSV: a `pseudonym` column, the interviewee's
    fields (real_name, organisation, sector, country, role, …), one column per attribute, and
    optionally `file` naming the transcripts (separated by `;`) of that interviewee.

    Each row succeeds or fails alone; an existing pseudonym is matched and updated.
    """
    from interviews.importers.text import decode

    text, _encoding = decode(data, name=name, kind="CSV file")
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")), dialect=dialect)
    headers = [h.strip() for h in (reader.fieldnames or [])]
    if "pseudonym" not in [h.lower() for h in headers]:
        raise ImportRefused(f"“{name or 'The CSV'}” needs a “pseudonym” column.")
    attributes = {
        a.name.lower(): a for a in project.attributes.filter(applies_to=AttributeTarget.INTERVIEWEE)
    }
    result = CsvResult()
    for line, raw in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if k}
        pseudonym = row.get("pseudonym", "")
        if not pseudonym:
            result.errors.append(f"CSV line {line}: no pseudonym; row skipped.")
            continue
        try:
            with transaction.atomic():
                interviewee = project.interviewees.filter(pseudonym__iexact=pseudonym).first()
                created = interviewee is None
                if created:
                    interviewee = Interviewee(project=project, pseudonym=pseudonym)
                values = {}
                for key, value in row.items():
                    if key in _FIELD_ALIASES and key != "pseudonym":
                        if value:
                            setattr(interviewee, _FIELD_ALIASES[key], value)
                    elif key in attributes:
                        values[attributes[key]] = attributes[key].normalise(value)
                    elif key and key not in _FILE_COLUMNS and value:
                        attribute = Attribute.objects.create(
                            project=project,
                            name=raw_header(headers, key),
                            applies_to=AttributeTarget.INTERVIEWEE,
                            order=project.attributes.count(),
                        )
                        attributes[key] = attribute
                        values[attribute] = attribute.normalise(value)
                from interviews.services import interviewee_save

                interviewee_save(interviewee=interviewee, values=values)
        except ValidationError as exc:
            result.errors.append(f"CSV line {line} ({pseudonym}): {'; '.join(exc.messages)}")
            continue
        result.interviewees.append(interviewee)
        result.created += created
        result.matched += not created
        for column in _FILE_COLUMNS & row.keys():
            for file_name in re.split(r"[;|]", row[column]):
                if file_name.strip():
                    result.files[file_name.strip().lower()] = interviewee
    return result


def raw_header(headers: list[str], key: str) -> str:
    return next((h for h in headers if h.lower() == key), key)[:100]
