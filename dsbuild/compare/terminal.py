"""The comparison in the terminal: one rich table, a column per version, a block of rows per section."""

from __future__ import annotations

import sys

from rich.console import Console
from rich.table import Table
from rich.text import Text

from .table import Section


def print_table(labels: list[str], sections: list[Section], failed: list[str]) -> None:
    """The sections as one table on stdout, then any sweep job that has no version."""
    console = Console(file=sys.stdout, width=max(100, Console().width))
    table = Table(title="Compared versions", title_justify="left")
    table.add_column("", style="bold", overflow="fold")
    for label in labels:
        table.add_column(Text(label), justify="right", overflow="fold")  # Text: labels such as [0.8,0.1] are no markup
    for section in sections:
        table.add_row(Text(section.title, style="underline"), *[""] * len(labels))
        for name, cells in section.rows:
            table.add_row(Text(name), *map(Text, cells))
        table.add_section()
    console.print(table)
    for note in failed:
        console.print(f"not compared (the job failed): {note}", soft_wrap=True, highlight=False, markup=False)
