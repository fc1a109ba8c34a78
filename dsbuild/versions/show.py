"""`dsbuild show`: one version's summary from its manifest: what it was built from, how each stage went,
what it holds, and where its card is.
"""

from __future__ import annotations

from pathlib import Path

from rich.table import Table

from ..review.version_reader import read_json
from .catalog import in_split_order
from .config_diff import input_key, show_value
from .console import console
from .manifest_files import MANIFEST, listed_files, short

CARD = "README.md"


def print_version(folder: Path) -> None:
    """Print the summary of the version at `folder`."""
    m = read_json(Path(folder) / MANIFEST)
    out = console()
    code = m.get("dsbuild") or {}
    git = code.get("git") or {}
    commit = (git.get("commit") or "unknown")[:12] + (", with local changes" if git.get("dirty") else "")
    lines = [
        f"{m.get('name')} / {m.get('version_id')}",
        f"  created     {m.get('created_at', '-')}",
        f"  dsbuild     {code.get('version', '-')} (commit {commit}), python {m.get('python', '-')}",
        f"  format      {m.get('format', '-')}",
        f"  overrides   {' '.join(m.get('overrides') or []) or '(none)'}",
        "  choices     " + (" ".join(f"{k}={show_value(v)}" for k, v in sorted((m.get("choices") or {}).items()))
                             or "-"),
    ]
    if m.get("parent"):
        lines.append(f"  parent      {m['parent']} (a reviewed version)")
    out.print("\n".join(lines), markup=False, soft_wrap=True)
    _print_inputs(out, m.get("inputs") or [])
    _print_stages(out, m.get("stages") or [])
    _print_splits(out, m.get("splits") or {}, m.get("rejects") or {})
    _print_llm(out, m.get("llm") or {})
    files = listed_files(m)
    out.print(f"files ({len(files) + 1}): {', '.join([*files, MANIFEST])}", markup=False, soft_wrap=True)
    out.print(f"card: {Path(folder).resolve() / CARD}", markup=False, soft_wrap=True)


def _print_inputs(out, inputs: list[dict]) -> None:
    table = Table(title="Inputs", title_justify="left")
    for column in ("input", "kind", "sha256"):
        table.add_column(column, overflow="fold")
    for entry in inputs:
        fingerprint = entry.get("sha256") or entry.get("fingerprint") or entry.get("revision") or entry.get("error")
        table.add_row(input_key(entry), str(entry.get("kind", "-")), short(fingerprint))
    out.print(table)


def _print_stages(out, stages: list[dict]) -> None:
    table = Table(title="Stages", title_justify="left")
    for column in ("stage", "rows in", "kept", "rejected", "added", "rejected by rule"):
        table.add_column(column, justify="left" if column in ("stage", "rejected by rule") else "right")
    for s in stages:
        rules = ", ".join(f"{rule} {n}" for rule, n in (s.get("by_rule") or {}).items())
        table.add_row(s.get("stage", "-"), str(s.get("rows_in", 0)), str(s.get("kept", 0)),
                      str(s.get("rejected", 0)), str(s.get("added", 0)), rules or "-")
    out.print(table)


def _print_splits(out, splits: dict, rejects: dict) -> None:
    table = Table(title="Splits", title_justify="left")
    for column in ("split", "rows", "file", "sha256"):
        table.add_column(column, justify="right" if column == "rows" else "left")
    for name, info in in_split_order(splits):
        table.add_row(name, str(info.get("rows", 0)), info.get("file") or "-", short(info.get("sha256")))
    if rejects:
        table.add_row("(rejects)", str(rejects.get("rows", 0)), rejects.get("file") or "-",
                      short(rejects.get("sha256")))
    out.print(table)


def _print_llm(out, llm: dict) -> None:
    if not llm:
        return
    table = Table(title="LLM usage", title_justify="left")
    for column in ("task", "model", "sent", "cached", "failed", "tokens", "cost $"):
        table.add_column(column, justify="left" if column in ("task", "model") else "right")
    for task, usage in llm.items():
        tokens = usage.get("prompt_tokens", 0) + usage.get("completion_tokens", 0)
        table.add_row(task, str(usage.get("model", "-")), str(usage.get("sent", 0)), str(usage.get("cached", 0)),
                      str(usage.get("failed", 0)), str(tokens), f"{usage.get('cost_usd', 0.0):.4f}")
    out.print(table)
