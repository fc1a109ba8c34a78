"""The dataset card (README.md): a Hugging Face-style YAML header, then counts a person can check.

Deterministic: no timestamps or machine details (those live in manifest.json), so two builds of the
same version write the same card.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np
import pyarrow as pa
import yaml

from .. import __version__
from ..record import text_fields
from .augment_section import augment_section
from .llm_section import llm_section
from .stats import SAMPLE_ROWS, text_lengths
from .token_section import token_section

_CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")


def size_category(n: int) -> str:
    """Hugging Face's size bucket for n rows."""
    bounds = [(1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M"),
              (10_000_000, "1M<n<10M"), (100_000_000, "10M<n<100M")]
    return next((label for bound, label in bounds if n < bound), "n>100M")


class Languages:
    """Scripts seen in text fields (zh for CJK, en for Latin) in the first `sample` rows of each table.

    Fed batch by batch; `new_table()` before each table's (split's) first batch starts its count of rows.
    """

    def __init__(self, sample: int = 2000):
        self.sample = sample
        self.found: set[str] = set()
        self._seen = 0  # rows of the current table added so far

    def new_table(self) -> Languages:
        """The batches that follow are another table: its first `sample` rows are read too."""
        self._seen = 0
        return self

    def add(self, batch: pa.RecordBatch | pa.Table) -> Languages:
        """Read the batch's rows that are among the first `sample` of the current table."""
        head = batch.slice(0, max(0, self.sample - self._seen))
        self._seen += batch.num_rows
        if head.num_rows:
            for name in text_fields(head):
                for value in head.column(name).to_pylist():
                    if value:
                        if _CJK.search(value):
                            self.found.add("zh")
                        if _LATIN.search(value):
                            self.found.add("en")
        return self

    def result(self) -> list[str]:
        """The ISO codes found, sorted."""
        return sorted(self.found)


class LengthStats:
    """Characters of every non-null value of each text field, fed batch by batch (an int32 per value)."""

    def __init__(self):
        self._lengths: dict[str, list[np.ndarray]] = {}

    def add(self, batch: pa.RecordBatch | pa.Table) -> LengthStats:
        """Measure the batch's text fields."""
        for name in text_fields(batch):
            self._lengths.setdefault(name, []).append(text_lengths(batch.column(name)))
        return self

    def result(self) -> dict[str, dict[str, float]]:
        """Per text field, by name: min / median / mean / p95 / max characters over its non-null values."""
        stats = {}
        for name in sorted(self._lengths):
            lengths = np.concatenate(self._lengths[name])
            self._lengths[name] = [lengths]
            if lengths.size == 0:
                continue
            stats[name] = {  # median and p95 partition the lengths in place: no copies, the same numbers
                "min": int(lengths.min()), "median": float(np.median(lengths, overwrite_input=True)),
                "mean": float(lengths.mean()), "p95": float(np.percentile(lengths, 95, overwrite_input=True)),
                "max": int(lengths.max()),
            }
        return stats


UNREADABLE_LISTED = 50  # inputs listed one by one in the card; all of them are in rejects.jsonl
REF_CHARS, REASON_CHARS = 80, 200  # an example reject's source_ref / id and reason, as shown in the card
_MARKDOWN_SPECIAL = re.compile(r"[\\`*_\[\]<>|~&]")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def rejects_section(
    stages: Sequence[Mapping], examples: Mapping[tuple[str, str], Sequence[tuple[str, str]]]
) -> list[str]:
    """Rows, share of the stage's rows and the first rejects of each rule, as Markdown lines."""
    rejected = [(s, rule, n) for s in stages for rule, n in s["by_rule"].items()]
    if not rejected:
        return ["No row was rejected."]
    lines = ["Every rejected row is in `rejects.jsonl` with its stage, rule and reason. Share: of the rows the "
             "stage received (rows in + added).", "", "| stage | rule | rows | share |", "|---|---|---:|---:|"]
    for stage, rule, n in rejected:
        lines.append(f"| {stage['stage']} | {rule} | {n} | {_share(n, stage['rows_in'] + stage['added'])} |")
    lines += ["", "The first rejects of each rule, in `rejects.jsonl` order:", ""]
    for stage, rule, n in rejected:
        shown = examples.get((stage["stage"], rule), ())
        lines.append(f"- **{stage['stage']} / {rule}** ({len(shown)} of {n})")
        lines += [f"  - {_code(_shorten(ref, REF_CHARS, keep_end=True))}: {_escape(_shorten(reason, REASON_CHARS))}"
                  for ref, reason in shown]
    return lines


def figures_section(figures: Mapping[str, str], compared: tuple[int, int]) -> list[str]:
    """The before/after histograms: what each figure compares, then one image per text field."""
    before, after = compared
    grey = f"Grey: the {before} loaded rows, before cleaning. " if before else ""
    lines = [f"{grey}Blue: the {after} kept rows of all splits but pilot. Lengths count every row; digit, "
             f"punctuation and repeated n-gram ratios a sample of at most {SAMPLE_ROWS:,} rows.", ""]
    for field, file in figures.items():
        lines += [f"![{field}: length and quality features before and after cleaning]({file})", ""]
    return lines[:-1]


def _share(n: int, total: int) -> str:
    if total <= 0:
        return "-"
    percent = 100 * n / total
    return "<0.1%" if 0 < percent < 0.05 else f"{percent:.1f}%"


def _shorten(text: str, limit: int, keep_end: bool = False) -> str:
    """One line of at most `limit` characters; cut in the middle when the end matters (a file's line number)."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    if keep_end:
        half = (limit - 1) // 2
        return f"{text[:half]}…{text[-(limit - 1 - half):]}"
    return text[: limit - 1] + "…"


def _escape(text: str) -> str:
    """Text shown literally by Markdown (no emphasis, links, HTML, entities or table cells)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\g<0>", text)


def _code(text: str) -> str:
    """A Markdown code span holding `text` verbatim, whatever backticks it contains."""
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def render_card(
    *,
    name: str,
    version_id: str,
    splits: Mapping[str, Mapping],
    stages: Sequence[Mapping],
    reject_examples: Mapping[tuple[str, str], Sequence[tuple[str, str]]],
    lengths: Mapping[str, Mapping[str, float]],
    langs: Sequence[str],
    format_name: str,
    rebuild_command: str,
    unreadable: Sequence[tuple[str, str]] = (),
    figures: Mapping[str, str] | None = None,
    compared: tuple[int, int] = (0, 0),
    augment: Mapping | None = None,
    llm_calls: Mapping[str, Mapping] | None = None,
    scores: Mapping[str, Mapping] | None = None,
    supersedes: str | None = None,
    tokens: Mapping | None = None,
    token_figure: str | None = None,
) -> str:
    """The card's Markdown text. `figures`: text field -> before/after PNG; `compared`: rows before and after;
    `augment`: the augment stage's summary; `llm_calls` / `scores`: per task, its calls and a judge's scores."""
    total = sum(s["rows"] for n, s in splits.items() if n != "pilot")
    header = {
        "pretty_name": name,
        "language": list(langs),
        "size_categories": [size_category(total)],
        "tags": ["dsbuild", format_name],
        "configs": [{
            "config_name": "default",
            "data_files": [{"split": n, "path": s["file"]} for n, s in splits.items() if s.get("file")],
        }],
        "dsbuild": {"version_id": version_id, "format": format_name, "dsbuild_version": __version__},
    }
    lines = ["---", yaml.safe_dump(header, sort_keys=False, allow_unicode=True).rstrip(), "---", ""]
    lines += [f"# {name}", "", f"Dataset version `{version_id}`, built by dsbuild {__version__} "
              f"in the `{format_name}` format. Every number below is recomputed from the files.", ""]
    lines += ["## Splits", "", "| split | rows | file | sha256 |", "|---|---:|---|---|"]
    for split, info in splits.items():
        lines.append(f"| {split} | {info['rows']} | {info.get('file') or '-'} | `{(info.get('sha256') or '-')[:16]}` |")
    if "pilot" in splits:
        lines += ["", "`pilot` is a sample of `train` to try a fine-tune on before using the full set."]
    lines += ["", "## Pipeline", "", "| stage | rows in | kept | rejected | added |", "|---|---:|---:|---:|---:|"]
    for s in stages:
        lines.append(f"| {s['stage']} | {s['rows_in']} | {s['kept']} | {s['rejected']} | {s['added']} |")
    lines += ["", "## Rejected rows by rule", ""]
    lines += rejects_section(stages, reject_examples)
    changes = [(s["stage"], rule, kind, n) for s in stages for rule, kinds in s.get("changes", {}).items()
               for kind, n in kinds.items()]
    if changes:
        lines += ["", "## Matches by kind", "", "What steps that look for kinds of text found (PII: redacted, or "
                  "the row dropped, as the step's `action` says).", "",
                  "| stage | rule | kind | matches |", "|---|---|---|---:|"]
        lines += [f"| {stage} | {rule} | {kind} | {n} |" for stage, rule, kind, n in changes]
    lines += llm_section(llm_calls or {}, scores or {}, supersedes)
    if augment is not None:
        lines += augment_section(augment)
    if unreadable:
        lines += ["", "## Inputs that could not be read", "",
                  f"{len(unreadable)} input(s) gave no rows; the build went on without them.", "",
                  "| input | reason |", "|---|---|"]
        for ref, reason in unreadable[:UNREADABLE_LISTED]:
            lines.append(f"| {_cell(ref)} | {_cell(reason)} |")
        if len(unreadable) > UNREADABLE_LISTED:
            lines.append(f"| … | {len(unreadable) - UNREADABLE_LISTED} more in `rejects.jsonl` (ids `input:…`) |")
    lines += token_section(tokens, token_figure)
    lines += ["", "## Field lengths (characters, all splits but pilot)", ""]
    if tokens is None:
        lines += ["Lengths are in characters; set `format.tokenizer` to the target model's tokenizer to count the "
                  "tokens the trainer will see.", ""]
    if lengths:
        lines += ["| field | min | median | mean | p95 | max |", "|---|---:|---:|---:|---:|---:|"]
        for field, st in lengths.items():
            lines.append(
                f"| {field} | {st['min']} | {st['median']:.0f} | {st['mean']:.1f} | {st['p95']:.0f} | {st['max']} |"
            )
    else:
        lines.append("No text fields.")
    if figures:
        lines += ["", "## Before and after cleaning", ""] + figures_section(figures, compared)
    lines += ["", "## Rebuild", "", "The same command, inputs and dsbuild version give this version again "
              "(same id, same bytes):", "", "```bash", rebuild_command, "```", ""]
    return "\n".join(lines)
