"""Exporters and JSON Lines writers fed batch by batch write the bytes a whole-table write does."""

import hashlib
import json
import random
from pathlib import Path
from unittest import mock

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dsbuild.export import writers
from dsbuild.export.formats import Alpaca, CotSft, Jsonl, OpenAI, Parquet, ShareGPT, validate_table

SCHEMA = pa.schema([
    ("id", pa.string()), ("source", pa.string()), ("source_ref", pa.string()), ("system", pa.string()),
    ("instruction", pa.string()), ("question", pa.string()), ("input", pa.string()), ("cot", pa.string()),
    ("response", pa.string()), ("tags", pa.list_(pa.string())), ("boxes", pa.list_(pa.list_(pa.int64()))),
    ("meta", pa.struct([("page", pa.int32()), ("note", pa.string())])), ("score", pa.float64()),
    ("label", pa.dictionary(pa.int8(), pa.string())),
])

ROWS = [
    {"id": "r1", "source": "s", "source_ref": "a.jsonl:1", "system": "你是一名医生。", "instruction": None,
     "question": "孩子发烧三十九度怎么办？", "input": None, "cot": "先看精神状态。\n再看持续时间。",
     "response": "多喝水，必要时用退烧药。", "tags": ["医学", "儿科"], "boxes": [[1, 2], [3, 4]],
     "meta": {"page": 1, "note": "第一页"}, "score": 0.5, "label": "med"},
    {"id": "r2", "source": "s", "source_ref": "a.jsonl:2", "system": "  ", "instruction": "解释这个词",
     "question": "ignored", "input": "\"熵\"", "cot": "It's about disorder.", "response": "熵表示无序程度。",
     "tags": [], "boxes": None, "meta": None, "score": float("nan"), "label": None},
    {"id": "r3", "source": "t", "source_ref": "b.csv:7", "system": None, "instruction": "",
     "question": 'Say "hi" 😀\tnow', "input": "", "cot": "back\\slash and \x01 control", "response": "hi 👋\r\n",
     "tags": None, "boxes": [[], [5]], "meta": {"page": None, "note": 'q"uote'}, "score": None, "label": "chat"},
    {"id": "r4", "source": "t", "source_ref": "b.csv:8", "system": "Be brief.\u2028", "instruction": None,
     "question": "línea\nnueva", "input": "ctx\n第二行", "cot": "🧠 思考", "response": "ok",
     "tags": ["a", None, "😀"], "boxes": [[-1]], "meta": {"page": 9, "note": None}, "score": 1e-7, "label": "med"},
    {"id": "r5", "source": "s", "source_ref": "c.pdf:p3", "system": "", "instruction": "翻译：\u3000你好",
     "question": "unused?", "input": None, "cot": "\b\f escapes", "response": "Hello/你好",
     "tags": ["x"], "boxes": [], "meta": {"page": 3, "note": "\n"}, "score": -2.5, "label": "chat"},
]

EXPORTERS = [
    CotSft(), Alpaca(reasoning="drop"), Alpaca(), ShareGPT(reasoning="drop"), ShareGPT(system_prompt="默认"),
    OpenAI(reasoning="drop"), OpenAI(system_prompt="sys"), Jsonl(), Parquet(),
]
JSON_EXPORTERS = [e for e in EXPORTERS if not isinstance(e, Parquet)]


def _table() -> pa.Table:
    return pa.Table.from_pylist(ROWS, schema=SCHEMA)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _rejects() -> pa.Table:
    """The fixed rows as rejects.jsonl rows: with the _stage / _rule / _reason a stage adds."""
    table = _table().append_column("_stage", pa.array(["clean"] * len(ROWS)))
    table = table.append_column("_rule", pa.array(["dedup", "pii", None, "x", "dedup"]))
    return table.append_column("_reason", pa.array(["重复 of r1", 'has "email"\n', None, "😀", ""]))


def _many(copies: int = 8) -> pa.Table:
    """The fixed rows repeated with distinct ids: one single-chunk table of copies * 5 rows."""
    rows = [{**row, "id": f"{row['id']}-{i}"} for i in range(copies) for row in ROWS]
    return pa.Table.from_pylist(rows, schema=SCHEMA)


def _cut(table: pa.Table, seed: int) -> list:
    """The rows of `table` in random pieces of 0-4 rows, as record batches or one-batch tables, plus empty ones."""
    rng = random.Random(seed)
    batch = table.combine_chunks().to_batches()[0]
    pieces, start = [], 0
    while start < batch.num_rows:
        size = rng.choice([0, 1, 1, 2, 3, 4])
        piece = batch.slice(start, size)
        pieces.append(pa.Table.from_batches([piece]) if rng.random() < 0.3 else piece)
        start += size
    return [batch.slice(0, 0), *pieces, batch.slice(batch.num_rows, 0)]


