"""tracking=mlflow against a real local MLflow store (a sqlite file in tmp_path), and the run's params/metrics;
a tracking server that is down (a closed port) or answers with an error."""

import importlib.util
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from helpers import write_jsonl
from omegaconf import OmegaConf

from dsbuild.build import build
from dsbuild.errors import UserError
from dsbuild.tracking.base import without_tracking
from dsbuild.tracking.mlflow import MlflowTracker, absolute_uri, artifact_location_for
from dsbuild.tracking.run_summary import run_metrics, run_params


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tracked(compose_cfg, out, db, *more):
    return compose_cfg([f"output_dir={out}", "tracking=mlflow", f"tracking.tracking_uri=sqlite:///{db}", *more])


@pytest.fixture(scope="module")
def logged(tmp_path_factory):
    """The example built untracked, then twice with tracking=mlflow (it exists by then): the store and results."""
    from hydra import compose, initialize_config_dir

    from dsbuild.config import CONF_DIR

    tmp = tmp_path_factory.mktemp("mlflow")
    overrides = [f"output_dir={tmp / 'datasets'}", "split.seed=3"]
    tracking = ["tracking=mlflow", f"tracking.tracking_uri=sqlite:///{tmp / 'mlflow.db'}"]
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        plain = compose(config_name="config", overrides=overrides)
        with_tracking = compose(config_name="config", overrides=overrides + tracking)
    choices = {"source": "doctor_qa", "cleaning": "default", "format": "cot_sft"}  # params come from the manifest
    untracked = build(plain, overrides=overrides, choices=choices, show_progress=False)
    first = build(with_tracking, overrides=overrides + tracking, choices=choices, show_progress=False)
    again = build(with_tracking, overrides=overrides + tracking, choices=choices, show_progress=False)
    import mlflow

    client = mlflow.MlflowClient(f"sqlite:///{tmp / 'mlflow.db'}")
    experiment = client.get_experiment_by_name("doctor_qa")
    runs = client.search_runs([experiment.experiment_id])
    return {"untracked": untracked, "first": first, "again": again, "client": client, "runs": runs, "tmp": tmp}


@pytest.mark.slow
def test_tracking_finds_the_same_version_and_logs_it_once(logged):
    assert logged["first"].path == logged["untracked"].path and logged["first"].existed
    assert logged["again"].existed
    [run] = logged["runs"]
    assert run.info.status == "FINISHED" and run.info.run_name == logged["first"].version_id
    assert run.data.tags["dsbuild.version_id"] == logged["first"].version_id


@pytest.mark.slow
def test_the_run_holds_params_and_metrics_of_the_version(logged):
    [run] = logged["runs"]
    params, metrics = run.data.params, run.data.metrics
    manifest = json.loads((logged["first"].path / "manifest.json").read_text(encoding="utf-8"))
    assert params["version_id"] == manifest["version_id"] and params["name"] == "doctor_qa"
    assert params["source"] == "doctor_qa" and params["format"] == "cot_sft" and params["cleaning"] == "default"
    assert params["split.seed"] == "3" and "split.seed=3" in params["overrides"] and params["llm.model"] == "None"
    assert metrics["stage.clean.rejected"] == 40 and metrics["rejects.clean.exact_dedup"] == 20
    assert metrics["rejects.total"] == 40 and metrics["rows.total"] == 156
    for split, info in manifest["splits"].items():
        assert metrics[f"rows.{split}"] == info["rows"]


@pytest.mark.slow
def test_the_card_manifest_rejects_and_figures_are_artifacts(logged):
    [run] = logged["runs"]
    listed = {a.path for a in logged["client"].list_artifacts(run.info.run_id)}
    assert {"README.md", "manifest.json", "rejects.jsonl"} <= listed
    assert any(name.endswith(".png") for name in listed)
    assert run.info.artifact_uri.startswith((logged["tmp"] / "mlartifacts").as_uri())


