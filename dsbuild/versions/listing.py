"""`dsbuild versions`: the table of versions on disk (see `catalog` for what each row holds)."""

from __future__ import annotations

from rich.table import Table

from .catalog import short_overrides
from .console import console


def print_versions(entries: list[dict], root: str) -> None:
    """One row per version, newest first; a version whose manifest cannot be read shows the problem."""
    out = console()
    if not entries:
        out.print(f"no dataset versions under {root}", markup=False)
        return
    table = Table(title=f"Dataset versions under {root}", title_justify="left")
    for column in ("name", "version", "created", "overrides", "rows", "rejects", "LLM $", "parent"):
        table.add_column(column, justify="right" if column in ("rejects", "LLM $") else "left",
                         no_wrap=column != "overrides", min_width=24 if column == "overrides" else None)
    for e in entries:
        if e["problem"]:
            table.add_row(e["name"], e["version_id"], "-", e["problem"], "", "", "", "")
            continue
        rows = " ".join(f"{split} {n}" for split, n in e["rows"].items())
        cost = "-" if e["cost_usd"] is None else f"{e['cost_usd']:.4f}"
        table.add_row(e["name"], e["version_id"], (e["created_at"] or "-")[:16].replace("T", " "),
                      short_overrides(e["overrides"]) or "-", rows, str(e["rejects"] or 0), cost, e["parent"] or "-")
    out.print(table)
