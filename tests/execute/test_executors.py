"""Executors give the rows one pass gives: the local one batch by batch, the Ray one through Ray Data."""

from __future__ import annotations

import functools
import importlib.util
import json
import re
from pathlib import Path

import pyarrow as pa
import pytest
from hydra.utils import instantiate

from dsbuild.build import build
from dsbuild.clean.groups import apply_group
from dsbuild.clean.pipeline import named_steps
from dsbuild.execute.ray_data import _packed_group, _unpacked

HAS_RAY = importlib.util.find_spec("ray") is not None
# one worker runs these in turn: two local Ray instances would share 2 cores, and `address=auto` would join
# another test's instance instead of failing
pytestmark = pytest.mark.xdist_group("ray")


@pytest.fixture
def quality_group(compose_cfg):
    """The row-wise steps of cleaning=quality (PII counts, rejects with different columns per step)."""
    steps = named_steps(instantiate(compose_cfg(["cleaning=quality"]).cleaning.rules, _convert_="all"))
    return [pair for pair in steps if pair[1].row_wise]


def test_a_packed_batch_unpacks_to_the_same_outcome(quality_group):
    batch = pa.table({"id": [f"r{i}" for i in range(6)],
                      "question": ["mail a@b.com please", "", "as an AI model I cannot", "fine question",
                                   "孩子发烧怎么办？", "call 13812345678"],
                      "response": ["ok then", "answer", "answer", "answer", "多喝水。", "sure"]})
    direct = apply_group(batch, quality_group, "clean", "cleaning.rules")
    [back] = _unpacked(_packed_group(batch, quality_group, "clean", "cleaning.rules"))
    assert back.kept.equals(direct.kept)
    assert back.rejected.keys() == direct.rejected.keys() and direct.rejected
    for name, rejected in direct.rejected.items():
        assert back.rejected[name].to_pylist() == rejected.to_pylist()
        assert back.rejected[name].column_names == rejected.column_names
    assert back.counts == direct.counts and direct.counts["pii"]["email"] == 1


def test_two_packed_batches_joined_by_ray_unpack_in_order(quality_group):
    first = pa.table({"id": ["a"], "question": ["as an AI model I cannot"], "response": ["x y"]})
    second = pa.table({"id": ["b", "c"],
                       "question": ["How do I treat a mild fever at home?",
                                    "Please email me at a@b.com about the results of my blood test"],
                       "response": ["Rest, drink plenty of water and take paracetamol if needed.",
                                    "Your results are normal, so no further tests are needed now."]})
    joined = pa.concat_tables([_packed_group(t, quality_group, "clean", "k") for t in (first, second)],
                              promote_options="permissive")
    outcomes = _unpacked(joined)
    assert [o.kept.num_rows for o in outcomes] == [0, 2]
    assert outcomes[0].rejected["blocklist"].column("id").to_pylist() == ["a"]
    assert outcomes[1].counts["pii"]["email"] == 1


@pytest.mark.slow
@pytest.mark.skipif(not HAS_RAY, reason='Ray is not installed (pip install "ray[data]"); executor=ray needs it')
def test_the_example_built_by_the_dsbuild_command_on_ray_equals_the_local_build(compose_cfg, run_cli, tmp_path):
    local = build(compose_cfg([f"output_dir={tmp_path / 'local'}", "cleaning=quality"]), show_progress=False)
    command = run_cli(f"output_dir={tmp_path / 'ray'}", "cleaning=quality", "executor=ray", "executor.num_cpus=2",
                      "executor.batch_rows=50")
    assert command.returncode == 0, command.stderr
    [on_ray] = [Path(m.group(1)) for m in re.finditer(r"dataset version written: (\S+)", command.stdout)]
    assert on_ray.name == local.version_id
    manifest = json.loads((local.path / "manifest.json").read_text())
    names = [info["file"] for info in manifest["splits"].values() if info.get("file")] + ["rejects.jsonl"]
    for name in names:
        assert (on_ray / name).read_bytes() == (local.path / name).read_bytes(), name
    ray_manifest = json.loads((on_ray / "manifest.json").read_text())
    assert [s["by_rule"] for s in ray_manifest["stages"]] == [s["by_rule"] for s in manifest["stages"]]
    assert [s.get("changes") for s in ray_manifest["stages"]] == [s.get("changes") for s in manifest["stages"]]


