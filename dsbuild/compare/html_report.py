"""compare.html: the whole comparison in one self-contained file (inline CSS, plots as PNG data URIs).

Sections: versions, rows per stage and split, rejects per rule, field lengths, labels, judge scores,
tokens and cost, pilot fine-tune losses, overlap, samples. A section with nothing to show says so rather
than disappearing, so every report has the same outline. Nothing in the page depends on the time it was written.
"""

from __future__ import annotations

import base64
from html import escape
from pathlib import Path

from ..record import TEXT_FIELDS
from .figures import category_figure, color, judge_figure, length_figure, llm_figure
from .inputs import Selection
from .measures import Measures, categorical_fields
from .overlap import Overlap, overlap
from .rows import SPLIT_COLUMN, strings
from .samples import SHOWN_FIELDS, Sample, pick_samples
from .table import (
    Section,
    judge_section,
    length_section,
    llm_section,
    pilot_section,
    reject_section,
    split_section,
    stage_section,
)

STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 1200px; padding: 0 1em; color: #222; }
h1 { font-size: 1.5em; } h2 { margin-top: 2em; border-bottom: 1px solid #ccc; } h3 { font-size: 1em; }
table { border-collapse: collapse; margin: .5em 0 1em; } th, td { border: 1px solid #ddd; padding: 3px 8px; }
th { background: #f4f4f4; text-align: left; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
.swatch { display: inline-block; width: .8em; height: .8em; margin-right: .4em; border-radius: 2px; }
.note { color: #666; font-style: italic; } .failed { color: #a00; }
img { max-width: 100%; display: block; margin: .5em 0; }
table.samples td { vertical-align: top; min-width: 16em; }
.text { white-space: pre-wrap; max-height: 18em; overflow: auto; }
"""
COLORS = {f"C{i}": c for i, c in enumerate(["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
                                              "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"])}  # matplotlib's cycle


def write_html(path: Path, selection: Selection, measures: list[Measures], sample_count: int) -> None:
    """Write the report for the selected versions to `path`."""
    labels = [c.label for c in selection.versions]
    body = [
        _section("versions", "Versions", _versions(selection)),
        _section("rows", "Rows per stage and split", _table(labels, stage_section(measures)) +
                 _table(labels, split_section(measures))),
        _section("rejects", "Rejects per rule", _table(labels, reject_section(measures))
                 or _note("No version rejected any row.")),
        _section("lengths", "Field lengths", _lengths(labels, measures)),
        _section("labels", "Labels", _labels(labels, measures)),
        _section("judge", "Judge scores", _judge(labels, measures)),
        _section("llm", "Tokens and cost", _llm(labels, measures)),
        _section("pilot", "Pilot fine-tune", _table(labels, pilot_section(measures)) or _note(
            "No version has a pilot (pilot.size=1000 writes one, with llamafactory/pilot_sft.yaml).")),
        _section("overlap", "Overlap", _overlap(labels, overlap(measures))),
        _section("samples", "Samples", _samples(labels, pick_samples(measures, sample_count))),
    ]
    page = ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>dsbuild compare: {len(labels)} versions</title><style>{STYLE}</style></head><body>"
            f"<h1>dsbuild compare: {len(labels)} versions</h1>{''.join(body)}</body></html>\n")
    Path(path).write_text(page, encoding="utf-8")


def _versions(selection: Selection) -> str:
    rows = "".join(
        f"<tr><td>{i + 1}</td><td>{_swatch(i)}{escape(c.label)}</td><td>{escape(c.version.name)}</td>"
        f"<td>{escape(c.version.id)}</td><td>{escape(str(c.version.manifest.get('format')))}</td>"
        f"<td>{escape(str(c.version.path))}</td></tr>" for i, c in enumerate(selection.versions))
    failed = "".join(f"<p class=\"failed\">Not compared (the sweep job failed): {escape(note)}</p>"
                     for note in selection.failed)
    return ("<table><tr><th>#</th><th>version</th><th>dataset</th><th>id</th><th>format</th><th>folder</th></tr>"
            f"{rows}</table>{failed}")


def _lengths(labels: list[str], measures: list[Measures]) -> str:
    fields = [f for f in TEXT_FIELDS if any(f in m.lengths for m in measures)]
    if not fields:
        return _note("No version has text fields.")
    return _table(labels, length_section(measures)) + "".join(
        _image(length_figure(f, labels, [m.lengths.get(f, []) for m in measures]), f"{f} length distribution")
        for f in fields)


def _labels(labels: list[str], measures: list[Measures]) -> str:
    fields = categorical_fields(measures)
    if not fields:
        return _note("No categorical field (a short text field with a few distinct values, such as a label).")
    return "".join(f"<h3>{escape(f)}</h3>" + _image(category_figure(f, labels, [strings(m.rows, f) for m in measures]),
                                                     f"{f} distribution") for f in fields)


def _judge(labels: list[str], measures: list[Measures]) -> str:
    if not any(m.judge_scores for m in measures):
        return _note("No version has judge scores (prompt=doctor_judge, or a judge task, adds them).")
    return _table(labels, judge_section(measures)) + _image(
        judge_figure(labels, [m.judge_scores for m in measures]), "judge score distribution")


def _llm(labels: list[str], measures: list[Measures]) -> str:
    if not any(m.llm for m in measures):
        return _note("No version called an LLM.")
    tokens = [sum(i["tokens"] for i in m.llm.values()) for m in measures]
    costs = [sum(i["cost_usd"] for i in m.llm.values()) for m in measures]
    return _table(labels, llm_section(measures)) + _image(llm_figure(labels, tokens, costs), "tokens and cost")


def _overlap(labels: list[str], found: Overlap) -> str:
    parts = [("Rows in common by id", found.by_id), ("Rows in common by id, in the same split", found.same_split)]
    if found.by_text is not None:
        parts.append((f"Rows in common by {found.text_field} text (normalized, whatever their id)", found.by_text))
    return _note("Cell (row, column): rows the two versions share; the diagonal: rows of the version "
                 "(every split but the pilot).") + "".join(f"<h3>{escape(title)}</h3>{_matrix(labels, matrix)}"
                                                             for title, matrix in parts)


def _samples(labels: list[str], samples: list[Sample]) -> str:
    if not samples:
        return _note("No input is in more than one version (by id or by question text).")
    head = _header("", labels)
    blocks = []
    for sample in samples:
        fields = [f for f in (SPLIT_COLUMN, *SHOWN_FIELDS) if any(c and f in c for c in sample.cells)]
        rows = "".join(f"<tr><th>{escape(f.lstrip('_'))}</th>" + "".join(
            f"<td><div class=\"text\">{escape(str(c[f])) if c and f in c else '—'}</div></td>" for c in sample.cells)
            + "</tr>" for f in fields)
        blocks.append(f"<h3>{escape(sample.question)}</h3><p class=\"note\">matched by {escape(sample.matched_by)}"
                      f"</p><table class=\"samples\">{head}{rows}</table>")
    return "".join(blocks)


def _table(labels: list[str], section: Section) -> str:
    if not section.rows:
        return ""
    head = _header(section.title, labels)
    rows = "".join(f"<tr><td>{escape(name)}</td>" + "".join(f"<td class=\"n\">{escape(c)}</td>" for c in cells)
                   + "</tr>" for name, cells in section.rows)
    return f"<table>{head}{rows}</table>"


def _header(first: str, labels: list[str]) -> str:
    """A header row: `first`, then each version's colour and label."""
    cells = "".join(f"<th>{_swatch(i)}{escape(label)}</th>" for i, label in enumerate(labels))
    return f"<tr><th>{escape(first)}</th>{cells}</tr>"


def _matrix(labels: list[str], matrix: list[list[int]]) -> str:
    head = "<tr><th></th>" + "".join(f"<th>{_swatch(i)}{i + 1}</th>" for i in range(len(labels))) + "</tr>"
    rows = "".join(f"<tr><th>{_swatch(i)}{i + 1}. {escape(label)}</th>" +
                   "".join(f"<td class=\"n\">{n}</td>" for n in matrix[i]) + "</tr>" for i, label in enumerate(labels))
    return f"<table>{head}{rows}</table>"


def _section(anchor: str, title: str, content: str) -> str:
    return f"<section id=\"{anchor}\"><h2>{escape(title)}</h2>{content}</section>"


def _image(png: bytes, alt: str) -> str:
    return f"<img alt=\"{escape(alt)}\" src=\"data:image/png;base64,{base64.b64encode(png).decode('ascii')}\">"


def _swatch(index: int) -> str:
    return f"<span class=\"swatch\" style=\"background:{COLORS[color(index)]}\"></span>"


def _note(text: str) -> str:
    return f"<p class=\"note\">{escape(text)}</p>"
