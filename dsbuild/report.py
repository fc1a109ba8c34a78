"""What the user sees while and after a build: a progress bar over stages, then a summary table."""

from __future__ import annotations

import sys
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table


@contextmanager
def stage_progress(total: int):
    """Yield `advance(label, step=1)`; draws a bar on a terminal, stays silent in logs and pipes.

    `step=0` only updates the label (e.g. an LLM stage's running done / cached / failed / cost).
    """
    console = Console(stderr=True)
    progress = Progress(
        TextColumn("[bold]{task.description:<28}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=console, transient=True, disable=not console.is_terminal,
    )
    with progress:
        task = progress.add_task("starting", total=total)

        def advance(label: str, step: int = 1) -> None:
            progress.update(task, advance=step, description=label)

        yield advance


def print_summary(stages: list[dict], splits: dict[str, dict], path: str, existed: bool = False,
                  llm: dict[str, dict] | None = None, note: str | None = None) -> None:
    """Rows per stage, rejects per rule, the LLM calls of this run, rows per split, and where the version is."""
    console = Console(file=sys.stdout, width=max(100, Console().width))
    if stages:
        table = Table(title="Rows per stage", title_justify="left")
        for col in ("stage", "in", "kept", "rejected", "added"):
            table.add_column(col, justify="left" if col == "stage" else "right")
        for s in stages:
            table.add_row(s["stage"], str(s["rows_in"]), str(s["kept"]), str(s["rejected"]), str(s["added"]))
        console.print(table)
        rules = [(s["stage"], rule, n) for s in stages for rule, n in s["by_rule"].items()]
        if rules:
            table = Table(title="Rejects per rule", title_justify="left", caption="details: rejects.jsonl")
            for col in ("stage", "rule", "rows"):
                table.add_column(col, justify="right" if col == "rows" else "left")
            for stage, rule, n in rules:
                table.add_row(stage, rule, str(n))
            console.print(table)
    if llm:
        console.print(llm_table(llm))
        for task, usage in llm.items():
            reasons = sorted((usage.get("failed_by_reason") or {}).items(), key=lambda item: -item[1])[:3]
            for reason, n in reasons:
                console.print(f"{task} failed: {n} x {reason}", soft_wrap=True, highlight=False, markup=False)
    table = Table(title="Rows per split", title_justify="left")
    table.add_column("split")
    table.add_column("rows", justify="right")
    table.add_column("file")
    for name, info in splits.items():
        table.add_row(name, str(info["rows"]), info.get("file") or "-")
    console.print(table)
    verb = "already exists" if existed else "written"
    if note:
        console.print(note, soft_wrap=True, highlight=False, markup=False)
    console.print(f"dataset version {verb}: {path}", soft_wrap=True, highlight=False, markup=False)


def llm_table(llm: dict[str, dict]) -> Table:
    """Per task, what this run did: calls sent, answered from the cache (or by another process sending the
    same call), failed, tokens and USD of what was sent."""
    table = Table(title="LLM calls", title_justify="left", caption="from cache includes answers another build sent")
    for column in ("task", "sent", "from cache", "failed", "prompt tokens", "completion tokens", "USD"):
        table.add_column(column, justify="left" if column == "task" else "right")
    for task, usage in llm.items():
        table.add_row(task, str(usage.get("sent", 0)), str(usage.get("cached", 0) + usage.get("shared", 0)),
                      str(usage.get("failed", 0)), str(usage.get("prompt_tokens", 0)),
                      str(usage.get("completion_tokens", 0)), f"{usage.get('cost_usd', 0.0):.4f}")
    return table