@pytest.mark.skipif(not HAS_RAY, reason='Ray is not installed (pip install "ray[data]"); executor=ray needs it')
def test_joining_a_cluster_that_is_not_there_is_a_one_line_error(monkeypatch):
    import ray
    from ray._private import services

    from dsbuild.errors import UserError
    from dsbuild.execute.ray_data import RayExecutor

    if ray.is_initialized():  # an earlier test's instance in this process: an executor would use it, not join
        ray.shutdown()
    # `address=auto` joins any Ray instance running on this machine (another test's may still be stopping)
    monkeypatch.setattr(services, "_cached_find_gcs_addresses", functools.cache(frozenset))
    monkeypatch.setattr(services, "find_bootstrap_address", lambda temp_dir: None)
    with pytest.raises(UserError, match=r"^executor.address 'auto': cannot start or join Ray \(.*\); start a cluster"):
        with RayExecutor(address="auto"):
            pass


def _generated_rows(path, n: int) -> None:
    """n question/answer rows in JSON lines: 3% exact copies, 1% too short, English and Chinese."""
    import random

    rng = random.Random(0)
    words = ["fever", "cough", "rest", "water", "doctor", "pain", "sleep", "headache", "child", "week"]
    hanzi = ["发烧", "咳嗽", "休息", "喝水", "医生", "疼痛", "睡眠", "头痛", "孩子", "一周"]
    rows = []
    for i in range(n):
        roll = rng.random()
        if rows and roll < 0.03:
            rows.append(rows[rng.randrange(len(rows))])
        elif roll < 0.04:
            rows.append({"question": "?", "answer": "ok"})
        elif roll < 0.5:
            rows.append({"question": " ".join(rng.choices(words, k=8)) + f" {i}?",
                         "answer": " ".join(rng.choices(words, k=20)) + "."})
        else:
            rows.append({"question": "".join(rng.choices(hanzi, k=12)) + f"{i}？",
                         "answer": "".join(rng.choices(hanzi, k=30)) + "。"})
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


@pytest.mark.slow
@pytest.mark.skipif(not HAS_RAY, reason='Ray is not installed (pip install "ray[data]"); executor=ray needs it')
def test_a_100k_row_build_on_ray_equals_the_local_build(compose_cfg, tmp_path):
    data = tmp_path / "rows.jsonl"
    _generated_rows(data, 100_000)
    common = ["source=files", f"source.path={data}", "name=big", "format=jsonl", "executor.batch_rows=25000",
              "cleaning.rules.strip_html=null"]
    local = build(compose_cfg([*common, f"output_dir={tmp_path / 'local'}"]), show_progress=False)
    on_ray = build(compose_cfg([*common, f"output_dir={tmp_path / 'ray'}", "executor=ray", "executor.num_cpus=2"]),
                   show_progress=False)
    assert on_ray.version_id == local.version_id
    manifest = json.loads((local.path / "manifest.json").read_text())
    assert manifest["stages"][0]["rows_in"] == 100_000 and manifest["rejects"]["rows"] > 3_000
    for name in ["train.jsonl", "validation.jsonl", "test.jsonl", "rejects.jsonl"]:
        assert (on_ray.path / name).read_bytes() == (local.path / name).read_bytes(), name


