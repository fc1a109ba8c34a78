import functools

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


texts = st.one_of(st.none(), st.text(st.sampled_from("ab ，?Ａ<p>&\n头痛"), max_size=12))


@functools.lru_cache(maxsize=1)
def default_steps():
    from hydra import compose, initialize_config_dir

    from dsbuild.build import _instantiate
    from dsbuild.config import CONF_DIR

    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose(config_name="config", overrides=["cleaning=default"])
    return named_steps(_instantiate(cfg.cleaning.rules, "cleaning.rules"))


@settings(max_examples=80, deadline=None)
@given(rows=st.lists(st.tuples(texts, texts), max_size=40))
def test_every_row_is_kept_or_rejected_exactly_once(rows):
    """The default cleaning on arbitrary rows: each input id ends up kept or rejected, once."""
    from dsbuild.record import content_ids

    table = pa.table({"question": pa.array([q for q, _ in rows], pa.string()),
                      "response": pa.array([r for _, r in rows], pa.string())})
    table = table.add_column(0, "id", content_ids(table))
    steps = default_steps()
    kept, rejected, report = run_cleaning(table, steps)
    kept_ids = kept.column("id").to_pylist()
    rejected_ids = [i for t in rejected for i in t.column("id").to_pylist()]
    assert report.rows_in == report.kept + report.rejected == len(rows)
    assert sorted(kept_ids + rejected_ids) == sorted(table.column("id").to_pylist())
    assert all(r["_reason"] for t in rejected for r in t.to_pylist())


def test_row_wise_steps_in_small_batches_give_what_one_pass_gives(compose_cfg):
    from hydra.utils import instantiate

    from dsbuild.execute.local import LocalExecutor

    questions = ["Ｑ fever 38℃?", "Q fever 38°C?", "", "as an AI model I cannot", "mail me at a@b.com",
                 "<b>bold</b> question", "x", "孩子发烧怎么办？"]
    rows = {"id": [f"r{i}" for i in range(400)],
            "question": [f"{questions[i % len(questions)]} {i // 37}" if i % 5 else questions[i % len(questions)]
                         for i in range(400)],
            "response": [None if i % 41 == 0 else f"answer {i % 13}" for i in range(400)]}
    long_answer = " ".join(chr(97 + i % 26) + chr(97 + i // 26 % 26) + chr(97 + i // 676) for i in range(900))
    rows["response"][7] = long_answer  # a length outlier
    table = pa.table(rows)
    cfg = compose_cfg(["cleaning=quality"])
    steps = named_steps(instantiate(cfg.cleaning.rules, _convert_="all"))
    assert any(step.row_wise for _, step in steps) and not all(step.row_wise for _, step in steps)
    whole = run_cleaning(table, steps)
    batched = run_cleaning(table, steps, executor=LocalExecutor(batch_rows=23))  # two-pass rules too
    assert batched[0].equals(whole[0])
    assert [t.to_pylist() for t in batched[1]] == [t.to_pylist() for t in whole[1]]
    assert batched[2].as_dict() | {"seconds": 0} == whole[2].as_dict() | {"seconds": 0}
    assert whole[2].by_rule and whole[2].changes  # the data trips rules and PII counts
    assert {"exact_dedup", "length_outliers"} <= set(whole[2].by_rule)
