"""Spilled rows read back as the table the batches would have made in memory, and the stages that run on
spills give what they give on tables: cleaning, split, pilot, the profile and the card's reject examples."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from dsbuild.clean.dedup import ExactDedup
from dsbuild.clean.pipeline import named_steps, run_cleaning
from dsbuild.clean.rules import LengthBounds, MissingValues
from dsbuild.execute.local import LocalExecutor
from dsbuild.execute.spill import Spill, SpillWriter, WorkFolder, as_table, batches
from dsbuild.split import draw_pilot, split_rows, split_table
from dsbuild.version.stats import profile
from dsbuild.version.writer import reject_examples


def spilled(table: pa.Table, folder, rows: int = 7) -> Spill:
    writer = SpillWriter(folder, "t", batch_rows=rows)
    for batch in batches(table, 3):
        writer.add(batch)
    return writer.close()


def qa_rows(n: int = 60) -> pa.Table:
    return pa.table({
        "id": [f"{i:024x}" for i in range(n)],
        "question": [f"question {i % 23} about fever?" if i % 11 else "" for i in range(n)],
        "response": [f"answer {i % 23}: rest and drink water." for i in range(n)],
        "label": [["a", "b", "c"][i % 3] for i in range(n)],
    })


def test_parts_with_different_columns_read_back_as_their_permissive_concat(tmp_path):
    writer = SpillWriter(tmp_path, "p", batch_rows=2)
    pieces = [pa.table({"a": [1, 2]}), pa.table({"a": [None, None], "b": ["x", None]}),
              pa.table({"a": [1.5, None], "b": [None, None]})]
    for piece in pieces:
        writer.add(piece)
    spill = writer.close()
    assert len(spill.parts) == 3 and spill.num_rows == 6
    expected = pa.concat_tables(pieces, promote_options="permissive")
    assert spill.read_all().equals(expected)
    assert spill.schema.equals(expected.schema)
    assert spill.read_all().column("b").to_pylist() == [None, None, "x", None, None, None]


def test_small_tables_are_gathered_into_parts_of_about_batch_rows(tmp_path):
    spill = spilled(qa_rows(60), tmp_path, rows=20)
    assert spill.part_rows == [21, 21, 18]
    assert spill.read_all().equals(qa_rows(60))


def test_an_empty_spill_keeps_its_columns_and_yields_one_empty_batch(tmp_path):
    writer = SpillWriter(tmp_path, "e")
    writer.add(qa_rows(0))
    spill = writer.close()
    [only] = list(spill.to_batches())
    assert spill.num_rows == 0 and only.num_rows == 0 and only.schema.equals(qa_rows(0).schema)


def test_chained_spills_read_in_order_and_delete_frees_the_files(tmp_path):
    first, second = spilled(qa_rows(10), tmp_path / "a"), spilled(qa_rows(5), tmp_path / "b")
    chained = Spill.chain([first, second])
    assert chained.read_all().column("id").to_pylist() == qa_rows(10)["id"].to_pylist() + qa_rows(5)["id"].to_pylist()
    chained.delete()
    assert not any(p.exists() for p in first.parts + second.parts)


def test_cleaning_on_a_spill_equals_cleaning_the_table(tmp_path):
    steps = named_steps({"missing": MissingValues(), "bounds": LengthBounds(["question"], min_chars=2),
                         "dedup": ExactDedup(), "bounds_again": LengthBounds(["response"], max_chars=36)})
    table = qa_rows(80)
    kept, rejected, report = run_cleaning(table, steps)
    work = WorkFolder(tmp_path, batch_rows=9)
    handover = [spilled(table, tmp_path / "in")]
    loaded = handover[0]
    s_kept, s_rejected, s_report = run_cleaning(handover, steps, executor=LocalExecutor(9), work=work)
    assert isinstance(s_kept, Spill) and len(s_kept.parts) > 1
    assert s_kept.read_all().equals(kept)
    assert [as_table(r).to_pylist() for r in s_rejected] == [r.to_pylist() for r in rejected]
    assert s_report.as_dict() == report.as_dict() and report.by_rule["dedup"] > 0
    assert not any(p.exists() for p in loaded.parts)  # handed over: deleted once read


@pytest.mark.parametrize("options", [{}, {"stratify_by": "label"}, {"group_by": "label"}])
def test_split_and_pilot_of_a_spill_equal_those_of_the_table(tmp_path, options):
    table = qa_rows(90)
    expected, _ = split_table(table, [0.6, 0.2, 0.2], 3, **options)
    splits, report = split_rows(spilled(table, tmp_path / "in"), [0.6, 0.2, 0.2], 3, work=WorkFolder(tmp_path, 8),
                                **options)
    assert {k: as_table(v).to_pylist() for k, v in splits.items()} == {k: v.to_pylist() for k, v in expected.items()}
    assert report.kept == 90
    stratify = options.get("stratify_by")
    pilot = draw_pilot(splits["train"], 10, 3, stratify, work=WorkFolder(tmp_path / "p", 4))
    assert as_table(pilot).to_pylist() == draw_pilot(expected["train"], 10, 3, stratify).to_pylist()


def test_profile_and_reject_examples_of_a_spill_equal_those_of_the_table(tmp_path):
    table = qa_rows(50)
    streamed, whole = profile(spilled(table, tmp_path / "t")), profile(table)
    assert streamed.rows == whole.rows and streamed.values.keys() == whole.values.keys()
    assert all(np.array_equal(streamed.values[k], whole.values[k]) for k in whole.values)
    rejects = table.append_column("_stage", pa.array(["clean"] * 50)).append_column(
        "_rule", pa.array(["a" if i % 4 else "b" for i in range(50)])).append_column(
        "_reason", pa.array([f"why {i}" for i in range(50)]))
    assert reject_examples(spilled(rejects, tmp_path / "r", rows=3)) == reject_examples(rejects)


def test_a_build_in_tiny_batches_writes_the_same_files_as_one_batch(compose_cfg, tmp_path):
    """Every stage reads and writes spill parts of executor.batch_rows rows; the files must not depend on it."""
    from dsbuild.build import build

    options = ["cleaning=quality", "split.stratify_by=department", "pilot.size=20"]
    whole = build(compose_cfg([f"output_dir={tmp_path / 'whole'}", *options]), show_progress=False)
    tiny = build(compose_cfg([f"output_dir={tmp_path / 'tiny'}", "executor.batch_rows=7", *options]),
                 show_progress=False)
    assert tiny.version_id == whole.version_id
    files = sorted(p.name for p in whole.path.iterdir()
                   if p.suffix in (".jsonl", ".json", ".png") and p.name != "manifest.json")  # it holds timings
    assert "rejects.jsonl" in files and "pilot.json" in files and "train.lineage.jsonl" in files
    for name in files:
        assert (tiny.path / name).read_bytes() == (whole.path / name).read_bytes(), name
    assert [s["by_rule"] for s in tiny.stages] == [s["by_rule"] for s in whole.stages]


def test_a_column_kept_from_a_batch_does_not_keep_the_whole_part_in_memory(tmp_path):
    table = pa.table({"id": [f"{i:024x}" for i in range(20_000)], "text": ["x" * 500] * 20_000})
    spill = spilled(table, tmp_path, rows=5_000)
    before = pa.total_allocated_bytes()
    kept = [batch.column("id") for batch in spill.to_batches()]  # what ExactDedup keeps while observing
    held = pa.total_allocated_bytes() - before
    assert sum(c.nbytes for c in kept) <= held < 2 * sum(c.nbytes for c in kept)  # the ids, not the 10 MB of text


@pytest.mark.parametrize("value", [0, -5, 1.5, True])
def test_a_batch_size_that_is_not_a_whole_number_is_a_one_line_error(value):
    from dsbuild.errors import UserError

    with pytest.raises(UserError, match=r"^executor.batch_rows must be a whole number >= 1, not .*; e.g. "
                                        r"executor.batch_rows=200000$"):
        LocalExecutor(batch_rows=value)


def test_a_spill_read_as_a_wider_schema_fills_and_orders_columns_without_rewriting_files(tmp_path):
    writer = SpillWriter(tmp_path, "w", batch_rows=2)
    for piece in [pa.table({"a": [1, 2], "b": [None, None]}), pa.table({"a": [3, None], "b": ["x", "y"]})]:
        writer.add(piece)
    spill = writer.close()
    stamps = [p.stat().st_mtime_ns for p in spill.parts]
    wide = pa.schema([("c", pa.int64()), ("b", pa.string()), ("a", pa.int64())])
    read = spill.read_as(wide)
    assert read.parts == spill.parts and read.num_rows == 4 and read.schema.equals(wide)
    table = read.read_all()
    assert table.schema.equals(wide)
    assert table.to_pydict() == {"c": [None] * 4, "b": [None, None, "x", "y"], "a": [1, 2, 3, None]}
    assert [p.stat().st_mtime_ns for p in spill.parts] == stamps
    empty = SpillWriter(tmp_path, "none").close().read_as(wide)
    assert [t.schema.equals(wide) and t.num_rows == 0 for t in empty.to_batches()] == [True]
    with pytest.raises(ValueError, match=r"lacks the spill's columns \['b'\]"):
        spill.read_as(pa.schema([("a", pa.int64())]))
