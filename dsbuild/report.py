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


def print_summary(stages: list[dict], splits: dict[str, dict], path: str, existed: bool = False) -> None:
    """Rows per stage, rejects per rule, rows per split, and where the version is."""
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
    table = Table(title="Rows per split", title_justify="left")
    table.add_column("split")
    table.add_column("rows", justify="right")
    table.add_column("file")
    for name, info in splits.items():
        table.add_row(name, str(info["rows"]), info.get("file") or "-")
    console.print(table)
    verb = "already exists" if existed else "written"
    console.print(f"dataset version {verb}: {path}", soft_wrap=True, highlight=False, markup=False)
