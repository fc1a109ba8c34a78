"""The evaluation set a decontamination rule guards: a local file or a split of a Hugging Face dataset.

A local file is read with dsbuild's own readers (jsonl, json, csv, tsv, parquet, txt; encoding
detected), so each item is named by its place in the file (`eval.jsonl:line 12`). A Hub dataset (or a
local dataset folder) goes through `datasets.load_dataset`, and items are named `<id>:<split>[i]`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from ..errors import UserError
from ..sources.readers import SUFFIX_FORMATS, read_file
from ..version.fingerprint import file_sha256


@dataclass
class EvalSet:
    """The items of an evaluation set, how to name each one, and a fingerprint of where they came from."""

    table: pa.Table
    prefix: str
    kind: str
    numbers: list[int]
    fingerprint: dict

    def ref(self, item: int) -> str:
        """`eval.jsonl:line 12`, `data.parquet:row 3` or `org/bench:test[41]`."""
        if self.kind == "index":
            return f"{self.prefix}[{self.numbers[item]}]"
        return f"{self.prefix}:{self.kind} {self.numbers[item]}"


def load_eval_set(path: str | None, hf: str | None, split: str, config_name: str | None) -> EvalSet:
    """Read the set named by `path` (a file) or `hf` (a dataset id or folder); exactly one of them."""
    if (path is None) == (hf is None):
        raise UserError("set exactly one of eval_path (a jsonl, json, csv or parquet file) and eval_hf (a dataset id)")
    return _from_file(Path(path)) if path is not None else _from_hub(str(hf), str(split), config_name)


def _from_file(path: Path) -> EvalSet:
    if not path.is_file():
        raise UserError(f"eval_path {path}: no such file; point eval_path at a jsonl, json, csv or parquet file")
    if path.suffix.lower() not in SUFFIX_FORMATS:
        raise UserError(
            f"eval_path {path}: cannot read {path.suffix or 'a file without extension'!r} files; "
            f"use one of {', '.join(sorted(SUFFIX_FORMATS))}"
        )
    try:
        read = read_file(path)
    except UserError as exc:
        raise UserError(f"eval_path {exc}".replace("source.path", "eval_path")) from None
    entry = {"kind": "file", "path": str(path.resolve()), "name": path.name, "bytes": path.stat().st_size,
             "sha256": file_sha256(path)}
    return EvalSet(read.table, path.name, read.refs.kind, read.refs.numbers.tolist(), entry)


def _from_hub(hf: str, split: str, config_name: str | None) -> EvalSet:
    import datasets

    try:
        dataset = datasets.load_dataset(hf, name=config_name, split=split)
    except Exception as exc:  # missing dataset, unknown split, no network: all for the user to fix
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise UserError(
            f"eval_hf {hf!r} split {split!r} could not be loaded ({first}); check the id and eval_split, "
            "or save the set to a file and use eval_path"
        ) from None
    table = dataset.with_format("arrow")[:]
    entry = {"kind": "hf", "path": hf, "split": split, "fingerprint": dataset._fingerprint}
    return EvalSet(table, f"{hf}:{split}", "index", list(range(table.num_rows)), entry)
