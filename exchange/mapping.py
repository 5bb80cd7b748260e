"""How Parley's objects map onto REFI-QDA and back (pure, no database).

Parley keeps more about a code, an attribute, an interviewee and a source than REFI-QDA
has fields for. What has no field of its own travels in a `Description` or as a Variable
in a form other tools show as readable text and Parley reads back exactly:

- a code's inclusion / exclusion criteria and example follow its definition as labelled
  paragraphs;
- an attribute's Parley type, target and choices follow its description on a `[Parley]` line;
- an interviewee's and a source's built-in fields (country, sector… / kind, language…)
  are Variables whose description names the field.
"""

from __future__ import annotations

import json
import re
import uuid
from decimal import Decimal, InvalidOperation

NS_PROJECT = "urn:QDA-XML:project:1.0"
NS_CODEBOOK = "urn:QDA-XML:codebook:1.0"
ORIGIN = "Parley 0.1"

CODE_SECTIONS = (
    ("inclusion", "Inclusion criteria"),
    ("exclusion", "Exclusion criteria"),
    ("example", "Example"),
)
_SECTION_RE = re.compile(
    r"\n\n(" + "|".join(re.escape(label) for _f, label in CODE_SECTIONS) + r"): "
)


def code_description(*, definition: str, inclusion: str, exclusion: str, example: str) -> str:
    values = {"inclusion": inclusion, "exclusion": exclusion, "example": example}
    parts = [definition] if definition else []
    for field, label in CODE_SECTIONS:
        if values[field]:
            parts.append(f"{label}: {values[field]}")
    text = "\n\n".join(parts)
    if not definition and parts:
        text = "\n\n" + text  # keeps "the definition is empty" distinguishable
    return text


def parse_code_description(text: str) -> dict[str, str]:
    """definition, inclusion, exclusion, example from a code's Description."""
    result = {"definition": "", "inclusion": "", "exclusion": "", "example": ""}
    pieces = _SECTION_RE.split(text or "")
    result["definition"] = pieces[0]
    fields = {label: field for field, label in CODE_SECTIONS}
    seen: list[str] = []
    for label, value in zip(pieces[1::2], pieces[2::2], strict=True):
        field = fields[label]
        if field in seen or (seen and CODE_SECTIONS_ORDER[field] < CODE_SECTIONS_ORDER[seen[-1]]):
            # Not Parley's layout: keep the whole text as the definition.
            return {**dict.fromkeys(result, ""), "definition": text}
        seen.append(field)
        result[field] = value
    return result


CODE_SECTIONS_ORDER = {field: index for index, (field, _label) in enumerate(CODE_SECTIONS)}

_TRAILER = "[Parley] "


def variable_description(description: str, extra: dict) -> str:
    line = _TRAILER + json.dumps(extra, ensure_ascii=False, sort_keys=True)
    return f"{description}\n\n{line}" if description else line


def parse_variable_description(text: str) -> tuple[str, dict]:
    """(the human description, Parley's extra data) of a Variable's Description."""
    text = text or ""
    head, _sep, last = text.rpartition("\n\n") if "\n\n" in text else ("", "", text)
    if last.startswith(_TRAILER):
        try:
            extra = json.loads(last[len(_TRAILER) :])
        except ValueError:
            return text, {}
        if isinstance(extra, dict):
            return head, extra
    return text, {}


# Built-in fields exported as Variables: (field, variable name, REFI type).
INTERVIEWEE_FIELDS = (
    ("organisation", "Organisation", "Text"),
    ("sector", "Sector", "Text"),
    ("country", "Country", "Text"),
    ("role", "Role", "Text"),
)
IDENTITY_FIELDS = (
    ("real_name", "Real name", "Text"),
    ("contact", "Contact", "Text"),
    ("consent_status", "Consent status", "Text"),
    ("consent_date", "Consent date", "Date"),
    ("consent_scope", "Consent scope", "Text"),
)
SOURCE_FIELDS = (
    ("kind", "Source kind", "Text"),
    ("language", "Language", "Text"),
    ("date", "Source date", "Date"),
    ("interviewer", "Interviewer", "Text"),
)
_FIELD_MARK = re.compile(r"^Parley (interviewee|source) field: (\w+)$")


def field_description(owner: str, field: str) -> str:
    return f"Parley {owner} field: {field}"


def parse_field_description(text: str) -> tuple[str, str] | None:
    match = _FIELD_MARK.match((text or "").strip())
    return (match.group(1), match.group(2)) if match else None


def field_guid(project_guid: uuid.UUID, owner: str, field: str) -> uuid.UUID:
    return uuid.uuid5(project_guid, f"parley:{owner}:{field}")


def derived_guid(guid: uuid.UUID, role: str) -> uuid.UUID:
    """A second stable GUID for an object that REFI-QDA splits in two (selection + coding)."""
    return uuid.uuid5(guid, role)


_CODING_MASK = uuid.UUID("5a3c0de1-c0d1-4a6e-9b1f-0123456789ab").int


def coding_guid(selection_guid: str) -> str:
    """The GUID of the Coding inside a coding's PlainTextSelection (whose GUID is the
    coding's own): a fixed, reversible transformation, so it is stable across exports."""
    return str(uuid.UUID(int=uuid.UUID(selection_guid).int ^ _CODING_MASK))


# Attribute types ------------------------------------------------------------------------

PARLEY_TO_REFI = {"text": "Text", "date": "Date", "boolean": "Boolean", "choice": "Text"}
REFI_TO_PARLEY = {
    "text": "text",
    "boolean": "boolean",
    "integer": "number",
    "float": "number",
    "date": "date",
    "datetime": "text",
}


def number_type(values: list[str]) -> str:
    """Integer when every stored number is whole, else Float."""
    for value in values:
        try:
            if Decimal(value) != Decimal(value).to_integral_value():
                return "Float"
        except InvalidOperation:
            return "Float"
    return "Integer"


VALUE_ELEMENT = {
    "Text": "TextValue",
    "Boolean": "BooleanValue",
    "Integer": "IntegerValue",
    "Float": "FloatValue",
    "Date": "DateValue",
    "DateTime": "DateTimeValue",
}


def colour_from_refi(value: str | None) -> str | None:
    """#rrggbb from #rgb or #rrggbb (any case); None when it is not a colour."""
    value = (value or "").strip()
    if re.fullmatch(r"#[0-9a-fA-F]{6}", value):
        return value.lower()
    if re.fullmatch(r"#[0-9a-fA-F]{3}", value):
        return "#" + "".join(ch * 2 for ch in value[1:]).lower()
    return None
