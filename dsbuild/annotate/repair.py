"""`repair`: an LLM fixes typos, grammar and small logic slips in one field; the original is kept.

The repaired text replaces the field and the original goes to `<field>_original`, so the change can
be reviewed (and undone) row by row.
"""

from __future__ import annotations

from collections.abc import Mapping

from .base import Task


class Repair(Task):
    """Rewrite `field` with its mistakes fixed, keeping the meaning."""

    name = "repair"

    def __init__(self, *args, field: str = "response", **kwargs):
        kwargs.setdefault("output_schema", {"fixed": "string"})
        kwargs.setdefault("inputs", {"text": field})
        super().__init__(*args, **kwargs)
        self.field = field

    def required_fields(self) -> list[str]:
        return [*super().required_fields(), self.field]

    def fields(self, row: Mapping, output: dict, reasoning: str | None) -> dict:
        return {self.field: output["fixed"], f"{self.field}_original": row[self.field]}
