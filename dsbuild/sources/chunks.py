"""Reading a data file in chunks, row for row what `read_file` gives, so a large file is never in memory whole.

JSON lines and text are read in blocks of about `block_bytes` that end after a newline and are parsed by
`read_file`'s own code, line numbers counted from the start of the file (blank lines included). CSV/TSV
go through Arrow's streaming CSV reader, Parquet by record batches. A file is read whole by `read_file`,
as one chunk, when reading it in pieces could give other rows, which is decided before any of its rows
is handed out: a JSON list, a head of the file in another encoding than UTF-8 or ASCII (GB18030, UTF-16:
a NUL byte in the head is taken for UTF-16/32), or a head without text.

A surprise past the head (bytes that are not UTF-8 after all, a CSV row longer than a block, Arrow
parsing some blocks of a file and Python others, which may type a column differently) raises
`Unstreamable`: rows of the file were already handed out, so the caller reads the source whole instead.
Mistakes in the data raise the `UserError` a whole read raises, naming the line of the file.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from ..errors import UserError
from .encoding import AUTO, _arrow_utf8_valid, detect_encoding
from .readers import (
    FileRead,
    Refs,
    check_header,
    check_path,
    csv_convert_options,
    csv_parse_options,
    format_of,
    jsonl_by_arrow,
    jsonl_by_python,
    read_file,
    read_txt,
    require_rows,
    text_end,
)
from .streaming import Unstreamable

BLOCK_BYTES = 64 << 20  # bytes of input per chunk
HEAD_BYTES = 1 << 20  # bytes the encoding is detected on
_UTF8 = ("utf-8", "utf-8-sig")
_DELIMITERS = {"csv": ",", "tsv": "\t"}


def read_chunks(
    path: Path, fmt: str = AUTO, encoding: str = AUTO, block_bytes: int = BLOCK_BYTES
) -> Iterator[FileRead]:
    """The rows `read_file(path, fmt, encoding)` gives, in order, as chunks of about `block_bytes` of input."""
    path = Path(path)
    check_path(path)
    resolved = format_of(path, fmt)
    if resolved == "parquet":
        yield from _parquet_chunks(path, fmt, encoding, block_bytes)
        return
    codec = _head_codec(path, encoding) if resolved != "json" else None
    if codec in _UTF8 and resolved in _DELIMITERS:
        yield from _delimited_chunks(path, resolved, codec, fmt, encoding, block_bytes)
    elif codec is not None and resolved in ("jsonl", "txt"):
        yield from _line_chunks(path, resolved, codec, fmt, encoding, block_bytes)
    else:
        yield read_file(path, fmt, encoding)


def _head_codec(path: Path, encoding: str) -> str | None:
    """The codec of the file's head when the file may be read in blocks ("utf-8", "utf-8-sig", "ascii"), else None.

    The head ends at a line end, so no character is cut. When the head is UTF-8 (without NUL bytes, so not
    UTF-16/32), a whole read detects UTF-8 too unless a later byte is not UTF-8, which the blocks check.
    """
    try:
        with path.open("rb") as f:
            head = f.read(HEAD_BYTES)
    except OSError:
        return None  # read_file says why it cannot read the file
    if b"\x00" in head or not text_end(head):
        return None
    if len(head) == HEAD_BYTES and b"\n" in head:
        head = head[:head.rfind(b"\n") + 1]
    try:
        codec = detect_encoding(head, encoding, where=str(path))
    except UserError:
        return None  # read_file raises the error on the whole file
    return codec if codec in (*_UTF8, "ascii") else None


def _line_chunks(
    path: Path, resolved: str, codec: str, fmt: str, encoding: str, block_bytes: int
) -> Iterator[FileRead]:
    """JSON lines or text, block by block."""
    where = str(path)
    lines = rows = 0
    parsers: set[str] = set()
    with path.open("rb") as f:
        for number, block in enumerate(_line_blocks(f, block_bytes)):
            if number == 0 and codec in _UTF8 and block.startswith(codecs.BOM_UTF8):
                block = block[len(codecs.BOM_UTF8):]
            if not (block.isascii() if codec == "ascii" else _arrow_utf8_valid(block)):
                raise Unstreamable(f"{where}: bytes after line {lines} are not {codec}, unlike the file's head")
            end = text_end(block)
            if end:
                if resolved == "txt":
                    table, refs = read_txt(block, where, lines)
                else:
                    table, refs, parser = _jsonl_block(path, block, end, lines, fmt, encoding)
                    parsers.add(parser)
                    if len(parsers) > 1:
                        raise Unstreamable(f"{where}: Arrow parses some blocks and not others (mixed types?)")
                if table.num_rows:
                    rows += table.num_rows
                    yield FileRead(table, refs, codec, resolved)
            lines += block.count(b"\n")
    require_rows(rows, where)


def _jsonl_block(path: Path, block: bytes, end: int, lines: int, fmt: str, encoding: str) -> tuple[pa.Table, Refs, str]:
    """One block of JSON lines parsed as `read_file` parses a whole file, and which parser took it."""
    parsed = jsonl_by_arrow(block, end, lines)
    if parsed is not None:
        return *parsed, "arrow"
    try:
        return *jsonl_by_python(block, str(path), lines), "python"
    except UserError:
        if fmt == AUTO and path.suffix.lower() == ".json":
            read_file(path, fmt, encoding)  # a .json file that is one object: the whole read says a list is expected
        raise


def _line_blocks(file: BinaryIO, size: int) -> Iterator[bytes]:
    """The file's bytes in blocks of `size` bytes plus the rest of their last line (so each ends after a newline,
    but the file's last block may not)."""
    while block := file.read(size):
        if not block.endswith(b"\n"):
            block += file.readline()
        yield block


