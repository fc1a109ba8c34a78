"""What every annotation task has: a prompt template, inputs, an output schema, a check.

A task maps a row to template variables (`context`), says whether an answer is usable (`check`), and
turns a usable answer into the row's new fields (`fields`). The stage runner does the rest.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from ..errors import UserError
from ..llm.prompts import PromptTemplate
from ..llm.structured import schema_for

REFUSALS = re.compile(
    r"^\s*(i('m| am)? (sorry|unable|not able)|i can(no|')t (help|assist|provide)|as an ai\b|"
    r"作为(一个)?(ai|人工智能)|抱歉，?我(无法|不能)|我无法(回答|提供))",
    re.IGNORECASE,
)


_FOLD = re.compile(r"[\W_]+")


def only_repeats(cot: str, answer: str) -> bool:
    """True when a CoT is just the answer again (ignoring case, spacing and punctuation)."""
    return bool(answer) and _FOLD.sub("", str(cot)).lower() == _FOLD.sub("", str(answer)).lower()


class Task:
    """Base of the annotation tasks (built by Hydra from the `prompt` group)."""

    name = "task"
    dedup_fields: tuple[str, ...] = ()  # set by tasks that create rows: ids are made and these deduplicated

    def __init__(
        self,
        template: str,
        output_schema: Mapping[str, str | Mapping],
        inputs: Mapping[str, str] | None = None,
        language: str = "en",
        few_shot: Sequence[Mapping] = (),
        variables: Mapping[str, object] | None = None,
    ):
        self.prompt = PromptTemplate(template)
        self.output_fields = {k: v for k, v in output_schema.items() if v is not None}
        self.schema = schema_for(self.output_fields)
        # `{cot: cot?}`: a field ending in "?" is optional; rows of data without it give the template None
        given = {name: str(field) for name, field in (inputs or {}).items()}
        self.inputs = {name: field.removesuffix("?") for name, field in given.items()}
        self.optional = {name for name, field in given.items() if field.endswith("?")}
        self.few_shot = [dict(x) for x in few_shot]
        self.variables = {"language": language, **dict(variables or {})}  # templates may use {{ language }}

    def required_fields(self) -> list[str]:
        """Row fields the template reads (optional ones left out)."""
        return [field for name, field in self.inputs.items() if name not in self.optional]

    def context(self, row: Mapping) -> dict:
        """Template variables for one row: its inputs (by template name) plus the task's variables."""
        values = {k: row.get(v) if k in self.optional else row[v] for k, v in self.inputs.items()}
        return {**self.variables, "examples": self.few_shot, **values}

    def check(self, output: dict, reasoning: str | None) -> str | None:
        """None if the answer is usable, else why not (the model is asked again with this reason)."""
        for name, value in output.items():
            if isinstance(value, str) and REFUSALS.search(value):
                return f"{name} is a refusal"
        return None

    def schema_for_row(self, row: Mapping) -> dict:
        """The JSON schema an answer for this row must fit (the same for every row by default)."""
        return self.schema

    def fields(self, row: Mapping, output: dict, reasoning: str | None) -> dict:
        """The row's new or replaced fields from a usable answer."""
        return dict(output)

    def results(self, row: Mapping, output: dict, reasoning: str | None) -> list[dict]:
        """The rows a usable answer turns into: the row with its new fields, by default."""
        return [{**row, **self.fields(row, output, reasoning)}]

    def verdict(self, output: dict) -> str | None:
        """None keeps the row; a reason rejects it although the call worked (e.g. a low judge score)."""
        return None

    def score(self, output: dict) -> int | None:
        """The score an answer gives the row, for the card's distribution (a judge's); None for other tasks."""
        return None

    def check_inputs(self, columns: Sequence[str]) -> None:
        missing = [f for f in self.required_fields() if f not in columns]
        if missing:
            raise UserError(
                f"prompt.inputs reads field {missing[0]!r}, which the data does not have "
                f"(fields: {', '.join(columns)}); fix prompt.inputs or source.columns"
            )