# sha256 of each JSON format's file for the fixed rows, written by the whole-table code before batches existed.
GOLDEN = {
    "CotSft(reasoning='think_tags', reasoning_template=None)":
        "40e4acfa38dae0a36fb5ce0db0a1df32f5c48ca5555314097a39e2846c1af004",
    "Alpaca(reasoning='drop', reasoning_template=None)":
        "aabf6ea9556a241d3a7de3923b2603ba7c3cbd0262be17f1e22bc756e96b3b1e",
    "Alpaca(reasoning='think_tags', reasoning_template=None)":
        "379fdb8a814605c13ba5e105258ed7be962010d3379d0ef5960eeb2000155446",
    "ShareGPT(reasoning='drop', reasoning_template=None, system_prompt=None)":
        "87c62b0942e69af2056078599262f5d5eb21b38b248c7a6666aaef19f2408cb9",
    "ShareGPT(reasoning='think_tags', reasoning_template=None, system_prompt='默认')":
        "35d41093909a236713b55831d510de7ca20c2b7de8d3bafdd104c252af9e7b8a",
    "OpenAI(reasoning='drop', reasoning_template=None, system_prompt=None)":
        "959975d43782f304fe78bb89eb6b09217f3b742209aeeba91e6f7046c640a6aa",
    "OpenAI(reasoning='think_tags', reasoning_template=None, system_prompt='sys')":
        "3e01b6a6c052a4ba1810f715e0ceca78ba86129bb4a980884af6861e661f54fd",
    "Jsonl(reasoning='think_tags', reasoning_template=None)":
        "71f34efe7f432a189e14d3238a47e178e71892ed2a032930f21281a8cc299c1f",
}
REJECTS_GOLDEN = "7b902d5df4c3e11733c8b7842a69df9912dff3ab3db44d67a7efcf33d033d707"


@pytest.mark.parametrize("exporter", JSON_EXPORTERS, ids=repr)
def test_whole_table_bytes_are_the_golden_ones(exporter, tmp_path):
    table = _table()
    assert validate_table(exporter, table)[1].num_rows == 0
    path = tmp_path / f"train{exporter.extension}"
    exporter.write(table, path)
    assert _sha(path) == GOLDEN[repr(exporter)]


def test_rejects_jsonl_bytes_are_the_golden_ones(tmp_path):
    writers.write_jsonl(_rejects(), tmp_path / "rejects.jsonl")
    assert _sha(tmp_path / "rejects.jsonl") == REJECTS_GOLDEN
    assert writers.write_jsonl_batches(_cut(_rejects(), 3), tmp_path / "cut.jsonl") == len(ROWS)
    assert _sha(tmp_path / "cut.jsonl") == REJECTS_GOLDEN


@pytest.mark.parametrize("exporter", EXPORTERS, ids=repr)
@pytest.mark.parametrize("batch_rows", [3, writers.BATCH_ROWS])
def test_any_batch_cut_gives_the_bytes_and_keys_of_one_batch(exporter, batch_rows, tmp_path):
    table = _many()
    whole, cut = tmp_path / f"whole{exporter.extension}", tmp_path / f"cut{exporter.extension}"
    with mock.patch.multiple(writers, BATCH_ROWS=batch_rows, PARQUET_ROW_GROUP_ROWS=4):
        assert exporter.write_batches(table.to_batches(), whole) == table.num_rows
        for seed in range(6):
            assert exporter.write_batches(_cut(table, seed), cut) == table.num_rows
            assert cut.read_bytes() == whole.read_bytes(), f"seed {seed}"
            assert exporter.written_keys(cut.name) == exporter.written_keys(whole.name)
        exporter.write(table, cut)
        assert cut.read_bytes() == whole.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([whole.name, cut.name])


@pytest.mark.parametrize("group_rows", [4, 7, writers.PARQUET_ROW_GROUP_ROWS])
def test_parquet_is_what_write_table_writes_for_the_whole_table_in_fixed_row_groups(group_rows, tmp_path):
    table = _many(6)
    reference = tmp_path / "reference.parquet"
    pq.write_table(
        table, reference, compression=writers.PARQUET_COMPRESSION,
        compression_level=writers.PARQUET_COMPRESSION_LEVEL, row_group_size=group_rows, write_statistics=True,
        use_dictionary=True,
    )
    with mock.patch.object(writers, "PARQUET_ROW_GROUP_ROWS", group_rows):
        Parquet().write_batches(_cut(table, group_rows), tmp_path / "cut.parquet")
    assert (tmp_path / "cut.parquet").read_bytes() == reference.read_bytes()
    meta = pq.ParquetFile(tmp_path / "cut.parquet").metadata
    sizes = [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]
    assert sizes == [min(group_rows, table.num_rows - start) for start in range(0, table.num_rows, group_rows)]
    back = pq.read_table(tmp_path / "cut.parquet")
    assert back.drop_columns(["score"]).equals(table.drop_columns(["score"]))  # NaN != NaN in `equals`
    assert back.column("score").to_pylist()[:3] == [0.5, pytest.approx(float("nan"), nan_ok=True), None]


