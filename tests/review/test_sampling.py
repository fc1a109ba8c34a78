"""The review sample: deterministic by seed, proportional per split and per stratum, kept rows only."""

from collections import Counter

import pyarrow as pa
import pytest

from dsbuild.errors import UserError
from dsbuild.review.sampling import draw_sample
from dsbuild.review.version_reader import read_version


def synthetic():
    """train: 60 of A and 20 of B; validation and test: 10 each; a pilot of train rows."""
    def rows(prefix, strata):
        ids = [f"{prefix}{i}" for i in range(len(strata))]
        return pa.table({"id": ids, "question": [f"q {i}" for i in ids], "kind": strata})

    train = rows("t", ["A"] * 60 + ["B"] * 20)
    return {"train": train, "validation": rows("v", ["A"] * 5 + ["B"] * 5), "test": rows("s", ["B"] * 10),
            "pilot": train.slice(0, 10)}


def test_allocation_is_proportional_per_split_then_per_stratum():
    sample = draw_sample(synthetic(), 20, seed=3, stratify_by="kind")
    assert sample.drawn == {"train": {"A": 12, "B": 4}, "validation": {"A": 1, "B": 1}, "test": {"B": 2}}
    assert sample.population["train"] == {"A": 60, "B": 20}
    got = Counter((item.split, item.fields["kind"]) for item in sample.items)
    assert got == {("train", "A"): 12, ("train", "B"): 4, ("validation", "A"): 1, ("validation", "B"): 1,
                   ("test", "B"): 2}


def test_same_seed_same_items_other_seed_other_items():
    first = [i.id for i in draw_sample(synthetic(), 20, seed=3).items]
    assert first == [i.id for i in draw_sample(synthetic(), 20, seed=3).items]
    assert set(first) != {i.id for i in draw_sample(synthetic(), 20, seed=4).items}
    assert len(set(first)) == 20


def test_pilot_rows_are_never_drawn_and_a_large_size_takes_every_kept_row():
    sample = draw_sample(synthetic(), 1000, seed=0)
    assert len(sample.items) == 100 and {i.split for i in sample.items} == {"train", "validation", "test"}


def test_items_carry_every_field_but_the_id():
    item = draw_sample(synthetic(), 1, seed=0).items[0]
    assert set(item.fields) == {"question", "kind"} and item.fields["question"] == f"q {item.id}"


@pytest.mark.parametrize("size, stratify_by, expected", [(0, None, "--size"), (5, "nope", "'nope'")])
def test_bad_requests_are_one_line_errors(size, stratify_by, expected):
    with pytest.raises(UserError, match=expected):
        draw_sample(synthetic(), size, seed=0, stratify_by=stratify_by)


def test_on_a_built_version_strata_follow_the_department_mix(version_dir):
    version = read_version(version_dir)
    sample = draw_sample(version.splits, 40, seed=7, stratify_by="department")
    rows = {s: version.splits[s].num_rows for s in ("train", "validation", "test")}
    per_split = Counter(item.split for item in sample.items)
    assert sum(per_split.values()) == 40
    for split, n in per_split.items():  # each split within one item of its exact share
        assert abs(n - 40 * rows[split] / sum(rows.values())) < 1
    train = Counter(item.fields["department"] for item in sample.items if item.split == "train")
    assert train == {k: v for k, v in sample.drawn["train"].items() if v}
    assert max(train.values()) - min(train.values()) <= 2  # the example's departments are about equally common
