"""The agreement tables as rows, CSV and XLSX, each with the method and the settings."""

from __future__ import annotations

import csv
import io

from agreement.services import METHOD, AgreementReport, code_path
from interviews import spreadsheet
from interviews.spreadsheet import Sheet

HEADER = [
    "Code",
    "Units (all)",
    "Pairable units (all)",
    "Percent agreement, % (all)",
    "Cohen's kappa (all)",
    "Krippendorff's alpha (all)",
    "Units (coded only)",
    "Pairable units (coded only)",
    "Percent agreement, % (coded only)",
    "Cohen's kappa (coded only)",
    "Krippendorff's alpha (coded only)",
    "Notes",
]
OVERLAP_HEADER = [
    "Coder 1",
    "Coder 2",
    "Code",
    "Codings of coder 1",
    "Matched",
    "Codings of coder 2",
    "Matched",
    "Agreements",
    "Disagreements",
    "Segment agreement, %",
]


def _number(stat) -> float | str:
    return "" if stat.value is None else round(stat.value, 4)


def _percent(stat) -> float | str:
    return "" if stat.value is None else round(100 * stat.value, 2)


def agreement_rows(report: AgreementReport) -> list[list]:
    rows = []
    for row in [*report.rows, *([report.overall] if report.overall else [])]:
        notes = []
        for part, figures in (("all", row.all_units), ("coded only", row.coded_units)):
            for name, stat in (
                ("percent", figures.percent),
                ("kappa", figures.kappa),
                ("alpha", figures.alpha),
            ):
                if stat.value is None and stat.note:
                    notes.append(f"{name} ({part}): {stat.note}")
        rows.append(
            [
                row.label,
                row.all_units.units,
                row.all_units.pairable,
                _percent(row.all_units.percent),
                _number(row.all_units.kappa),
                _number(row.all_units.alpha),
                row.coded_units.units,
                row.coded_units.pairable,
                _percent(row.coded_units.percent),
                _number(row.coded_units.kappa),
                _number(row.coded_units.alpha),
                " ".join(notes),
            ]
        )
    return rows


def overlap_rows(report: AgreementReport) -> list[list]:
    rows = []
    for pair in report.overlaps:
        for label, tally in [
            *((code_path(code), t) for code, t in pair.rows),
            ("All selected codes", pair.total),
        ]:
            rows.append(
                [
                    pair.first.username,
                    pair.second.username,
                    label,
                    tally.first_total,
                    tally.first_matched,
                    tally.second_total,
                    tally.second_matched,
                    tally.agreements,
                    tally.disagreements,
                    _percent(tally.share),
                ]
            )
    return rows


def method_lines(report: AgreementReport) -> list[list[str]]:
    lines = [["Parley inter-coder agreement"]]
    lines += [[name, value] for name, value in report.settings_lines()]
    lines += [
        [f"Fallback: {source.title}", f"no {report.unit} segments; {used} units used"]
        for source, used in report.fallbacks
    ]
    lines += [["Method", line] for line in METHOD]
    return lines


def agreement_csv(report: AgreementReport) -> str:
    out = io.StringIO()
    out.write("\ufeff")  # so that spreadsheet programs read non-Latin code names as UTF-8
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows(method_lines(report))
    writer.writerow([])
    writer.writerow(HEADER)
    writer.writerows(agreement_rows(report))
    writer.writerow([])
    writer.writerow([f"Segment overlap (minimum {report.min_overlap} %)"])
    writer.writerow(OVERLAP_HEADER)
    writer.writerows(overlap_rows(report))
    return out.getvalue()


def agreement_xlsx(report: AgreementReport) -> bytes:
    method = method_lines(report)
    return spreadsheet.workbook(
        [
            Sheet("Agreement", agreement_rows(report), header=HEADER, widths=[40], freeze="A2"),
            Sheet(
                "Segment overlap",
                overlap_rows(report),
                header=OVERLAP_HEADER,
                widths=[40],
                freeze="A2",
            ),
            Sheet("Method and settings", method[1:], header=method[0], widths=[28, 120]),
        ]
    )
