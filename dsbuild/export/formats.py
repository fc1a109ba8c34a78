"""Exporters: one class per target format, built by Hydra from `{_target_: dsbuild.export.formats.X}`.

An exporter says whether a canonical row fits its format (`validate`, a one-line reason naming the
field), maps a row to a record of the format (`to_record`), writes valid rows batch by batch
(`write_batches`, or `write` for a whole table: same bytes however the rows are cut) and describes
the written files to LLaMA-Factory (`dataset_info`). `validate_table` applies
`validate` to a table and returns the misfits as rejects of stage `validate`, so no row is lost
silently at export time.

The prompt of a row is its `instruction` if non-empty, else its `question`. Chat formats append a
non-empty `input` to it after a newline, as LLaMA-Factory joins alpaca prompt and query.

Reasoning is trained by default: every format puts a row's `cot` into the assistant turn the trainer
computes the loss on (`reasoning: think_tags`, `<think>\\n{cot}\\n</think>\\n\\n{response}`, the
DeepSeek-R1 convention; `reasoning_template` sets another wrapper, e.g. HuatuoGPT-o1's headings), and
a row without a CoT gets the response alone, never an empty `<think>` block. `reasoning: drop` trains
on the response only. A format whose own records keep the CoT apart (`cot_sft`, the lossless dumps)
also writes a LLaMA-Factory view of the same rows (`llamafactory_view`), which dataset_info.json names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from dataclasses import fields as dataclass_fields
from pathlib import Path
from typing import ClassVar

import pyarrow as pa

from ..errors import UserError
from ..stage import partition
from . import llamafactory, writers

VALIDATE_STAGE = "validate"
PROMPT_FIELDS = ("instruction", "question")
REASONING = ("think_tags", "drop")
THINK_TAGS = "<think>\n{cot}\n</think>\n\n{response}"
_SLOT = re.compile(r"\{(cot|response)\}")


def validate_table(exporter: Exporter, table: pa.Table) -> tuple[pa.Table, pa.Table]:
    """(rows valid for `exporter`, the other rows marked as rejects of rule `format:<name>`)."""
    reasons: list[str | None] = []
    for rows in writers.row_batches(table, exporter.fields):
        reasons.extend(map(exporter.validate, rows))
    return partition(table, reasons, stage=VALIDATE_STAGE, rule=f"format:{exporter.name}")


@dataclass
class Exporter:
    """Base of the exporters; subclasses set `name`, `extension`, `fields` and the methods."""

    name: ClassVar[str]
    extension: ClassVar[str]
    fields: ClassVar[tuple[str, ...]]  # the row fields that `validate` and `to_record` read
    reasoning: str = "think_tags"
    reasoning_template: str | None = None
    _written: dict[str, frozenset[str]] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.reasoning not in REASONING:
            raise UserError(f"format.reasoning={self.reasoning!r}: use one of {', '.join(REASONING)}")
        if self.reasoning_template is not None:
            if isinstance(self.reasoning_template, str):  # a command line cannot type a newline: \n stands for one
                self.reasoning_template = self.reasoning_template.replace("\\n", "\n").replace("\\t", "\t")
            if self.reasoning == "drop":
                raise UserError("format.reasoning_template is set but format.reasoning=drop trains no reasoning; "
                                "use format.reasoning=think_tags with it")
            if not isinstance(self.reasoning_template, str) or set(_SLOT.findall(self.reasoning_template)) != {
                    "cot", "response"}:
                raise UserError(f"format.reasoning_template={self.reasoning_template!r} must hold {{cot}} and "
                                "{response}, e.g. '## Thinking\\n\\n{cot}\\n\\n## Final Response\\n\\n{response}'")

    def answer(self, row: dict) -> str:
        """The assistant turn of a row: its response, with its CoT wrapped before it unless reasoning=drop
        or the row has none."""
        if self.reasoning == "drop" or not _non_empty(row.get("cot")):
            return row["response"]
        values = {"cot": row["cot"], "response": row["response"]}
        return _SLOT.sub(lambda m: values[m.group(1)], self.reasoning_template or THINK_TAGS)

    def messages(self, row: dict) -> list[dict] | None:
        """The conversation a trainer sees for a valid row (system, user, assistant with its reasoning), to
        count its tokens; None for a row without a prompt and a response (a dump of passages)."""
        if not _non_empty(row.get("response")) or _prompt_reason(row, "prompt") is not None:
            return None
        prompt = _prompt(row)
        if _non_empty(row.get("input")):
            prompt = f"{prompt}\n{row['input']}"
        system = row.get("system") if _non_empty(row.get("system")) else None
        return _conversation(system, prompt, self.answer(row))

    def split_answer(self, text: str | None) -> tuple[str | None, str | None]:
        """(cot, response) of an assistant turn `answer` wrote: its inverse (cot None for a turn without one)."""
        if self.reasoning == "drop" or not isinstance(text, str):
            return None, text
        template = self.reasoning_template or THINK_TAGS
        parts = _SLOT.split(template)  # literal, name, literal, name, literal
        pattern = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.*?)" if p == "cot" else f"(?P<{p}>.*)"
                          for i, p in enumerate(parts))
        found = re.fullmatch(pattern, text, re.DOTALL)
        return (found.group("cot"), found.group("response")) if found else (None, text)

    def llamafactory_view(self, columns) -> Exporter | None:
        """The exporter of a LLaMA-Factory view of rows with these columns, when this format's own records
        would not train their reasoning (None: dataset_info.json names the format's own files)."""
        return None

    def validate(self, row: dict) -> str | None:
        """None if `row` can become a record of this format, else a one-line reason naming the field."""
        raise NotImplementedError

    def to_record(self, row: dict) -> dict:
        """The record of this format for a valid canonical row."""
        raise NotImplementedError

    def write(self, table: pa.Table, path: Path) -> None:
        """Write the records of all rows of `table` (already validated) to `path`."""
        self.write_batches([table], path)

    def write_batches(self, batches: Iterable[pa.RecordBatch | pa.Table], path: Path) -> int:
        """Write the records of all rows of `batches` (already validated) to `path`; return the number of rows.

        Batches are read one at a time, so only one batch's records (and the writer's own buffers) are
        held; the file's bytes depend only on the rows, not on how they are cut into batches.
        """
        path = Path(path)
        stream = writers.BatchStream(batches)
        self._written[path.name] = self._write(stream, path)
        return stream.rows

    def written_keys(self, file_name: str) -> frozenset[str]:
        """The record keys (columns) of a file this exporter wrote, looked up by its base name."""
        name = Path(file_name).name
        if name not in self._written:
            raise ValueError(f"{self.name} exporter has not written {name!r}; write the split first")
        return self._written[name]

    def dataset_info(self, dataset_name: str, split_files: dict[str, str]) -> dict:
        """LLaMA-Factory dataset_info.json entries for the written splits (see `llamafactory`)."""
        return llamafactory.dataset_info(self, dataset_name, split_files)

    def _write(self, stream: writers.BatchStream, path: Path) -> frozenset[str]:
        """Write with Python records (`to_record`); return the keys the records have."""
        keys: set[str] = set()

        def batches():
            for rows in writers.row_batches(stream, self.fields):
                records = [self.to_record(row) for row in rows]
                for record in records:
                    keys.update(record)
                yield records

        writers.write_records(batches(), path, json_lines=self.extension == ".jsonl")
        return frozenset(keys)


@dataclass
class CotSft(Exporter):
    """Question / Complex-CoT / Response: the DeepSeek-R1-distill and HuatuoGPT-o1 SFT layout."""

    name: ClassVar[str] = "cot_sft"
    extension: ClassVar[str] = ".json"
    fields: ClassVar[tuple[str, ...]] = ("question", "cot", "response")
    KEYS: ClassVar[dict[str, str]] = {"question": "Question", "cot": "Complex-CoT", "response": "Response"}

    def validate(self, row: dict) -> str | None:
        return _first(_text(row, f, key) for f, key in self.KEYS.items())

    def to_record(self, row: dict) -> dict:
        return {key: row[f] for f, key in self.KEYS.items()}

    def llamafactory_view(self, columns) -> Exporter | None:
        """LLaMA-Factory has no CoT column: its view is alpaca with the reasoning in `output`."""
        return None if self.reasoning == "drop" else Alpaca(self.reasoning, self.reasoning_template)

    def _write(self, stream: writers.BatchStream, path: Path) -> frozenset[str]:
        def renamed():
            for batch in stream:
                columns = [
                    batch.column(f) if f in batch.schema.names else pa.nulls(batch.num_rows, pa.string())
                    for f in self.KEYS
                ]
                yield pa.RecordBatch.from_arrays(columns, names=list(self.KEYS.values()))

        writers.write_json_list_batches(renamed(), path)
        return frozenset(self.KEYS.values())


@dataclass
class Alpaca(Exporter):
    """instruction / input / output (+ system): LLaMA-Factory's default alpaca layout."""

    name: ClassVar[str] = "alpaca"
    extension: ClassVar[str] = ".json"
    fields: ClassVar[tuple[str, ...]] = ("system", "instruction", "question", "input", "cot", "response")

    def validate(self, row: dict) -> str | None:
        return (
            _prompt_reason(row, "instruction")
            or _optional_text(row, "input", "input")
            or _text(row, "response", "output")
            or _optional_text(row, "cot", "reasoning")
            or _optional_text(row, "system", "system")
        )

    def to_record(self, row: dict) -> dict:
        record = {
            "instruction": _prompt(row),
            "input": row.get("input") or "",
            "output": self.answer(row),
        }
        if _non_empty(row.get("system")):
            record["system"] = row["system"]
        return record


@dataclass
class _Chat(Exporter):
    """Shared rules of the chat formats: one user turn, one assistant turn, optional system."""

    fields: ClassVar[tuple[str, ...]] = ("system", "instruction", "question", "input", "cot", "response")
    user_label: ClassVar[str]  # how reasons name the user / assistant / system message
    assistant_label: ClassVar[str]
    system_label: ClassVar[str]
    system_prompt: str | None = None

    def validate(self, row: dict) -> str | None:
        return (
            _prompt_reason(row, self.user_label)
            or _optional_text(row, "input", self.user_label)
            or _text(row, "response", self.assistant_label)
            or _optional_text(row, "cot", "reasoning")
            or _optional_text(row, "system", self.system_label)
        )

    def messages(self, row: dict) -> list[dict] | None:
        return _conversation(*self._turns(row))

    def _turns(self, row: dict) -> tuple[str | None, str, str]:
        """(system or None, user message, assistant message)."""
        system = row.get("system")
        if not _non_empty(system):
            system = self.system_prompt if _non_empty(self.system_prompt) else None
        prompt = _prompt(row)
        if _non_empty(row.get("input")):
            prompt = f"{prompt}\n{row['input']}"
        return system, prompt, self.answer(row)


@dataclass
class ShareGPT(_Chat):
    """{"conversations": [human, gpt], "system"?}: LLaMA-Factory's sharegpt layout."""

    name: ClassVar[str] = "sharegpt"
    extension: ClassVar[str] = ".json"
    user_label: ClassVar[str] = "human value"
    assistant_label: ClassVar[str] = "gpt value"
    system_label: ClassVar[str] = "system"

    def to_record(self, row: dict) -> dict:
        system, prompt, answer = self._turns(row)
        turns = [{"from": "human", "value": prompt}, {"from": "gpt", "value": answer}]
        record: dict = {"conversations": turns}
        if system:
            record["system"] = system
        return record


@dataclass
class OpenAI(_Chat):
    """{"messages": [system?, user, assistant]} as JSON Lines: the OpenAI fine-tuning layout."""

    name: ClassVar[str] = "openai"
    extension: ClassVar[str] = ".jsonl"
    user_label: ClassVar[str] = "user content"
    assistant_label: ClassVar[str] = "assistant content"
    system_label: ClassVar[str] = "system content"

    def to_record(self, row: dict) -> dict:
        return {"messages": self.messages(row)}


@dataclass
class _AllColumns(Exporter):
    """Shared rules of the lossless dumps: any row with an id, every column kept as is."""

    fields: ClassVar[tuple[str, ...]] = ("id",)

    def validate(self, row: dict) -> str | None:
        return None if row.get("id") is not None else "id is missing (field id)"

    def to_record(self, row: dict) -> dict:
        return dict(row)

    def llamafactory_view(self, columns) -> Exporter | None:
        """Rows with a prompt, a response and a CoT train through an alpaca view with the reasoning in
        `output`; other rows are described (or not) by the dump's own columns."""
        columns = set(columns)
        if self.reasoning == "drop" or "cot" not in columns or "response" not in columns \
                or not columns & set(PROMPT_FIELDS):
            return None
        return Alpaca(self.reasoning, self.reasoning_template)


@dataclass
class Jsonl(_AllColumns):
    """Every column of every row, as JSON Lines (nulls written as null): the lossless text dump."""

    name: ClassVar[str] = "jsonl"
    extension: ClassVar[str] = ".jsonl"

    def _write(self, stream: writers.BatchStream, path: Path) -> frozenset[str]:
        writers.write_jsonl_batches(stream, path)
        return frozenset(stream.columns)


@dataclass
class Parquet(_AllColumns):
    """Every column of every row, as a deterministic zstd Parquet file: the lossless typed dump."""

    name: ClassVar[str] = "parquet"
    extension: ClassVar[str] = ".parquet"

    def _write(self, stream: writers.BatchStream, path: Path) -> frozenset[str]:
        writers.write_parquet_batches(stream, path)
        return frozenset(stream.columns)


def _conversation(system: str | None, prompt: str, answer: str) -> list[dict]:
    messages = [{"role": "system", "content": system}] if system else []
    return [*messages, {"role": "user", "content": prompt}, {"role": "assistant", "content": answer}]


def _first(reasons) -> str | None:
    return next((r for r in reasons if r is not None), None)


def _non_empty(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _not_string(target: str, name: str, value: object) -> str:
    return f"{target} is not a string (field {name}: {type(value).__name__})"


def _text(row: dict, name: str, target: str) -> str | None:
    """Why `row[name]` cannot fill `target`, which needs a non-empty string; None if it can."""
    value = row.get(name)
    if value is None:
        return f"{target} is missing (field {name})"
    if not isinstance(value, str):
        return _not_string(target, name, value)
    return None if value.strip() else f"{target} is empty (field {name})"


def _optional_text(row: dict, name: str, target: str) -> str | None:
    """Why `row[name]` cannot fill optional `target`: only a non-string fails."""
    value = row.get(name)
    return None if value is None or isinstance(value, str) else _not_string(target, name, value)


def _prompt_reason(row: dict, target: str) -> str | None:
    """Why the row has no prompt: neither a non-empty instruction nor a non-empty question."""
    for name in PROMPT_FIELDS:
        if (reason := _optional_text(row, name, target)) is not None:
            return reason
        if _non_empty(row.get(name)):
            return None
    missing = all(row.get(name) is None for name in PROMPT_FIELDS)
    return f"{target} is {'missing' if missing else 'empty'} (field instruction or question)"


def _prompt(row: dict) -> str:
    instruction = row.get("instruction")
    return instruction if _non_empty(instruction) else row["question"]


TOKEN_KEYS = ("tokenizer", "chat_template", "cutoff_len", "over_cutoff")  # format.<key> of token_lengths.py
EXPORTERS: dict[str, type[Exporter]] = {cls.name: cls for cls in (CotSft, Alpaca, ShareGPT, OpenAI, Jsonl, Parquet)}
_LEGACY_COT = ("cot_in_output", "cot_in_response")  # before format.reasoning: true trained the CoT, false did not


def exporter_from_record(node: object, where: str) -> Exporter:
    """The exporter a version's recorded `config.format` describes, looked up among dsbuild's own formats
    by its `_target_`; nothing named in the record is imported or called. A record naming anything else, or
    a setting that is not a plain value of that format, is a UserError."""
    target = node.get("_target_") if isinstance(node, dict) else None
    known = {f"{cls.__module__}.{cls.__qualname__}": cls for cls in EXPORTERS.values()}
    if target not in known:
        raise UserError(f"{where}: config.format names {target!r}, which is not a dsbuild format "
                        f"({', '.join(sorted(EXPORTERS))}); the manifest was edited or damaged, nothing was run")
    cls = known[target]
    settings = {k: v for k, v in node.items() if k not in ("_target_", *TOKEN_KEYS)}  # the tokens stage's
    for legacy in _LEGACY_COT:
        if legacy in settings:
            settings["reasoning"] = "think_tags" if settings.pop(legacy) else "drop"
    allowed = {f.name for f in dataclass_fields(cls) if f.init}
    for key, value in settings.items():
        if key not in allowed or not (value is None or isinstance(value, (str, bool, int, float))):
            raise UserError(f"{where}: config.format.{key}={value!r} is not a setting of format {cls.name}; "
                            "the manifest was edited or damaged")
    return cls(**settings)
