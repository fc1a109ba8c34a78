"""The card's statistics from Arrow batches: for any cut of the rows into batches (empty and one-row ones
included), ProfileBuilder, LengthStats and Languages give the numbers the whole-table functions gave
before streaming (kept below as the reference), and memory-bounded sampling without a row count."""

import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

import dsbuild.version.stats as stats
from dsbuild.clean.quality_features import features
from dsbuild.record import TEXT_FIELDS, is_text_type, text_fields
from dsbuild.stage import concat
from dsbuild.version.card import Languages, LengthStats
from dsbuild.version.stats import FEATURES, LENGTH, Profile, ProfileBuilder, profile, sample_rows

SAMPLE = 40  # SAMPLE_ROWS in these tests
EN = "the model reads a long question and answers it with care 42 times".split()
ZH = list("模型阅读问题并仔细回答数据集清洗")


# --- the whole-table statistics as they were before batches (the reference) ---

def reference_profile(table):
    if table is None or table.num_rows == 0:
        return Profile()
    rows = table
    if table.num_rows > stats.SAMPLE_ROWS:
        rows = table.take(pa.array(np.linspace(0, table.num_rows - 1, stats.SAMPLE_ROWS).astype(np.int64)))
    values = {}
    for name in [f.name for f in table.schema if f.name in TEXT_FIELDS and is_text_type(f.type)]:
        values[f"{name}.{LENGTH}"] = pc.drop_null(pc.utf8_length(table.column(name))).to_numpy().astype(np.int64)
        present = rows.select([name]).filter(pc.is_valid(rows.column(name)))
        values.update(features(present, [name], list(FEATURES)))
    return Profile(rows=table.num_rows, values=values)


def length_stats(tables):
    """LengthStats over whole tables, as the writer feeds it."""
    measured = LengthStats()
    for table in tables:
        measured.add(table)
    return measured.result()


def languages(tables, sample=2000):
    """Languages over whole tables, one `new_table` per split as the writer does."""
    seen = Languages(sample)
    for table in tables:
        seen.new_table().add(table)
    return seen.result()


def reference_length_stats(tables):
    result = {}
    for name in sorted({f for t in tables for f in text_fields(t)}):
        parts = [pc.utf8_length(t.column(name)) for t in tables if name in t.column_names and t.num_rows]
        lengths = np.concatenate([pc.drop_null(p).to_numpy() for p in parts]) if parts else np.array([])
        if lengths.size:
            result[name] = {"min": int(lengths.min()), "median": float(np.median(lengths)),
                            "mean": float(lengths.mean()), "p95": float(np.percentile(lengths, 95)),
                            "max": int(lengths.max())}
    return result


def reference_languages(tables, sample=2000):
    found = set()
    for table in tables:
        for name in text_fields(table):
            for value in table.column(name).slice(0, sample).to_pylist():
                if value and re.search(r"[\u3400-\u9fff]", value):
                    found.add("zh")
                if value and re.search(r"[A-Za-z]", value):
                    found.add("en")
    return sorted(found)


# --- data and cuts ---

def text(rng):
    """None, empty, English (sometimes looping), Chinese (sometimes looping) or mixed text."""
    kind = rng.integers(6)
    if kind == 0:
        return None
    if kind == 1:
        return ""
    words = " ".join(rng.choice(EN, rng.integers(1, 25))) + ("!" * int(rng.integers(3)))
    chinese = "".join(rng.choice(ZH, rng.integers(1, 40))) + "。"
    loop = rng.integers(1, 4)
    return {2: words * loop, 3: chinese * loop, 4: words + " " + chinese, 5: f"{rng.integers(1e6)} {words}"}[kind]


def table_of(rows, seed, large_cot=False):
    rng = np.random.default_rng(seed)
    columns = {
        "id": [f"r{seed}-{i}" for i in range(rows)],
        "question": [text(rng) for _ in range(rows)],
        "response": [text(rng) for _ in range(rows)],
        "cot": pa.array([text(rng) for _ in range(rows)], pa.large_string() if large_cot else pa.string()),
        "department": [("cardio", "外科", None)[i] for i in rng.integers(0, 3, rows)],  # text, not canonical
        "label": rng.integers(0, 3, rows),
    }
    return pa.table(columns)


def batches(table, seed):
    """`table` cut at random into record batches, with empty and one-row batches among them."""
    rng = np.random.default_rng(seed)
    whole = table.combine_chunks().to_batches()
    whole = whole[0] if whole else pa.RecordBatch.from_pylist([], schema=table.schema)
    out, start = [whole.slice(0, 0)], 0
    while start < table.num_rows:
        size = int(rng.choice([0, 1, 1, 2, rng.integers(3, 90)]))
        out.append(whole.slice(start, size))
        start += size
    return out + [whole.slice(table.num_rows, 0)]


def assert_same_profile(got, want):
    assert got.rows == want.rows
    assert list(got.values) == list(want.values)
    for key, expected in want.values.items():
        assert got.values[key].dtype.kind == expected.dtype.kind, key
        assert np.array_equal(got.values[key], expected), key


@pytest.fixture(autouse=True)
def small_sample(monkeypatch):
    monkeypatch.setattr(stats, "SAMPLE_ROWS", SAMPLE)


