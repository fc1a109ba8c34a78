import pytest
from helpers import write_jsonl

from dsbuild.errors import UserError
from dsbuild.sources.files import FilesSource
from dsbuild.sources.mix import MixSource


def sources(tmp_path, n_a=100, n_b=40):
    a = write_jsonl(tmp_path / "a.jsonl", [{"question": f"a{i}"} for i in range(n_a)])
    b = write_jsonl(tmp_path / "b.jsonl", [{"question": f"b{i}"} for i in range(n_b)])
    return FilesSource(str(a)), FilesSource(str(b))


def test_weights_set_the_shares_and_unpicked_rows_are_rejects(tmp_path):
    a, b = sources(tmp_path)
    loaded = MixSource({"a": {"source": a, "weight": 1}, "b": {"source": b, "weight": 1}}).load()
    names = loaded.table.column("source").to_pylist()
    assert names.count("a") == 40 and names.count("b") == 40
    assert loaded.rows_read == 140 and loaded.rejected.num_rows == 60
    assert set(loaded.rejected.column("_rule").to_pylist()) == {"mix"}


def test_max_rows_caps_and_the_pick_is_deterministic_and_nested(tmp_path):
    a, b = sources(tmp_path)
    small = MixSource({"a": {"source": a, "max_rows": 10}, "b": {"source": b}}, seed=3).load().table
    a2, b2 = sources(tmp_path)
    big = MixSource({"a": {"source": a2, "max_rows": 20}, "b": {"source": b2}}, seed=3).load().table
    small_ids = set(small.column("id").to_pylist())
    assert small.num_rows == 50 and small_ids <= set(big.column("id").to_pylist())


def test_size_limits_weighted_total(tmp_path):
    a, b = sources(tmp_path)
    table = MixSource({"a": {"source": a, "weight": 3}, "b": {"source": b, "weight": 1}}, size=40).load().table
    assert table.column("source").to_pylist().count("a") == 30


def test_bad_entries(tmp_path):
    a, _ = sources(tmp_path)
    with pytest.raises(UserError, match="needs a `source:`"):
        MixSource({"a": {"weight": 1}})
    with pytest.raises(UserError, match="weight must be a number"):
        MixSource({"a": {"source": a, "weight": -1}})
