import pyarrow as pa
import pytest

from dsbuild.clean.dedup import ExactDedup
from dsbuild.clean.normalize import NormalizeText
from dsbuild.clean.pipeline import named_steps, run_cleaning
from dsbuild.clean.rules import LengthBounds, MissingValues
from dsbuild.errors import UserError


def test_steps_run_in_order_and_every_drop_is_accounted():
    t = pa.table({"id": ["a", "b", "c", "d"], "question": ["Ｑ one", "Q one", "", "Q two"], "response": ["r"] * 4})
    steps = named_steps({"norm": NormalizeText(), "missing": MissingValues(), "dedup": ExactDedup()})
    kept, rejected, report = run_cleaning(t, steps)
    assert kept.column("id").to_pylist() == ["a", "d"]
    assert report.by_rule == {"missing": 1, "dedup": 1}
    assert report.rows_in == report.kept + report.rejected
    dup = [r for table in rejected for r in table.to_pylist() if r["_rule"] == "dedup"][0]
    assert dup["_stage"] == "clean" and dup["_duplicate_of"] == "a" and dup["question"] == "Q one"


def test_list_config_gets_class_names_and_null_switches_off():
    steps = named_steps([LengthBounds(min_chars=1), None, LengthBounds(max_chars=9)])
    assert [name for name, _ in steps] == ["length_bounds", "length_bounds#2"]


def test_a_rule_error_names_its_config_key():
    t = pa.table({"id": ["a"], "question": ["q"]})
    with pytest.raises(UserError, match=r"^cleaning.rules.lb: field 'answer'"):
        run_cleaning(t, named_steps({"lb": LengthBounds("answer", min_chars=1)}))


def test_non_step_is_rejected():
    with pytest.raises(UserError, match="not a cleaning step"):
        named_steps({"x": 3})


def test_a_handed_over_table_is_taken_out_of_the_list():
    handover = [pa.table({"id": ["a"], "question": ["q"]})]
    kept, _, _ = run_cleaning(handover, named_steps({"lb": LengthBounds(min_chars=1)}))
    assert handover == [] and kept.num_rows == 1
