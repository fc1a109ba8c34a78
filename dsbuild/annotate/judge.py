"""`judge`: an LLM scores each row from 1 to 5 on configured criteria; low scores are rejected.

The score and the rationale stay on kept rows (`judge_score`, `judge_rationale`), and a rejected row's
reason carries both, so a person can see why the judge turned it down.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..errors import UserError
from .base import Task

SCHEMA = {"score": {"type": "integer", "minimum": 1, "maximum": 5}, "rationale": "string"}


class Judge(Task):
    """Score rows 1-5 with a rationale; reject rows scoring below `threshold`."""

    name = "judge"

    def __init__(self, *args, criteria: Sequence[str] = (), threshold: int = 3, **kwargs):
        kwargs.setdefault("output_schema", SCHEMA)
        super().__init__(*args, **kwargs)
        if not 1 <= threshold <= 5:
            raise UserError(f"judge threshold must be between 1 and 5, got {threshold}")
        if not criteria:
            raise UserError(
                "judge needs `criteria`: a list of what a good row does (e.g. 'the reasoning supports the answer')"
            )
        self.threshold = threshold
        self.variables["criteria"] = list(criteria)

    def fields(self, row: Mapping, output: dict, reasoning: str | None) -> dict:
        return {"judge_score": int(output["score"]), "judge_rationale": output["rationale"]}

    def score(self, output: dict) -> int | None:
        return int(output["score"])

    def verdict(self, output: dict) -> str | None:
        score = int(output["score"])
        if score >= self.threshold:
            return None
        return f"judge score {score} < {self.threshold}: {output['rationale']}"
