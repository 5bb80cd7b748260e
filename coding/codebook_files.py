"""Codebook files: the codebook exported as CSV or XLSX, and a file of codes imported (refused
whole, with every problem listed, when any row is wrong)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from coding.codebook_services import code_create, code_update
from coding.models import Code, colour_validator
from interviews import spreadsheet
from interviews.models import Project
from interviews.spreadsheet import Sheet

COLUMNS = ["path", "colour", "definition", "inclusion", "exclusion", "example"]
COLUMN_ALIASES = {
    "color": "colour",
    "inclusion criteria": "inclusion",
    "exclusion criteria": "exclusion",
    "code": "path",
}
MAX_CODEBOOK_BYTES = 2 * 1024 * 1024


def codebook_rows(project: Project) -> list[list[str]]:
    """The codebook as rows (parents before children) under COLUMNS."""
    return [
        [c.path, c.colour, c.definition, c.inclusion, c.exclusion, c.example]
        for c in Code.objects.filter(project=project).tree_order()
    ]


def codebook_csv(project: Project) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    writer.writerows(codebook_rows(project))
    # The byte-order mark makes spreadsheet programs read non-Latin names as UTF-8.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def codebook_xlsx(project: Project) -> bytes:
    # Every cell is a text cell: a definition beginning with "=" stays that text on import.
    return spreadsheet.workbook([Sheet("Codebook", codebook_rows(project), header=COLUMNS)])


def _table_from_file(filename: str, data: bytes) -> list[list[str]]:
    """Rows of a CSV or XLSX file as strings; ValidationError for files that cannot be read."""
    if len(data) > MAX_CODEBOOK_BYTES:
        raise ValidationError("The codebook file is larger than 2 MB.")
    name = filename.lower()
    if name.endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception:
            raise ValidationError(
                f"“{filename}” is not a readable XLSX workbook; save it again from your "
                "spreadsheet program as .xlsx."
            ) from None
        sheet = book.worksheets[0]
        table = [
            ["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)
        ]
        book.close()
        return table
    if name.endswith(".csv"):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError(
                f"“{filename}” is not UTF-8 text. Save it as “CSV UTF-8” and import it again."
            ) from None
        if "\x00" in text:
            raise ValidationError(
                f"“{filename}” holds NUL characters, which a codebook cannot store; "
                "save it again as “CSV UTF-8”."
            )
        try:
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        return list(csv.reader(io.StringIO(text), dialect))
    raise ValidationError("Import a codebook as a .csv or .xlsx file.")


@dataclass
class CodebookRow:
    line: int
    parts: list[str]
    values: dict[str, str]


def codebook_parse(filename: str, data: bytes) -> list[CodebookRow]:
    """Check a codebook file completely; ValidationError lists every problem found."""
    table = [row for row in _table_from_file(filename, data) if any(c.strip() for c in row)]
    if not table:
        raise ValidationError("The codebook file is empty.")
    header = [COLUMN_ALIASES.get(h.strip().lower(), h.strip().lower()) for h in table[0]]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise ValidationError(
            "The codebook file lacks the column"
            + ("s " if len(missing) > 1 else " ")
            + ", ".join(f"“{c}”" for c in missing)
            + f". Its first row must name: {', '.join(COLUMNS)}."
        )
    index = {c: header.index(c) for c in COLUMNS}
    rows: list[CodebookRow] = []
    errors: list[str] = []
    seen: dict[str, int] = {}
    for line, raw in enumerate(table[1:], start=2):
        cells = {c: (raw[i].strip() if i < len(raw) else "") for c, i in index.items()}
        parts = [p.strip() for p in cells["path"].split("/")]
        if not cells["path"] or any(not p for p in parts):
            errors.append(f"Row {line}: the path “{cells['path']}” is empty or has an empty part.")
            continue
        if any(len(p) > 200 for p in parts):
            errors.append(f"Row {line}: a code name is longer than 200 characters.")
            continue
        key = "/".join(p.lower() for p in parts)
        if key in seen:
            errors.append(f"Row {line}: “{cells['path']}” repeats row {seen[key]}.")
            continue
        seen[key] = line
        if cells["colour"]:
            try:
                colour_validator(cells["colour"])
            except ValidationError:
                errors.append(
                    f"Row {line}: “{cells['colour']}” is not a colour; write it as #rrggbb, "
                    "for example #1e88e5."
                )
                continue
        rows.append(CodebookRow(line=line, parts=parts, values=cells))
    if errors:
        raise ValidationError(errors)
    return rows


@dataclass
class CodebookImportReport:
    created: int
    updated: int
    unchanged: int

    @property
    def message(self) -> str:
        return (
            f"Codebook imported: {self.created} code{'s' if self.created != 1 else ''} created, "
            f"{self.updated} updated, {self.unchanged} unchanged."
        )


@transaction.atomic
def codebook_import(*, project: Project, user, filename: str, data: bytes) -> CodebookImportReport:
    """Add a codebook file's codes (creating missing parents) and update existing ones by path."""
    rows = codebook_parse(filename, data)
    by_path = {c.path.lower(): c for c in Code.objects.filter(project=project).tree_order()}
    created = updated = unchanged = 0
    for row in sorted(rows, key=lambda r: len(r.parts)):
        parent = None
        for depth, part in enumerate(row.parts):
            key = "/".join(p.lower() for p in row.parts[: depth + 1])
            code = by_path.get(key)
            is_leaf = depth == len(row.parts) - 1
            if code is None:
                fields = {}
                if is_leaf:
                    fields = {
                        name: row.values[name]
                        for name in ("definition", "inclusion", "exclusion", "example")
                    }
                    fields["colour"] = row.values["colour"]
                code = code_create(project=project, user=user, name=part, parent=parent, **fields)
                by_path[key] = code
                created += 1
            elif is_leaf:
                changes = {
                    name: row.values[name]
                    for name in ("colour", "definition", "inclusion", "exclusion", "example")
                    if row.values[name] != getattr(code, name)
                    and not (name == "colour" and not row.values[name])
                }
                if changes:
                    code = code_update(code=code, user=user, **changes)
                    by_path[key] = code
                    updated += 1
                else:
                    unchanged += 1
            parent = code
    return CodebookImportReport(created=created, updated=updated, unchanged=unchanged)
