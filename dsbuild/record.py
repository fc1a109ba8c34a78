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

from .textops import fold_whitespace, map_batches, nfkc
from .textops import row_digests as text_digests

TASK_FIELDS = (
    "system", "instruction", "question", "input", "cot", "response", "text", "label", "image", "audio",
)
TEXT_FIELDS = ("system", "instruction", "question", "input", "cot", "response", "text")
AUGMENT_FIELDS = ("augmented_from", "augment", "augment_seed")  # a copy's original, its transforms and seed
LINEAGE_FIELDS = ("id", "source", "source_ref", *AUGMENT_FIELDS)
REJECT_FIELDS = ("_stage", "_rule", "_reason", "_duplicate_of")
NEAR_DUP_CLUSTER = "near_dup_cluster"
GROUPING_FIELDS = (NEAR_DUP_CLUSTER,)  # ids that group rows (for split.group_by), not text to clean
ID_DIGEST_BYTES = 12


def task_fields(columns: list[str]) -> list[str]:
    """The columns of a table that carry task content (everything but lineage and reject marks)."""
    return [c for c in columns if c not in LINEAGE_FIELDS and not c.startswith("_")]


def text_fields(table: pa.Table) -> list[str]:
    """Task columns of string type, in table order: what text rules apply to by default."""
    tasks = set(task_fields(table.column_names)) - set(GROUPING_FIELDS)
    return [f.name for f in table.schema if f.name in tasks and is_text_type(f.type)]


def is_text_type(type_: pa.DataType) -> bool:
    """True for Arrow string and large_string."""
    return pa.types.is_string(type_) or pa.types.is_large_string(type_)


