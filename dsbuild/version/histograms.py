"""The card's before/after cleaning histograms: one PNG per text field, one panel per metric.

Counts are binned with numpy from a `Profile` and drawn as steps, so a figure costs the same for a
hundred rows or ten million. Matplotlib is imported only here, when a version is written, and the
PNGs are deterministic (fixed size and dpi, default style whatever the user's matplotlibrc says, no
Software tag or timestamp), so rebuilding a version gives byte-identical files.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from .stats import FEATURES, LENGTH, Profile, measured_fields

BINS = 40
SCALE_PERCENTILE = 99  # of the kept rows: values above share the last bin, so one absurd row squashes nothing
MIN_RATIO_SCALE = 0.05  # the narrowest x axis of a ratio
PANEL_INCHES = (3.2, 2.6)
DPI = 100
BEFORE_COLOR, AFTER_COLOR = "#bdbdbd", "#1f5fa8"


def figure_name(field: str) -> str:
    """The PNG of one text field, in the version folder."""
    return f"card_{field}.png"


def write_histograms(folder: Path, before: Profile, after: Profile) -> dict[str, str]:
    """Write one PNG per text field measured before or after cleaning; return field -> file name."""
    from matplotlib import style
    from matplotlib.figure import Figure

    written = {}
    for field in measured_fields(before, after):
        panels = [_panel(field, metric, before, after) for metric in (LENGTH, *FEATURES)]
        panels = [p for p in panels if p is not None]
        with style.context("default"):
            width, height = PANEL_INCHES[0] * len(panels), PANEL_INCHES[1]
            figure = Figure(figsize=(width, height), dpi=DPI)  # fixed margins: a layout engine would double the cost
            figure.subplots_adjust(left=0.6 / width, right=1 - 0.15 / width, bottom=0.5 / height, top=1 - 0.55 / height,
                                   wspace=0.25)
            axes = figure.subplots(1, len(panels), squeeze=False)[0]
            for ax, (title, xlabel, edges, counts_before, counts_after) in zip(axes, panels):
                if counts_before is not None:
                    ax.stairs(counts_before, edges, fill=True, color=BEFORE_COLOR, label="before cleaning")
                if counts_after is not None:
                    ax.stairs(counts_after, edges, color=AFTER_COLOR, linewidth=1.5, label="after cleaning")
                ax.set_title(title, fontsize=9)
                ax.set_xlabel(xlabel, fontsize=8)
                ax.tick_params(labelsize=7)
            axes[0].set_ylabel("rows", fontsize=8)
            axes[0].legend(fontsize=7, frameon=False)
            figure.suptitle(field, fontsize=10)
            name = figure_name(field)
            figure.savefig(folder / name, format="png", metadata={"Software": None})
        written[field] = name
    return written


def _panel(field: str, metric: str, before: Profile, after: Profile):
    """(title, x label, bin edges, counts before, counts after) of one metric, or None when unmeasured."""
    key = f"{field}.{metric}"
    arrays = [_finite(p.values.get(key)) for p in (before, after)]
    if all(a is None for a in arrays):
        return None
    reference = arrays[1] if arrays[1] is not None else arrays[0]  # kept rows set the scale; cut rows pile up past it
    if metric == LENGTH:
        top = max(1, math.ceil(np.percentile(reference, SCALE_PERCENTILE)))
        width = max(1, math.ceil((top + 1) / BINS))  # whole characters per bin: no aliasing of integer lengths
        edges = np.arange(top // width + 2) * width
        title, unit = "length", "characters"
    else:
        top = min(1.0, max(MIN_RATIO_SCALE, math.ceil(100 * np.percentile(reference, SCALE_PERCENTILE)) / 100))
        edges = np.linspace(0.0, top, BINS + 1)
        title, unit = FEATURES[metric], "share"
    clipped = any(a is not None and a.max() > top for a in arrays)
    xlabel = f"{unit} (> {top:g} in the last bin)" if clipped else unit
    counts = [None if a is None else np.histogram(np.clip(a, 0, top), edges)[0] for a in arrays]
    return title, xlabel, edges, counts[0], counts[1]


def _finite(values: np.ndarray | None) -> np.ndarray | None:
    """The finite values, or None when there are none (a field with only nulls draws no curve)."""
    if values is None:
        return None
    values = values[np.isfinite(values)]
    return values if values.size else None
