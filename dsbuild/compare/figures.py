"""The report's plots as PNG bytes: field lengths, label and judge-score distributions, tokens and cost.

One colour per version (matplotlib's default cycle, in version order) across every figure. Matplotlib
is imported only when a figure is drawn; sizes, dpi and style are fixed and the PNG carries no software
tag or timestamp, so the same versions give byte-identical images.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

BINS = 40
SCALE_PERCENTILE = 99  # longer rows share the last bin, so one absurd row squashes nothing
WIDTH, HEIGHT, DPI = 7.5, 3.2, 100
LINE_STYLES = ("-", "--", "-.", ":")  # identical versions (say two split seeds) stay visible on top of each other
PLOT_RIGHT = 0.68  # the legend sits right of the plot, where it hides no bar or line
LEGEND_CHARS = 48  # longer version labels are cut in legends and axes (the tables show them whole)


def color(index: int) -> str:
    """The colour of the version at `index`."""
    return f"C{index % 10}"


def length_figure(field: str, labels: list[str], lengths: list[list[int]]) -> bytes:
    """Characters per row of `field`: one step line per version over shared bins."""
    values = [v for series in lengths for v in series]
    top = max(1.0, float(np.percentile(values, SCALE_PERCENTILE))) if values else 1.0
    edges = np.linspace(0, top, BINS + 1)
    with _axes(f"{field}: length (characters)", "characters", "rows") as ax:
        for i, (label, series) in enumerate(zip(labels, lengths)):
            if series:
                counts, _ = np.histogram(np.clip(series, 0, top), bins=edges)
                ax.stairs(counts, edges, color=color(i), linewidth=1.5, linestyle=LINE_STYLES[i % len(LINE_STYLES)],
                          label=_short(label))
        _legend(ax)
        return _png(ax.figure)


def category_figure(field: str, labels: list[str], values: list[list[str]]) -> bytes:
    """Rows per value of a categorical field: grouped bars, one bar per version."""
    totals = Counter(v for series in values for v in series)
    names = sorted(totals, key=lambda name: (-totals[name], name))
    return _grouped_bars(f"{field}: rows per value", labels, names, [Counter(series) for series in values])


def judge_figure(labels: list[str], scores: list[list[float]]) -> bytes:
    """Rows per judge score: grouped bars, one bar per version."""
    names = sorted({s for series in scores for s in series})
    counts = [Counter(series) for series in scores]
    return _grouped_bars("judge score: rows per score", labels, [_score_name(s) for s in names],
                         [{_score_name(s): n for s, n in c.items()} for c in counts])


def llm_figure(labels: list[str], tokens: list[int], costs: list[float]) -> bytes:
    """Total tokens and cost per version, side by side."""
    from matplotlib import style
    from matplotlib.figure import Figure

    with style.context("default"):
        figure = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI)
        figure.subplots_adjust(left=0.08, right=0.98, bottom=0.2, top=0.85, wspace=0.3)
        positions = np.arange(len(labels))
        for ax, data, title in zip(figure.subplots(1, 2), (tokens, costs), ("tokens", "cost (USD)")):
            ax.bar(positions, data, color=[color(i) for i in positions])
            ax.set_xticks(positions, [str(i + 1) for i in positions], fontsize=8)
            ax.set_xlabel("version (column number)", fontsize=8)
            ax.set_title(title, fontsize=9)
            ax.tick_params(labelsize=7)
        return _png(figure)


@contextmanager
def _axes(title: str, xlabel: str, ylabel: str, bottom: float = 0.16) -> Iterator:
    from matplotlib import style
    from matplotlib.figure import Figure

    with style.context("default"):
        figure = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI)  # fixed margins: no layout engine, same bytes every run
        figure.subplots_adjust(left=0.08, right=PLOT_RIGHT, bottom=bottom, top=0.9)
        ax = figure.subplots()
        ax.set_title(title, fontsize=10)
        ax.set_xlabel(xlabel, fontsize=8)
        ax.set_ylabel(ylabel, fontsize=8)
        ax.tick_params(labelsize=7)
        yield ax


def _grouped_bars(title: str, labels: list[str], names: list[str], counts: list[dict]) -> bytes:
    with _axes(title, "", "rows", bottom=0.3) as ax:
        width = 0.8 / max(1, len(labels))
        positions = np.arange(len(names))
        for i, (label, count) in enumerate(zip(labels, counts)):
            ax.bar(positions + (i - (len(labels) - 1) / 2) * width, [count.get(n, 0) for n in names], width,
                   color=color(i), label=_short(label))
        ax.set_xticks(positions, names, rotation=30, ha="right", fontsize=7)
        _legend(ax)
        return _png(ax.figure)


def _legend(ax) -> None:
    ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))


def _png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def _score_name(score: float) -> str:
    return str(int(score)) if float(score).is_integer() else f"{score:g}"


def _short(label: str) -> str:
    return label if len(label) <= LEGEND_CHARS else label[: LEGEND_CHARS - 1] + "…"
