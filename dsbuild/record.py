"""The record: canonical field names, lineage fields and the content-derived row id.

A row is a flat dict. Task fields use canonical names (TASK_FIELDS); lineage fields say where the
row came from. Without a configured id column, a row's id is a hash of its normalized task content,
so it survives reruns, reordering and appending to the input. Rows with the same content get the
same base id plus an occurrence suffix (`…-2`, `…-3`), so ids stay unique even before dedup.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import xxhash

from .textops import as_large_string, replace_where

TASK_FIELDS = (
    "system", "instruction", "question", "input", "cot", "response", "text", "label", "image", "audio",
)
TEXT_FIELDS = ("system", "instruction", "question", "input", "cot", "response", "text")
LINEAGE_FIELDS = ("id", "source", "source_ref", "augmented_from")
REJECT_FIELDS = ("_stage", "_rule", "_reason", "_duplicate_of")
ID_DIGEST_BYTES = 12
HASH_BATCH = 100_000


def task_fields(columns: list[str]) -> list[str]:
    """The columns of a table that carry task content (everything but lineage and reject marks)."""
    return [c for c in columns if c not in LINEAGE_FIELDS and not c.startswith("_")]


def text_fields(table: pa.Table) -> list[str]:
    """Task columns of string type, in table order: what text rules apply to by default."""
    tasks = set(task_fields(table.column_names))
    return [f.name for f in table.schema if f.name in tasks and is_text_type(f.type)]


def is_text_type(type_: pa.DataType) -> bool:
    """True for Arrow string and large_string."""
    return pa.types.is_string(type_) or pa.types.is_large_string(type_)


def normalized_for_id(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """NFKC, whitespace runs folded to one space, trimmed: cosmetic edits do not change an id."""
    text = pc.utf8_normalize(as_large_string(column), "NFKC")
    text = replace_where(text, r"[^\S ]|  ", [(r"\s+", " ")])
    return pc.utf8_trim_whitespace(text)


def content_ids(table: pa.Table, fields: list[str] | None = None) -> list[str]:
    """One id per row: a hash of the normalized `fields` (default: all task fields), made unique.

    The first row with a given content gets the bare hash; later rows with the same content get
    `<hash>-2`, `<hash>-3`, … in input order.
    """
    fields = sorted(fields if fields is not None else task_fields(table.column_names))
    parts = []
    for name in fields:
        col = table.column(name)
        if not is_text_type(col.type):
            col = pc.cast(col, pa.large_string()) if _castable(col.type) else _json_strings(col)
        parts.append(pc.fill_null(normalized_for_id(col), "\x00"))
    if parts:
        joined = pc.binary_join_element_wise(*parts, pa.scalar("\x1f", pa.large_string()))
    else:
        joined = pa.array([""] * table.num_rows, pa.large_string())
    digest = xxhash.xxh3_128_hexdigest
    width = 2 * ID_DIGEST_BYTES
    hashes = []
    for start in range(0, len(joined), HASH_BATCH):  # batches bound the Python strings alive at once
        hashes += [digest(t.encode("utf-8"))[:width] for t in joined[start:start + HASH_BATCH].to_pylist()]
    return number_occurrences(hashes)


def number_occurrences(hashes: list[str]) -> list[str]:
    """Suffix repeats of a content hash in order: h, h-2, h-3, … (ids stay unique)."""
    codes = pc.dictionary_encode(pa.array(hashes, pa.string())).indices.to_numpy(zero_copy_only=False)
    order = np.argsort(codes, kind="stable")
    sorted_codes = codes[order]
    run_start = np.r_[0, np.flatnonzero(sorted_codes[1:] != sorted_codes[:-1]) + 1]
    occurrence = np.empty(len(codes), dtype=np.int64)
    occurrence[order] = np.arange(len(codes)) - np.repeat(run_start, np.diff(np.r_[run_start, len(codes)]))
    ids = list(hashes)
    for i in np.flatnonzero(occurrence):
        ids[i] = f"{hashes[i]}-{occurrence[i] + 1}"
    return ids


CONTENT_ID_PATTERN = r"^([0-9a-f]{%d})(-\d+)?$" % (2 * ID_DIGEST_BYTES)


def renumber_content_ids(ids: pa.ChunkedArray | pa.Array) -> list[str]:
    """Make content ids unique again after tables were concatenated (user ids pass unchanged)."""
    bases = pc.replace_substring_regex(ids, CONTENT_ID_PATTERN, r"\1").to_pylist()
    is_content = pc.match_substring_regex(ids, CONTENT_ID_PATTERN).to_pylist()
    numbered = iter(number_occurrences([b for b, c in zip(bases, is_content) if c]))
    return [next(numbered) if c else v for v, c in zip(ids.to_pylist(), is_content)]


def _castable(type_: pa.DataType) -> bool:
    return pa.types.is_integer(type_) or pa.types.is_floating(type_) or pa.types.is_boolean(type_)


def _json_strings(column: pa.ChunkedArray) -> pa.Array:
    import json

    return pa.array(
        [None if v is None else json.dumps(v, ensure_ascii=False, sort_keys=True) for v in column.to_pylist()],
        pa.large_string(),
    )