def test_parquet_pages_and_dictionary_fallback_do_not_depend_on_batch_cuts(tmp_path):
    # ~3.6 MB of distinct strings: a row group spans several data pages and outgrows the 1 MB dictionary
    # page, where `pq.write_table` of a chunked table writes other bytes than of a contiguous one.
    rng = random.Random(5)
    texts = ["".join(rng.choices("abcdefgh中文😀 ", k=300)) for _ in range(6000)]
    table = pa.table({"id": [str(i) for i in range(6000)], "text": texts, "n": list(range(6000))})
    sizes = [0, 1, 37, 1500, 1, 0, 999, 1462, 2000]
    pieces = [table.slice(sum(sizes[:i]), size).combine_chunks() for i, size in enumerate(sizes)]
    with mock.patch.object(writers, "PARQUET_ROW_GROUP_ROWS", 4000):
        Parquet().write(table, tmp_path / "whole.parquet")
        Parquet().write_batches(pieces, tmp_path / "cut.parquet")
    assert (tmp_path / "cut.parquet").read_bytes() == (tmp_path / "whole.parquet").read_bytes()
    assert pq.ParquetFile(tmp_path / "whole.parquet").metadata.num_row_groups == 2


@pytest.mark.parametrize("exporter", EXPORTERS, ids=repr)
def test_no_rows_give_the_empty_file_of_the_format(exporter, tmp_path):
    path = tmp_path / f"e{exporter.extension}"
    assert exporter.write_batches([], path) == 0
    if isinstance(exporter, Parquet):
        assert pq.read_table(path).shape == (0, 0)
    else:
        assert path.read_bytes() == (b"" if exporter.extension == ".jsonl" else b"[]\n")
    assert exporter.written_keys(path.name) == (set(CotSft.KEYS.values()) if isinstance(exporter, CotSft) else set())

    empty = _table().slice(0, 0)
    exporter.write(empty, path)  # an empty table still brings its columns
    if isinstance(exporter, Parquet):
        pq.write_table(empty, tmp_path / "ref.parquet", compression="zstd", compression_level=3)
        assert path.read_bytes() == (tmp_path / "ref.parquet").read_bytes()
    if isinstance(exporter, (Jsonl, Parquet)):
        assert exporter.written_keys(path.name) == set(SCHEMA.names)


@pytest.mark.parametrize("exporter", JSON_EXPORTERS, ids=repr)
def test_batches_are_pulled_one_at_a_time_and_written_as_they_come(exporter, tmp_path):
    # Each row encodes to > 30 kB, so a written row reaches the temporary file at once.
    big = {**ROWS[0], "question": "问" * 10_000, "cot": "想" * 10_000, "response": "答" * 10_000}
    path = tmp_path / f"s{exporter.extension}"
    tmp = tmp_path / f".{path.name}.tmp"
    look_ahead = 2 * 1 + 1  # the JSON encoder's thread pool holds up to 2 * workers + 1 batches in flight

    def source():
        for i in range(12):
            written = tmp.stat().st_size if tmp.exists() else 0
            assert written >= (i - look_ahead - 1) * 30_000, f"batch {i} requested with {written} bytes written"
            yield pa.RecordBatch.from_pylist([{**big, "id": str(i)}], schema=SCHEMA)

    with mock.patch.object(writers, "_WORKERS", 1):
        assert exporter.write_batches(source(), path) == 12
    lines = path.read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines] if exporter.extension == ".jsonl" else json.loads("".join(lines))
    assert len(records) == 12


@pytest.mark.parametrize("exporter", EXPORTERS, ids=repr)
def test_a_failing_source_leaves_the_previous_file_and_no_temporary_file(exporter, tmp_path):
    path = tmp_path / f"train{exporter.extension}"
    exporter.write(_table(), path)
    before = path.read_bytes()

    def source():
        yield from _table().to_batches(max_chunksize=2)[:2]
        raise RuntimeError("the build stopped")

    with pytest.raises(RuntimeError, match="build stopped"):
        exporter.write_batches(source(), path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == [path.name]
