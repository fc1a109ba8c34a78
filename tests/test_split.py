import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dsbuild.errors import UserError
from dsbuild.record import content_ids
from dsbuild.split import assign, check_ratios, draw_pilot, largest_remainder, split_table

ratios_st = st.lists(st.integers(0, 10), min_size=3, max_size=3).filter(lambda r: sum(r) > 0).map(
    lambda r: [x / sum(r) for x in r])


def table_of(texts, groups=None, labels=None):
    cols = {"question": texts}
    if groups is not None:
        cols["doc"] = groups
    if labels is not None:
        cols["label"] = labels
    t = pa.table(cols)
    return t.add_column(0, "id", pa.array(content_ids(t)))


def assignment(table, **kw):
    return dict(zip(table.column("id").to_pylist(), assign(table, **kw).tolist()))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=60, unique=True),
       st.lists(st.text(min_size=1, max_size=12), max_size=30), ratios_st, st.integers(0, 3))
def test_appending_rows_never_moves_an_existing_row(texts, extra, ratios, seed):
    before = assignment(table_of(texts), ratios=ratios, seed=seed)
    after = assignment(table_of(texts + extra), ratios=ratios, seed=seed)
    assert all(after[i] == s for i, s in before.items())


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(max_size=8), min_size=1, max_size=80), ratios_st, st.integers(0, 3))
def test_determinism_disjointness_and_accounting(texts, ratios, seed):
    t = table_of(texts)
    splits, report = split_table(t, ratios, seed)
    again, _ = split_table(t, ratios, seed)
    ids = [set(s.column("id").to_pylist()) for s in splits.values()]
    assert sum(len(s) for s in ids) == t.num_rows == report.kept
    assert not (ids[0] & ids[1] or ids[0] & ids[2] or ids[1] & ids[2])
    assert all(splits[k].equals(again[k]) for k in splits)
    for i, r in enumerate(ratios):
        if r == 0:
            assert not ids[i]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.text(min_size=1, max_size=6), st.sampled_from("abcdefg")), min_size=1, max_size=80),
       ratios_st, st.integers(0, 3), st.booleans())
def test_no_group_crosses_splits(rows, ratios, seed, stratify):
    t = table_of([r[0] for r in rows], groups=[r[1] for r in rows], labels=[r[1] < "d" for r in rows])
    index = assign(t, ratios, seed, group_by="doc", stratify_by="label" if stratify else None)
    by_group = {}
    for g, s in zip(t.column("doc").to_pylist(), index.tolist()):
        by_group.setdefault(g, set()).add(s)
    assert all(len(s) == 1 for s in by_group.values())


def test_exact_duplicates_stay_together_without_cleaning():
    t = table_of(["same question"] * 5 + [f"q{i}" for i in range(200)])
    index = assign(t, [0.5, 0.25, 0.25], 7)
    assert len(set(index[:5].tolist())) == 1


def test_stratified_proportions_are_exact_per_stratum():
    labels = ["rare"] * 10 + ["common"] * 90
    t = table_of([f"q{i}" for i in range(100)], labels=labels)
    splits, _ = split_table(t, [0.8, 0.1, 0.1], 0, stratify_by="label")
    assert [splits[s].column("label").to_pylist().count("rare") for s in splits] == [8, 1, 1]


def test_ratios_hash_close_to_target_on_many_rows():
    t = table_of([f"question {i}" for i in range(20000)])
    counts = np.bincount(assign(t, [0.8, 0.1, 0.1], 0), minlength=3) / 20000
    assert np.allclose(counts, [0.8, 0.1, 0.1], atol=0.01)


@pytest.mark.parametrize("bad, message", [
    ([0.8, 0.1], "has 2 values"), ([0.8, 0.1, 0.2], "sums to 1.1"), ([1.2, -0.1, -0.1], "negative"),
    (["a", 1, 1], "three numbers")])
def test_bad_ratios(bad, message):
    with pytest.raises(UserError, match=message):
        check_ratios(bad)


def test_pilot_is_a_stratified_subset_of_train_and_grows_monotonically(caplog):
    labels = ["a"] * 300 + ["b"] * 100
    train = table_of([f"q{i}" for i in range(400)], labels=labels)
    small = draw_pilot(train, 40, 0, stratify_by="label")
    big = draw_pilot(train, 80, 0, stratify_by="label")
    assert small.column("label").to_pylist().count("b") == 10
    assert set(small.column("id").to_pylist()) <= set(big.column("id").to_pylist())
    assert draw_pilot(train, 1000, 0).num_rows == 400
    assert "pilot.size=1000 but train has 400 rows" in caplog.text


def test_largest_remainder_sums_exactly():
    assert largest_remainder(10, [0.8, 0.1, 0.1]).tolist() == [8, 1, 1]
    assert largest_remainder(7, [1, 1, 1]).sum() == 7