@pytest.mark.slow
@pytest.mark.skipif(not HAS_RAY, reason='Ray is not installed (pip install "ray[data]"); executor=ray needs it')
def test_llm_calls_through_ray_actors_give_the_local_build(compose_cfg, llm_server, tmp_path, actor_round_trips):
    from annotate.test_complete_cot import medical_cot
    from llm_server import Reply

    through_actors = actor_round_trips
    local = medical_cot(compose_cfg, llm_server, tmp_path / "local" / "out", "~tasks.judge")
    sent_locally = llm_server.calls
    assert not through_actors
    llm_server.queue(Reply(status=429, headers={"Retry-After": "0"}), Reply(status=500))  # retried by the driver
    on_ray = medical_cot(compose_cfg, llm_server, tmp_path / "ray" / "out", "~tasks.judge", "executor=ray",
                         "executor.num_cpus=2", "llm.concurrency=8")
    assert on_ray.version_id == local.version_id
    # the calls again (two of them retried), and the preflight probe: every round trip through an actor
    assert len(through_actors) == llm_server.calls - sent_locally + 1 == sent_locally + 2 + 1
    for name in ("train.json", "validation.json", "test.json", "rejects.jsonl"):
        assert (on_ray.path / name).read_bytes() == (local.path / name).read_bytes(), name


def _rules_that_compare_rows():
    from dsbuild.clean.dedup import ExactDedup
    from dsbuild.clean.isolation import IsolationOutliers
    from dsbuild.clean.near_dedup import NearDedup
    from dsbuild.clean.outliers import LengthOutliers

    return {"exact_first": ExactDedup(fields=["question"]), "exact_none": ExactDedup(fields=["id"]),
            "exact_longest": ExactDedup(fields=["question"], keep="longest"),
            "near": NearDedup(threshold=0.7), "near_group": NearDedup(threshold=0.7, keep="longest", action="group"),
            "near_highest": NearDedup(fields=["question"], threshold=0.7, keep="highest", score_field="score"),
            "near_big_buckets": NearDedup(fields=["response"]),  # hundreds of rows share each band: chained pairs
            "near_blank": NearDedup(fields=["blank"]),  # no row has a shingle: nothing to shuffle
            "lengths": LengthOutliers(k=1.0), "isolation": IsolationOutliers(contamination=0.02, min_rows=10)}


@pytest.mark.slow
@pytest.mark.skipif(not HAS_RAY, reason='Ray is not installed (pip install "ray[data]"); executor=ray needs it')
def test_rules_that_compare_rows_measured_and_shuffled_on_ray_decide_as_locally():
    from dsbuild.clean.groups import two_pass
    from dsbuild.execute.ray_data import RayExecutor
    from dsbuild.execute.spill import batches

    n = 3_000
    table = pa.table({"id": [f"r{i}" for i in range(n)],
                      "question": [f"Question {i % 700} about a fever that lasts days?" if i % 3 else
                                   f"question {i % 700} about a fever that lasts days" for i in range(n)],
                      "response": ["rest and water " * (i % 9 + 1) + ("!" * 40 if i % 97 == 0 else "")
                                   for i in range(n)],
                      "score": [float(i % 11) for i in range(n)], "blank": [""] * n})
    with RayExecutor(num_cpus=2, batch_rows=400, window=3) as executor:
        for name, rule in _rules_that_compare_rows().items():
            local = list(two_pass(lambda: batches(table, 400), (name, rule), "clean", "cleaning.rules"))
            on_ray = list(executor.two_pass(lambda: batches(table, 400), (name, rule), "clean", "cleaning.rules"))
            assert len(on_ray) == len(local) == 8, name
            for mine, theirs in zip(on_ray, local):
                assert mine.kept.equals(theirs.kept), name
                assert {k: v.to_pylist() for k, v in mine.rejected.items()} == \
                    {k: v.to_pylist() for k, v in theirs.rejected.items()}, name
            dropped = sum(t.num_rows for o in local for t in o.rejected.values())
            decides = name not in ("near_group", "exact_none", "near_blank")
            assert bool(dropped) == decides, name  # it really decided something
