"""`generate_qa`: a passage (or a topic, or a seed example) -> N question / CoT / answer triples.

N is `per_passage`, or one question per `chars_per_question` characters of the passage. Every
generated row keeps its lineage (`passage_id`, `source`, `source_ref`), the passage itself and the
passage row's other fields (e.g. `doc`, `page_start`, `headings` from `source=documents`), gets
a content id, and generated questions that repeat one already made (after normalization) are
rejected as duplicates naming the kept one.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..errors import UserError
from .base import Task, only_repeats

ITEM_FIELDS = ("question", "cot", "response")


class GenerateQA(Task):
    """Write N question / reasoning / answer triples grounded in each row's passage."""

    name = "generate_qa"
    dedup_fields = ("question",)  # generated rows get content ids; repeated questions are rejected

    def __init__(self, *args, per_passage: int | None = 3, chars_per_question: int | None = None, **kwargs):
        kwargs.setdefault("output_schema", {f: "string" for f in ITEM_FIELDS})
        kwargs.setdefault("inputs", {"passage": "text"})
        super().__init__(*args, **kwargs)
        if (per_passage is None) == (chars_per_question is None):
            raise UserError("generate_qa needs exactly one of per_passage (N a passage) or chars_per_question")
        if (per_passage or chars_per_question or 0) < 1:
            raise UserError("generate_qa: per_passage / chars_per_question must be at least 1")
        self.per_passage, self.chars_per_question = per_passage, chars_per_question
        self.item_schema = self.schema

    def count(self, row: Mapping) -> int:
        if self.per_passage is not None:
            return self.per_passage
        return max(1, len(str(row[self.inputs["passage"]]) or "") // self.chars_per_question)

    def context(self, row: Mapping) -> dict:
        return {**super().context(row), "n": self.count(row)}

    def schema_for_row(self, row: Mapping) -> dict:
        n = self.count(row)
        items = {"type": "array", "items": self.item_schema, "minItems": n, "maxItems": n}
        return {"type": "object", "properties": {"items": items}, "required": ["items"], "additionalProperties": False}

    def check(self, output: dict, reasoning: str | None) -> str | None:
        for i, item in enumerate(output.get("items", [])):
            problem = super().check(item, reasoning)
            if problem:
                return f"item {i + 1}: {problem}"
            if only_repeats(item["cot"], item["response"]):
                return f"item {i + 1}: the CoT only repeats the answer"
        return None

    def results(self, row: Mapping, output: dict, reasoning: str | None) -> list[dict]:
        passage_field = self.inputs["passage"]
        carried = {k: v for k, v in row.items() if k not in ("id", passage_field, *ITEM_FIELDS)}
        return [{**carried, **{f: item[f] for f in ITEM_FIELDS}, "passage": row[passage_field],
                 "passage_id": row.get("id")} for item in output["items"]]
