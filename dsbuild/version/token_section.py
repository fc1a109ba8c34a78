"""The card's "Token lengths" section and its histogram: each split's rows counted with the target
model's tokenizer, against the trainer's cutoff_len (see export/token_lengths.py).

The PNG is drawn like the cleaning histograms (fixed size, default style, no timestamp), so a rebuild
writes the same bytes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from .histograms import BINS, DPI, SCALE_PERCENTILE

FIGURE = "card_tokens.png"
COLORS = {"train": "#1f5fa8", "validation": "#e08214", "test": "#2ca25f", "pilot": "#756bb1"}


def token_section(summary: Mapping | None, figure: str | None) -> list[str]:
    """Markdown lines: per split p50 / p95 / p99 / max tokens and the rows over cutoff_len ([] without a tokenizer)."""
    if summary is None:
        return []
    how = "its chat template" if summary["chat_template"] else "no chat template (the turns' texts one after another)"
    lines = ["", "## Token lengths", "",
             f"Every exported row as the trainer sees it (system, user and assistant turns, the reasoning included), "
             f"counted with `{summary['tokenizer']}` and {how}; cutoff_len {summary['cutoff_len']:,}.", "",
             "| split | rows | p50 | p95 | p99 | max | over cutoff_len |", "|---|---:|---:|---:|---:|---:|---:|"]
    for split, s in summary["splits"].items():
        lines.append(f"| {split} | {s['rows']} | {s['p50']} | {s['p95']} | {s['p99']} | {s['max']} | "
                     f"{s['over_cutoff']} ({100 * s['over_cutoff_share']:.1f}%) |")
    if figure:
        lines += ["", f"![tokens per row, per split]({figure})"]
    return lines


def write_token_histogram(folder: Path, lengths: Mapping[str, np.ndarray], cutoff_len: int) -> str | None:
    """One PNG: rows per token count, a curve per split, the cutoff as a line; None when nothing was counted."""
    arrays = {name: a for name, a in lengths.items() if a.size}
    if not arrays:
        return None
    from matplotlib import style
    from matplotlib.figure import Figure

    every = np.concatenate(list(arrays.values()))
    top = max(cutoff_len, math.ceil(np.percentile(every, SCALE_PERCENTILE)))
    width = max(1, math.ceil((top + 1) / BINS))
    edges = np.arange(top // width + 2) * width
    with style.context("default"):
        figure = Figure(figsize=(6.4, 2.8), dpi=DPI)
        figure.subplots_adjust(left=0.1, right=0.97, bottom=0.18, top=0.88)
        ax = figure.subplots()
        for name, values in arrays.items():
            counts = np.histogram(np.clip(values, 0, top), edges)[0]
            ax.stairs(counts, edges, color=COLORS.get(name, "#636363"), linewidth=1.5, label=name)
        ax.axvline(cutoff_len, color="#b2182b", linestyle="--", linewidth=1, label=f"cutoff_len {cutoff_len}")
        ax.set_xlabel(f"tokens (> {top} in the last bin)" if every.max() > top else "tokens", fontsize=8)
        ax.set_ylabel("rows", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.legend(fontsize=7, frameon=False)
        figure.suptitle("tokens per row", fontsize=10)
        figure.savefig(folder / FIGURE, format="png", metadata={"Software": None})
    return FIGURE