@pytest.mark.slow
def test_every_split_is_a_dataset_input_with_its_name_as_context(logged):
    [run] = logged["runs"]
    manifest = json.loads((logged["first"].path / "manifest.json").read_text(encoding="utf-8"))
    inputs = {}
    for item in run.inputs.dataset_inputs:
        [context] = [tag.value for tag in item.tags if tag.key == "mlflow.data.context"]
        inputs[context] = item.dataset
    assert set(inputs) == {"train", "validation", "test"}
    for split, dataset in inputs.items():
        info = manifest["splits"][split]
        assert dataset.name == f"doctor_qa-{split}" and info["sha256"].startswith(dataset.digest)
        assert json.loads(dataset.source)["uri"] == str(logged["first"].path / info["file"])
        assert json.loads(dataset.profile)["num_rows"] == info["rows"]
        records = json.loads((logged["first"].path / info["file"]).read_text(encoding="utf-8"))  # cot_sft's list
        fields = [column["name"] for column in json.loads(dataset.schema)["mlflow_colspec"]]
        assert fields == list(records[0]) == ["Question", "Complex-CoT", "Response"]  # the file's, not the rows'


def test_the_tracking_option_stays_out_of_the_build_config(compose_cfg, tmp_path):
    cfg, node = without_tracking(tracked(compose_cfg, tmp_path, tmp_path / "m.db", "name=my_qa"))
    assert OmegaConf.to_container(cfg) == OmegaConf.to_container(
        without_tracking(compose_cfg([f"output_dir={tmp_path}", "name=my_qa"]))[0])
    assert "tracking" not in cfg and node.experiment == "my_qa" and node.run_name is None
    assert without_tracking(compose_cfg([f"output_dir={tmp_path}"]))[1] is None


def test_without_the_mlflow_package_the_build_stops_before_it_starts(compose_cfg, tmp_path, monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "mlflow" else real(name, *a))
    with pytest.raises(UserError) as caught:
        build(tracked(compose_cfg, tmp_path / "out", tmp_path / "m.db"), show_progress=False)
    assert 'pip install "dsbuild[mlflow]"' in str(caught.value) and "\n" not in str(caught.value)
    assert not (tmp_path / "out").exists()


def test_an_empty_experiment_name_is_a_user_error(compose_cfg, tmp_path):
    with pytest.raises(UserError, match="tracking.experiment"):
        build(tracked(compose_cfg, tmp_path / "out", tmp_path / "m.db", "tracking.experiment=''"), show_progress=False)


def test_relative_stores_are_taken_from_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    uri = absolute_uri("sqlite:///outputs/mlflow.db")
    assert uri == f"sqlite:///{tmp_path / 'outputs' / 'mlflow.db'}" and (tmp_path / "outputs").is_dir()
    assert artifact_location_for(uri, None) == (tmp_path / "outputs" / "mlartifacts").as_uri()
    assert artifact_location_for("http://127.0.0.1:5000", None) is None
    assert artifact_location_for(uri, "store") == (tmp_path / "store").as_uri()
    assert absolute_uri("http://127.0.0.1:5000") == "http://127.0.0.1:5000"
    (tmp_path / "afile").write_text("x")
    with pytest.raises(UserError, match="tracking.tracking_uri"):
        absolute_uri("sqlite:///afile/m.db")


