"""The project's tidy table of codings: one row per coding, for scripts (pandas, R).

The same frame the reports are built from (`reports.frame.report_data`), with the free
attributes named by their labels, as records, CSV or Parquet."""

from __future__ import annotations

import io

import pandas as pd

from reports.frame import Filters, report_data

FORMATS = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "parquet": "application/vnd.apache.parquet",
}


def codings_table(project, filters: Filters | None = None, *, only_coder=None) -> pd.DataFrame:
    """Ids, source, interviewee and their attributes, code and its path, coder, offsets,
    quote and memo of every coding the member may analyse."""
    data = report_data(project, filters, only_coder=only_coder)
    frame = data.frame.rename(
        columns={
            key: label for key, label in data.attribute_labels.items() if key.startswith("attr")
        }
    )
    return frame


def to_records(frame: pd.DataFrame) -> list[dict]:
    clean = frame.astype(object).where(frame.notna(), None)
    return clean.to_dict(orient="records")


def to_csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode("utf-8")


def to_parquet(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False, engine="pyarrow")
    return buffer.getvalue()