def normalized_for_id(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """NFKC, whitespace runs folded to one space, trimmed: cosmetic edits do not change an id."""
    text = nfkc(column)
    text = fold_whitespace(text)
    return pc.utf8_trim_whitespace(text)


def content_ids(table: pa.Table, fields: list[str] | None = None) -> pa.Array:
    """One id per row: a hash of the normalized `fields` (default: all task fields), made unique.

    The first row with a given content gets the bare hash; later rows with the same content get
    `<hash>-2`, `<hash>-3`, … in input order.
    """
    fields = sorted(fields if fields is not None else task_fields(table.column_names))
    digests = row_digests(table, fields, normalized_for_id)
    return with_suffixes(hex_prefixes(digests, ID_DIGEST_BYTES), occurrences(digests))


def with_content_ids(rows, writer):
    """`rows` (a table or a spill) with a content id as column 0, written to `writer`; two passes over the
    batches (the digests, then the ids), since a repeat's suffix depends on every row before it."""
    from .execute.spill import batches

    fields = sorted(task_fields(rows.schema.names))
    digests = pa.concat_arrays([row_digests(batch, fields, normalized_for_id) for batch in batches(rows)])
    return write_with_ids(batches(rows), digests, writer)


def write_with_ids(tables, digests: pa.Array, writer):
    """Each of `tables` (in row order) with its rows' content ids as column 0, added to `writer`, which is
    closed and returned. `digests` holds every row's digest: a repeat's suffix counts the rows before it."""
    seen = occurrences(digests)
    start = 0
    for table in tables:
        n = table.num_rows
        writer.add(table.add_column(0, "id", with_suffixes(hex_prefixes(digests.slice(start, n), ID_DIGEST_BYTES),
                                                           seen[start: start + n])))
        start += n
    return writer.close()


def row_digests(table: pa.Table, fields: list[str], normalize) -> pa.Array:
    """A 128-bit hash per row of `normalize(field)` joined over `fields`, batch by batch (in parallel)."""

    def digest_batch(batch: pa.Table) -> pa.Array:
        parts = [pc.fill_null(normalize(as_text(batch.column(f))), "\x00") for f in fields]
        if not parts:
            joined = pa.array([""] * batch.num_rows, pa.large_string())
        elif len(parts) == 1:
            joined = parts[0]
        else:
            joined = pc.binary_join_element_wise(*parts, pa.scalar("\x1f", parts[0].type))
        return text_digests(joined)

    chunks = map_batches(digest_batch, table)
    return pa.concat_arrays(chunks) if chunks else pa.array([], pa.binary(16))


def as_text(column: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray | pa.Array:
    """A column as text: strings pass, numbers and booleans are cast, anything else is JSON."""
    if is_text_type(column.type):
        return column
    if _castable(column.type):
        return pc.cast(column, pa.large_string())
    return _json_strings(column)


_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def hex_prefixes(digests: pa.Array, n_bytes: int) -> pa.Array:
    """The first `n_bytes` of each fixed-size digest as lowercase hex, computed in numpy."""
    n = len(digests)
    width = digests.type.byte_width
    raw = np.frombuffer(digests.buffers()[1], dtype=np.uint8)[digests.offset * width:(digests.offset + n) * width]
    head = raw.reshape(n, width)[:, :n_bytes]
    chars = np.empty((n, n_bytes, 2), dtype=np.uint8)
    chars[:, :, 0], chars[:, :, 1] = _HEX[head >> 4], _HEX[head & 15]
    offsets = np.arange(0, 2 * n_bytes * n + 1, 2 * n_bytes, dtype=np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(chars.tobytes()))


def occurrences(keys: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """For each row, how many earlier rows have the same key (0 for the first)."""
    codes = pc.dictionary_encode(keys).indices
    codes = (codes.combine_chunks() if isinstance(codes, pa.ChunkedArray) else codes).to_numpy(zero_copy_only=False)
    order = np.argsort(codes, kind="stable")
    sorted_codes = codes[order]
    run_start = np.r_[0, np.flatnonzero(sorted_codes[1:] != sorted_codes[:-1]) + 1]
    occurrence = np.empty(len(codes), dtype=np.int64)
    occurrence[order] = np.arange(len(codes)) - np.repeat(run_start, np.diff(np.r_[run_start, len(codes)]))
    return occurrence


def with_suffixes(bases: pa.Array, occurrence: np.ndarray) -> pa.Array:
    """`base` for first occurrences, `base-2`, `base-3`, … for repeats."""
    repeats = np.flatnonzero(occurrence)
    if len(repeats) == 0:
        return bases
    suffixed = [f"{bases[int(i)].as_py()}-{occurrence[i] + 1}" for i in repeats]
    mask = np.zeros(len(bases), dtype=bool)
    mask[repeats] = True
    return pc.replace_with_mask(bases, pa.array(mask), pa.array(suffixed, bases.type))


CONTENT_ID_PATTERN = rf"^([0-9a-f]{{{2 * ID_DIGEST_BYTES}}})(-\d+)?$"


def renumber_content_ids(ids: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Make content ids unique again after tables were concatenated (user ids pass unchanged)."""
    if isinstance(ids, pa.ChunkedArray):
        ids = ids.combine_chunks()
    is_content = pc.fill_null(pc.match_substring_regex(ids, CONTENT_ID_PATTERN), False)
    bases = pc.if_else(is_content, pc.replace_substring_regex(ids, CONTENT_ID_PATTERN, r"\1"), ids)
    occurrence = np.zeros(len(ids), dtype=np.int64)
    rows = np.flatnonzero(is_content.to_numpy(zero_copy_only=False))
    if len(rows):
        occurrence[rows] = occurrences(bases.filter(is_content))
    return with_suffixes(bases, occurrence)


def _castable(type_: pa.DataType) -> bool:
    return pa.types.is_integer(type_) or pa.types.is_floating(type_) or pa.types.is_boolean(type_)


def _json_strings(column: pa.ChunkedArray) -> pa.Array:
    import json

    return pa.array(
        [None if v is None else json.dumps(v, ensure_ascii=False, sort_keys=True) for v in column.to_pylist()],
        pa.large_string(),
    )