def test_llm_costs_tokens_and_judge_scores_become_metrics(tmp_path):
    write_jsonl(tmp_path / "train.jsonl", [{"id": "a", "judge_score": 4}, {"id": "b", "judge_score": 2}])
    manifest = {
        "version_id": "abc", "name": "qa", "overrides": ["llm=qwen", "prompt.persona=x"],
        "choices": {"llm": "qwen", "prompt": "doctor_cot"},
        "config": {"llm": {"model": "openai/qwen"}, "split": {"seed": 1, "ratios": [1, 0, 0]},
                   "source": {"_target_": "dsbuild.sources.files.FilesSource"}, "tasks": {"judge": {}, "off": None}},
        "stages": [{"stage": "judge", "rows_in": 3, "added": 0, "kept": 2, "rejected": 1, "by_rule": {"score:low": 1}}],
        "splits": {"train": {"file": "train.jsonl", "rows": 2}},
        "rejects": {"rows": 1},
        "llm": {"judge": {"calls": 3, "sent": 2, "cached": 1, "cost_usd": 0.25, "prompt_tokens": 10,
                          "completion_tokens": 5}},
    }
    (tmp_path / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    metrics = run_metrics(tmp_path, manifest)
    assert metrics["llm.judge.sent"] == 2 and metrics["llm.judge.cost_usd"] == 0.25 and metrics["llm.tokens"] == 15
    assert metrics["llm.cost_usd"] == 0.25 and metrics["llm.calls_sent"] == 2 and metrics["judge_score_mean"] == 3
    assert metrics["rejects.judge.score_low"] == 1 and metrics["rows.train"] == 2
    params = run_params(manifest)
    assert params["llm"] == "qwen" and params["llm.model"] == "openai/qwen" and params["source"] == "FilesSource"
    assert params["tasks"] == "judge" and params["prompt.persona"] == "x" and params["prompt"] == "doctor_cot"


@pytest.mark.slow
def test_parallel_sweep_jobs_share_a_new_sqlite_store_and_record_plain_overrides(run_cli, tmp_path):
    import mlflow

    db = tmp_path / "store" / "mlflow.db"
    uri = f"sqlite:///{db}"  # Hydra hands a multirun job `sqlite\:///...`
    result = run_cli("-m", "hydra/launcher=joblib", "hydra.launcher.n_jobs=2", "split.seed=1,2", "format=jsonl",
                     "tracking=mlflow", f"tracking.tracking_uri={uri}", f"hydra.sweep.dir={tmp_path / 'sweep'}")
    assert result.returncode == 0, result.stderr
    client = mlflow.MlflowClient(uri)
    runs = client.search_runs([client.get_experiment_by_name("doctor_qa").experiment_id])
    assert sorted(run.data.params["split.seed"] for run in runs) == ["1", "2"]
    assert all(run.info.status == "FINISHED" for run in runs)
    for run in runs:
        assert run.data.params["tracking.tracking_uri"] == uri
        assert f"tracking.tracking_uri={uri}" in run.data.params["overrides"].split()
    manifests = [json.loads(p.read_text(encoding="utf-8")) for p in (tmp_path / "datasets").glob("*/*/manifest.json")]
    assert len(manifests) == 2 and all(f"tracking.tracking_uri={uri}" in m["overrides"] for m in manifests)
    summary = json.loads((tmp_path / "sweep" / "sweep_summary.json").read_text(encoding="utf-8"))
    assert all(f"tracking.tracking_uri={uri}" in row["overrides"] for row in summary)


def test_a_tracking_server_that_is_down_stops_the_build_at_once_in_one_line(run_cli, tmp_path):
    uri = f"http://127.0.0.1:{closed_port()}"
    started = time.monotonic()
    result = run_cli("tracking=mlflow", f"tracking.tracking_uri={uri}")
    seconds = time.monotonic() - started
    assert result.returncode == 2 and seconds < 10, (seconds, result.stderr)
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"dsbuild: error: tracking.tracking_uri={uri}: the MLflow server does not respond")
    assert "nothing was built" in line and "tracking=none" in line and "Retrying" not in result.stderr
    assert not (tmp_path / "datasets").exists()


def test_a_server_gone_when_the_build_ends_is_one_line_at_once(compose_cfg, tmp_path):
    version = build(compose_cfg([f"output_dir={tmp_path / 'out'}"]), show_progress=False).path
    tracker = MlflowTracker(f"sqlite:///{tmp_path / 'm.db'}", "doctor_qa")
    tracker.tracking_uri = f"http://127.0.0.1:{closed_port()}"  # the server passed the first check, then stopped
    started = time.monotonic()
    with pytest.raises(UserError) as caught:
        tracker.log(version)
    assert time.monotonic() - started < 10
    message = str(caught.value)
    assert "\n" not in message and tracker.tracking_uri in message and "does not respond" in message
    assert f"the version is written ({version})" in message and "run the same command again" in message


@pytest.mark.slow
def test_a_server_that_never_answers_is_given_up_within_seconds():
    with socket.socket() as sock:  # accepts connections (the backlog) and never answers
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        uri = f"http://127.0.0.1:{sock.getsockname()[1]}"
        started = time.monotonic()
        with pytest.raises(UserError) as caught:
            MlflowTracker(uri, "doctor_qa")
        seconds = time.monotonic() - started
    assert seconds < 10 and f"{uri}: the MLflow server does not respond (timed out)" in str(caught.value)


class _NotMlflow(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - the name http.server calls
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_a_server_that_answers_with_an_error_is_named_with_its_answer():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _NotMlflow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    uri = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        with pytest.raises(UserError) as caught:
            MlflowTracker(uri, "doctor_qa")
    finally:
        server.shutdown()
        server.server_close()
    message = str(caught.value)
    assert "\n" not in message and f"tracking.tracking_uri={uri}: the MLflow server answered the check" in message
    assert "404" in message and "nothing was built" in message
