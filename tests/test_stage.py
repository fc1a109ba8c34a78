import pyarrow as pa
import pytest

from dsbuild.errors import AccountingError
from dsbuild.stage import StageReport, partition


def test_partition_keeps_fields_and_adds_reason():
    t = pa.table({"id": ["a", "b"], "q": ["x", "y"]})
    kept, rejected = partition(t, [None, "too short"], stage="clean", rule="len")
    assert kept.to_pylist() == [{"id": "a", "q": "x"}]
    assert rejected.to_pylist() == [{"id": "b", "q": "y", "_stage": "clean", "_rule": "len", "_reason": "too short"}]


def test_accounting_mismatch_fails_loudly():
    with pytest.raises(AccountingError, match="does not add up"):
        StageReport("clean", rows_in=10, kept=8, rejected=1, by_rule={"x": 1}).check()
    with pytest.raises(AccountingError, match="per rule"):
        StageReport("clean", rows_in=10, kept=8, rejected=2, by_rule={"x": 1}).check()
    StageReport("augment", rows_in=10, kept=15, rejected=0, added=5).check()


def test_wrong_verdict_count_is_a_bug():
    with pytest.raises(AccountingError):
        partition(pa.table({"a": [1, 2]}), [None], stage="s", rule="r")
