"""`label`: an LLM puts each row into one of a configured set of labels (automatic annotation)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..errors import UserError
from .base import Task


class Label(Task):
    """Classify `inputs.text` into one of `labels`; the answer goes to the row's `target` field."""

    name = "label"

    def __init__(self, *args, labels: Sequence[str] = (), target: str = "label", **kwargs):
        labels = [str(label) for label in labels]
        if len(labels) < 2:
            raise UserError("label needs `labels`: at least two names to choose from")
        kwargs.setdefault("output_schema", {"label": {"enum": labels}})
        super().__init__(*args, **kwargs)
        self.target = target
        self.variables["labels"] = labels

    def fields(self, row: Mapping, output: dict, reasoning: str | None) -> dict:
        return {self.target: output["label"]}
