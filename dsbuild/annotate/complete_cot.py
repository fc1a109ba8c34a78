"""`complete_cot`: question + answer -> the reasoning (`cot`) that leads to the answer.

With `response` in the output schema the answer is also rewritten in the configured persona's voice
(the original stays in `response_original`). With `reasoning_as_cot`, a reasoning model's own
thinking (`reasoning_content` or `<think>…</think>`) becomes the CoT; `cot_source` says which rows
got `reasoning` and which a `synthesized` CoT.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..errors import UserError
from .base import Task, only_repeats


class CompleteCot(Task):
    """Write the chain of thought for a question-answer pair (optionally rewrite the answer)."""

    name = "complete_cot"

    def __init__(self, *args, persona: str = "a careful, friendly doctor", reasoning_as_cot: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if "cot" not in self.output_fields and not reasoning_as_cot:
            raise UserError(
                "prompt.output_schema of complete_cot needs a `cot` field (or reasoning_as_cot: true for a "
                "reasoning model whose own thinking is the CoT)"
            )
        self.inputs.setdefault("question", "question")
        self.inputs.setdefault("response", "response")
        self.reasoning_as_cot = reasoning_as_cot
        self.variables.update(persona=persona, rewrite_response="response" in self.output_fields)

    def check(self, output: dict, reasoning: str | None) -> str | None:
        problem = super().check(output, reasoning)
        if problem:
            return problem
        cot = reasoning if self.reasoning_as_cot and reasoning else output.get("cot", "")
        if not str(cot).strip():
            return "the model returned no reasoning" if self.reasoning_as_cot else "the CoT is empty"
        answer = output.get("response", "")
        if only_repeats(cot, answer):
            return "the CoT only repeats the answer"
        return None

    def fields(self, row: Mapping, output: dict, reasoning: str | None) -> dict:
        use_reasoning = bool(self.reasoning_as_cot and reasoning)
        new = {"cot": reasoning if use_reasoning else output["cot"],
               "cot_source": "reasoning" if use_reasoning else "synthesized"}
        if "response" in output:
            new["response_original"] = row[self.inputs["response"]]
            new["response"] = output["response"]
        return new
