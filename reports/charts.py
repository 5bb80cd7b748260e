"""Charts drawn on the server with matplotlib: SVG for pages, PNG for Word documents.

Bars are told apart by hatching and grey levels as well as by colour, and the heatmap uses a
grey scale with the number written in each cell, so every chart reads in greyscale print.
"""

from __future__ import annotations

import base64
import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from reports.tables import Chart  # noqa: E402

HATCHES = ["", "///", "...", "xxx", "\\\\\\", "ooo", "---", "+++"]
GREYS = ["#222222", "#777777", "#bbbbbb", "#ffffff", "#444444", "#999999", "#dddddd", "#555555"]
MAX_LABEL = 40


def _short(label: str) -> str:
    """A code path short enough for an axis, keeping its last part whole."""
    if len(label) <= MAX_LABEL:
        return label
    head, _, leaf = label.rpartition("/")
    if not head:
        return label[: MAX_LABEL - 1] + "…"
    if len(leaf) + 4 >= MAX_LABEL:
        return "…/" + leaf
    return head[: MAX_LABEL - len(leaf) - 2] + "…/" + leaf


def _bar(chart: Chart):
    labels = chart.labels
    groups = list(chart.series)
    height = max(2.5, 0.35 * len(labels) * max(1, len(groups)) ** 0.5 + 1.2)
    fig, ax = plt.subplots(figsize=(7.5, height))
    positions = np.arange(len(labels))
    width = 0.8 / max(1, len(groups))
    for index, group in enumerate(groups):
        ax.barh(
            positions + index * width - 0.4 + width / 2,
            chart.series[group],
            height=width,
            label=group,
            color=GREYS[index % len(GREYS)],
            edgecolor="black",
            hatch=HATCHES[index % len(HATCHES)],
        )
    ax.set_yticks(positions, [_short(label) for label in labels])
    ax.invert_yaxis()
    ax.margins(y=0.01)
    ax.set_xlabel("Codings")
    ax.set_title(chart.title)
    ax.xaxis.get_major_locator().set_params(integer=True)
    if len(groups) > 1:
        ax.legend(loc="lower right", fontsize="small")
    fig.tight_layout()
    return fig


def _heatmap(chart: Chart):
    rows = chart.labels
    values = np.array([chart.series[label] for label in rows], dtype=float).reshape(
        len(rows), len(chart.columns)
    )
    size = max(3.0, 0.45 * len(rows) + 2.5)
    fig, ax = plt.subplots(figsize=(size + 1.5, size))
    image = ax.imshow(values, cmap="Greys", vmin=0, vmax=max(1.0, values.max()))
    ax.set_xticks(
        range(len(chart.columns)), [_short(c) for c in chart.columns], rotation=60, ha="right"
    )
    ax.set_yticks(range(len(rows)), [_short(r) for r in rows])
    threshold = values.max() / 2 if values.size else 0
    annotate = len(rows) <= 20
    for i in range(len(rows) if annotate else 0):
        for j in range(len(chart.columns)):
            if i != j:
                ax.text(
                    j,
                    i,
                    str(int(values[i, j])),
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if values[i, j] > threshold else "black",
                )
    ax.set_title(chart.title)
    fig.colorbar(image, ax=ax, shrink=0.7)
    fig.tight_layout()
    return fig


def render(chart: Chart, fmt: str = "svg") -> bytes:
    """The chart as SVG or PNG bytes."""
    fig = _heatmap(chart) if chart.kind == "heatmap" else _bar(chart)
    buffer = io.BytesIO()
    try:
        fig.savefig(buffer, format=fmt, dpi=150 if fmt == "png" else None)
    finally:
        plt.close(fig)
    return buffer.getvalue()


def data_uri(chart: Chart) -> str:
    """The chart as an SVG data URI for an <img>: no chart text can reach the page's markup."""
    return "data:image/svg+xml;base64," + base64.b64encode(render(chart, "svg")).decode("ascii")