@pytest.mark.parametrize("rows", [0, 1, SAMPLE - 1, SAMPLE, SAMPLE + 1, 613])
def test_builder_with_the_row_count_gives_the_whole_table_profile_for_any_cut(rows):
    table = table_of(rows, seed=rows, large_cot=rows % 2 == 1)
    want = reference_profile(table)
    assert_same_profile(profile(table), want)
    for seed in range(4):
        builder = ProfileBuilder(expected_rows=rows)
        for batch in batches(table, seed):
            builder.add(batch)
        assert_same_profile(builder.result(), want)
    if rows > 10 * SAMPLE:  # the sample is a sample, and nulls in it are missing, not zero ratios
        assert want.values["question.digit_ratio"].size < SAMPLE
        assert want.values["question.length"].size > SAMPLE


def test_sample_is_evenly_spread_over_all_rows_and_fits_the_sample_size():
    picks = sample_rows(1000, 10)
    assert picks[0] == 0 and picks[-1] == 999 and len(set(picks.tolist())) == 10 and np.all(np.diff(picks) > 0)
    assert sample_rows(7, 10).tolist() == list(range(7))


def test_splits_fed_in_order_give_the_profile_of_their_concatenation():
    """What the writer does: the kept splits one after another, their total row count known up front;
    columns missing from a split (or all null) count as nulls, as in the concatenated table."""
    train, test = table_of(300, seed=1), table_of(90, seed=2).drop_columns(["cot"])
    test = test.set_column(test.schema.get_field_index("response"), "response", pa.nulls(90))
    builder = ProfileBuilder(expected_rows=390)
    for split, seed in ((train, 3), (test, 4)):
        for batch in batches(split, seed):
            builder.add(batch)
    assert_same_profile(builder.result(), reference_profile(concat([train, test])))


def test_without_a_row_count_all_rows_up_to_the_sample_size_are_sampled_as_before():
    table = table_of(SAMPLE, seed=5)
    builder = ProfileBuilder()
    for batch in batches(table, 6):
        builder.add(batch)
    assert_same_profile(builder.result(), reference_profile(table))


@pytest.mark.parametrize("rows", [SAMPLE + 1, 500, 1280])
def test_without_a_row_count_the_sample_is_every_stride_th_row_whatever_the_cut(rows):
    table = table_of(rows, seed=rows)
    results = []
    for seed in range(3):
        builder = ProfileBuilder()
        for batch in batches(table, seed):
            builder.add(batch)
        results.append(builder.result())
    stride = builder.stride
    assert SAMPLE // 2 < -(-rows // stride) <= SAMPLE and stride & (stride - 1) == 0
    sampled = table.take(pa.array(np.arange(0, rows, stride)))
    want = reference_profile(table)
    for name in ("question", "response", "cot"):  # lengths of every row, features of the strided rows
        present = sampled.select([name]).filter(pc.is_valid(sampled.column(name)))
        want.values.update(features(present, [name], list(FEATURES)))
    for result in results:
        assert_same_profile(result, want)


def test_a_row_count_that_does_not_match_the_rows_added_is_an_error():
    table = table_of(10, seed=7)
    with pytest.raises(ValueError, match="expected 9 rows and got 10"):
        ProfileBuilder(expected_rows=9).add(table)
    with pytest.raises(ValueError, match="expected 11 rows and got 10"):
        ProfileBuilder(expected_rows=11).add(table).result()


def test_no_rows_give_an_empty_profile():
    empty = table_of(0, seed=0)
    assert profile(None) == Profile() and profile(empty) == Profile()
    assert ProfileBuilder().add(empty).add(batches(empty, 0)[0]).result() == Profile()
    assert ProfileBuilder(expected_rows=0).result() == Profile()


def test_result_can_be_read_twice():
    builder = ProfileBuilder(expected_rows=200)
    for batch in batches(table_of(200, seed=8), 9):
        builder.add(batch)
    assert_same_profile(builder.result(), builder.result())


def test_length_stats_from_batches_equal_the_whole_table_stats():
    splits = [table_of(400, seed=10, large_cot=True), table_of(0, seed=11), table_of(77, seed=12)]
    splits[2] = splits[2].set_column(splits[2].schema.get_field_index("cot"), "cot", pa.nulls(77, pa.string()))
    want = reference_length_stats(splits)
    assert set(want) == {"cot", "department", "question", "response"}
    assert length_stats(splits) == want
    for seed in range(4):
        measured = LengthStats()
        for split in splits:
            for batch in batches(split, seed):
                measured.add(batch)
        assert measured.result() == want


def test_length_stats_skip_fields_without_values():
    only_nulls = pa.table({"question": pa.nulls(5, pa.string()), "response": ["ab", None, "abcd", "", "x"]})
    assert LengthStats().add(only_nulls).result() == {
        "response": {"min": 0, "median": 1.5, "mean": 1.75, "p95": pytest.approx(3.7), "max": 4}}


def test_languages_read_the_first_rows_of_each_split_whatever_the_cut():
    english = pa.table({"question": ["a question"] * 50})
    late_chinese = pa.table({"question": ["12"] * 30 + ["中文问题"] * 20})  # Chinese after the first 30 rows
    early_chinese = pa.table({"response": [None] * 29 + ["中文"], "label": [1] * 30})
    for splits, want in (([english, late_chinese], ["en"]), ([late_chinese, early_chinese, english], ["en", "zh"])):
        assert reference_languages(splits, sample=30) == languages(splits, sample=30) == want
        for seed in range(4):
            seen = Languages(sample=30)
            for split in splits:
                seen.new_table()
                for batch in batches(split, seed):
                    seen.add(batch)
            assert seen.result() == want


def test_languages_of_generated_splits_match_the_reference_with_the_default_sample():
    splits = [table_of(120, seed=13), table_of(60, seed=14)]
    assert languages(splits) == reference_languages(splits) == ["en", "zh"]