def _delimited_chunks(
    path: Path, resolved: str, codec: str, fmt: str, encoding: str, block_bytes: int
) -> Iterator[FileRead]:
    """CSV or TSV by Arrow's streaming reader (which skips a UTF-8 BOM), every column as strings as a whole
    read makes them."""
    where = str(path)
    parse_options = csv_parse_options(_DELIMITERS[resolved])
    rows = 0
    try:
        with pa.OSFile(where) as source, pa_csv.open_csv(source, parse_options=parse_options) as reader:
            names = reader.schema.names
        check_header(names, where)
        read_options = pa_csv.ReadOptions(block_size=block_bytes)
        with pa.OSFile(where) as source, pa_csv.open_csv(
            source, read_options=read_options, parse_options=parse_options, convert_options=csv_convert_options(names)
        ) as reader:
            for batch in reader:
                refs = Refs("row", np.arange(rows + 1, rows + batch.num_rows + 1, dtype=np.int64))
                rows += batch.num_rows
                yield FileRead(pa.Table.from_batches([batch]), refs, codec, resolved)
    except pa.ArrowException as exc:
        yield _whole_file(path, fmt, encoding, rows, exc)
        return
    require_rows(rows, where)


def _parquet_chunks(path: Path, fmt: str, encoding: str, block_bytes: int) -> Iterator[FileRead]:
    """Parquet by record batches of about `block_bytes` (uncompressed)."""
    where = str(path)
    rows = 0
    try:
        with pq.ParquetFile(where) as parquet:
            if any(pa.types.is_dictionary(f.type) for f in parquet.schema_arrow):
                # Parts of a spill cannot hold chunks with different dictionaries (Arrow IPC files allow one).
                raise Unstreamable(f"{where}: dictionary-encoded columns")
            for batch in parquet.iter_batches(batch_size=_batch_rows(parquet.metadata, block_bytes)):
                refs = Refs("row", np.arange(rows + 1, rows + batch.num_rows + 1, dtype=np.int64))
                rows += batch.num_rows
                yield FileRead(pa.Table.from_batches([batch]), refs, None, "parquet")
    except (pa.ArrowException, OSError) as exc:
        yield _whole_file(path, fmt, encoding, rows, exc)
        return
    require_rows(rows, where)


def _batch_rows(metadata: pq.FileMetaData, block_bytes: int) -> int:
    """Rows per batch so that a batch holds about `block_bytes` of uncompressed data."""
    size = sum(metadata.row_group(i).total_byte_size for i in range(metadata.num_row_groups))
    return max(1, block_bytes * metadata.num_rows // max(size, 1))


def _whole_file(path: Path, fmt: str, encoding: str, rows: int, exc: Exception) -> FileRead:
    """After Arrow failed on a streamed file: the error a whole read raises (with the line to fix), or the
    whole file as one chunk when none of its rows were handed out yet."""
    read = read_file(path, fmt, encoding)
    if rows:
        raise Unstreamable(f"{path}: failed after {rows} rows ({str(exc).splitlines()[0]})")
    return read
