"""Canonical rows back from the records of a target format: the inverse of each exporter's `to_record`.

A review works on canonical fields (question, cot, response, ...), whatever format a version was
written in, and `review apply` rewrites the files with the same exporter. So each record must map to
a row that the exporter turns back into the very same record: an untouched row keeps its bytes.
Chat formats fold `input` into the user message; the row then holds that message as its prompt.
"""

from __future__ import annotations

from collections.abc import Callable

from ..errors import UserError


def record_reader(exporter) -> Callable[[dict], dict]:
    """`record -> canonical fields` for the format of `exporter`; UserError for a format review cannot read."""
    name = exporter.name
    if name == "cot_sft":
        keys = exporter.KEYS
        return lambda record: {field: record.get(key) for field, key in keys.items()}
    if name == "alpaca":
        return lambda record: _alpaca(record, exporter)
    if name == "sharegpt":
        return lambda record: _sharegpt(record, exporter)
    if name == "openai":
        return lambda record: _openai(record, exporter)
    if name in ("jsonl", "parquet"):
        return dict
    raise UserError(f"dsbuild review cannot read the {name!r} format back; review a version built with cot_sft, "
                    "alpaca, sharegpt, openai, jsonl or parquet")


def _answer(text: str | None, exporter) -> dict:
    """response (and cot) from an assistant turn that may hold the reasoning the exporter wrapped in."""
    cot, response = exporter.split_answer(text)
    return {"response": response} if cot is None else {"cot": cot, "response": response}


def _with_system(row: dict, system: str | None) -> dict:
    return {"system": system, **row} if system is not None else row


def _alpaca(record: dict, exporter) -> dict:
    row = {"instruction": record.get("instruction"), "input": record.get("input"),
           **_answer(record.get("output"), exporter)}
    return _with_system(row, record.get("system"))


def _sharegpt(record: dict, exporter) -> dict:
    turns = {turn.get("from"): turn.get("value") for turn in record.get("conversations") or []}
    row = {"question": turns.get("human"), **_answer(turns.get("gpt"), exporter)}
    return _with_system(row, record.get("system"))


def _openai(record: dict, exporter) -> dict:
    turns = {m.get("role"): m.get("content") for m in record.get("messages") or []}
    row = {"question": turns.get("user"), **_answer(turns.get("assistant"), exporter)}
    return _with_system(row, turns.get("system"))
