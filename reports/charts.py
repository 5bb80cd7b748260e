"""Charts drawn on the server with matplotlib: SVG for pages, PNG for Word documents.

Bars are told apart by hatching and grey levels as well as by colour, and the heatmap uses a
grey scale with the number written in each cell, so every chart reads in greyscale print.

matplotlib is not thread-safe (pyplot's figures, the font caches): the files and reports
pool serves requests from several threads of one process (config/pools.py), so one chart is
drawn at a time.
"""

from __future__ import annotations

import base64
import io
import threading

import matplotlib

matplotlib.use("Agg")
matplotlib.rcParams["svg.fonttype"] = "none"  # text stays text: smaller, faster SVG

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from reports.tables import MAX_SHOWN, Chart, largest  # noqa: E402

HATCHES = ["", "///", "...", "xxx", "\\\\\\", "ooo", "---", "+++"]
GREYS = ["#222222", "#777777", "#bbbbbb", "#ffffff", "#444444", "#999999", "#dddddd", "#555555"]
MAX_LABEL = 40
_DRAWING = threading.Lock()


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


def _label_inches(labels: list[str]) -> float:
    """Room for the longest tick label, in inches (about 0.075 in per character at 10 pt)."""
    longest = max((len(_short(label)) for label in labels), default=4)
    return 0.2 + 0.075 * longest


def _margins(fig, *, left: float, bottom: float, top: float) -> None:
    # Fixed margins instead of tight_layout, which draws every chart twice.
    width, height = fig.get_size_inches()
    fig.subplots_adjust(
        left=min(0.7, left / width),
        right=0.97,
        bottom=min(0.6, bottom / height),
        top=1 - min(0.3, top / height),
    )


def _bar(chart: Chart):
    labels = chart.labels
    groups = list(chart.series)
    height = max(2.5, 0.35 * len(labels) * max(1, len(groups)) ** 0.5 + 1.5)
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
    bottom = 0.6
    if len(groups) > 1:
        rows = (len(groups) + 3) // 4
        fig.legend(loc="lower center", ncol=min(4, len(groups)), fontsize="small", frameon=False)
        bottom += 0.3 * rows
    _margins(fig, left=_label_inches(labels), bottom=bottom, top=0.4)
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
    room = _label_inches(rows)
    _margins(fig, left=room, bottom=_label_inches(chart.columns) * 0.9 + 0.2, top=0.4)
    return fig


def legible(chart: Chart) -> Chart:
    """The chart as drawn: a bar chart of more than MAX_SHOWN codes draws those with the most
    codings, in their order, the title saying how many of how many; the report's table keeps
    every code. (A heatmap is drawn as it is: the co-occurrence report limits its matrix.)"""
    count = len(chart.labels)
    if chart.kind == "heatmap" or count <= MAX_SHOWN:
        return chart
    keep = largest([sum(values[i] for values in chart.series.values()) for i in range(count)])
    title = f"{chart.title}: the {MAX_SHOWN} largest of {count:,} (the table has all)"
    series = {group: [values[i] for i in keep] for group, values in chart.series.items()}
    return Chart("bar", title, [chart.labels[i] for i in keep], series)


def render(chart: Chart, fmt: str = "svg") -> bytes:
    """The chart as SVG or PNG bytes (at most MAX_SHOWN codes of it, `legible`)."""
    chart = legible(chart)
    buffer = io.BytesIO()
    with _DRAWING:
        fig = _heatmap(chart) if chart.kind == "heatmap" else _bar(chart)
        try:
            fig.savefig(buffer, format=fmt, dpi=120 if fmt == "png" else None)
        finally:
            plt.close(fig)
    return buffer.getvalue()


def data_uri(chart: Chart) -> str:
    """The chart as an SVG data URI for an <img>: no chart text can reach the page's markup."""
    return "data:image/svg+xml;base64," + base64.b64encode(render(chart, "svg")).decode("ascii")
