"""LLaMA-Factory `data/dataset_info.json` entries for exported splits, so a build trains as is.

Each split becomes an entry `<dataset>_<split>` with `file_name`, `formatting` ("alpaca" or
"sharegpt", LLaMA-Factory's own values) and the `columns` / `tags` that map the written records.
A column is declared only if the split's records have that key: LLaMA-Factory reads declared
columns without a fallback and fails on a missing one.

LLaMA-Factory has no chain-of-thought column and computes the loss on the response alone, so the
reasoning must be inside the response. alpaca, sharegpt and openai records already hold it there
(`format.reasoning`); for `cot_sft` and the lossless dumps the version also holds a view of the same
rows, `<split>.llamafactory.json` (alpaca, the reasoning in `output`), and the entries name that file.
With `format.reasoning=drop`, a `cot_sft` file is declared as alpaca with prompt=Question and
response=Response. OpenAI-style messages are LLaMA-Factory's sharegpt formatting with role/content tags.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .formats import Exporter


def dataset_info(exporter: Exporter, dataset_name: str, split_files: Mapping[str, str]) -> dict:
    """Entries for the splits `exporter` wrote, keyed `<dataset_name>_<split>`.

    `split_files` maps split -> file name as LLaMA-Factory should see it (relative to its
    dataset_dir). A split whose records cannot be described (a dump without question / response
    columns) gets no entry.
    """
    if exporter.name not in _LAYOUTS:
        raise ValueError(f"no LLaMA-Factory layout for exporter {exporter.name!r}")
    entries = {}
    for split, file_name in split_files.items():
        layout = _LAYOUTS[exporter.name](exporter.written_keys(file_name))
        if layout:
            entries[f"{dataset_name}_{split}"] = {"file_name": file_name, **layout}
    return entries


def _cot_sft(keys: Collection[str]) -> dict:
    return {"formatting": "alpaca", "columns": {"prompt": "Question", "response": "Response"}}


def _alpaca(keys: Collection[str]) -> dict:
    columns = {"prompt": "instruction", "query": "input", "response": "output"}
    return {"formatting": "alpaca", "columns": _with_system(columns, keys)}


def _sharegpt(keys: Collection[str]) -> dict:
    return {
        "formatting": "sharegpt",
        "columns": _with_system({"messages": "conversations"}, keys),
        "tags": {"role_tag": "from", "content_tag": "value", "user_tag": "human", "assistant_tag": "gpt"},
    }


def _openai(keys: Collection[str]) -> dict:
    return {
        "formatting": "sharegpt",
        "columns": {"messages": "messages"},
        "tags": {
            "role_tag": "role", "content_tag": "content", "user_tag": "user",
            "assistant_tag": "assistant", "system_tag": "system",
        },
    }


def _all_columns(keys: Collection[str]) -> dict:
    if "question" not in keys or "response" not in keys:
        return {}
    columns = {"prompt": "question", "response": "response"}
    if "input" in keys:
        columns["query"] = "input"
    return {"formatting": "alpaca", "columns": _with_system(columns, keys)}


def _with_system(columns: dict[str, str], keys: Collection[str]) -> dict[str, str]:
    return {**columns, "system": "system"} if "system" in keys else columns


_LAYOUTS: dict[str, Callable[[Collection[str]], dict]] = {
    "cot_sft": _cot_sft,
    "alpaca": _alpaca,
    "sharegpt": _sharegpt,
    "openai": _openai,
    "jsonl": _all_columns,
    "parquet": _all_columns,
}
