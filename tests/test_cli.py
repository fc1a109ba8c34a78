"""The `dsbuild` command as a user runs it: subprocesses with their own run and output folders."""

import json
import re

import pytest
from helpers import write_jsonl
from llm_server import Reply

VERSION_LINE = re.compile(r"dataset version (written|already exists): (\S+)")


def version_paths(stdout):
    return [m.group(2) for m in VERSION_LINE.finditer(stdout)]


@pytest.mark.slow
def test_plain_dsbuild_builds_the_example_from_any_directory(run_cli, tmp_path):
    elsewhere = tmp_path / "somewhere" / "else"
    elsewhere.mkdir(parents=True)
    first = run_cli(cwd=elsewhere)
    assert first.returncode == 0, first.stderr
    [path] = version_paths(first.stdout)
    assert "/datasets/doctor_qa/" in path
    assert "Rows per stage" in first.stdout and "Rejects per rule" in first.stdout and "Rows per split" in first.stdout
    second = run_cli(cwd=elsewhere)
    assert second.returncode == 0 and "already exists" in second.stdout
    assert version_paths(second.stdout) == [path]


@pytest.mark.slow
def test_multirun_builds_one_version_per_seed(run_cli, tmp_path):
    result = run_cli("-m", "split.seed=1,2,3", f"hydra.sweep.dir={tmp_path / 'sweep'}")
    assert result.returncode == 0, result.stderr
    paths = version_paths(result.stdout)
    assert len(set(paths)) == 3
    for path in paths:
        manifest = json.loads(open(f"{path}/manifest.json", encoding="utf-8").read())
        assert manifest["config"]["split"]["seed"] in (1, 2, 3)
    assert sorted(p.name for p in (tmp_path / "sweep").iterdir() if p.is_dir()) == [
        "split.seed=1", "split.seed=2", "split.seed=3"]


def error_cases(tmp_path):
    good = write_jsonl(tmp_path / "good.jsonl", [{"q": f"question {i}", "a": f"answer {i}"} for i in range(5)])
    bad_json = tmp_path / "bad.jsonl"
    bad_json.write_text('{"q": "a", "a": "b"}\n{"q": "c", "a": }\n', encoding="utf-8")
    undecodable = tmp_path / "bin.jsonl"
    undecodable.write_bytes(b'{"q": "\xff\xfe\x00\x81\xff"}\n' * 3)
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    files = ["source=files", "cleaning=none"]
    return {
        "missing file": ([*files, f"source.path={tmp_path / 'nope.jsonl'}"], "nope.jsonl"),
        "unknown column": ([*files, f"source.path={good}", "source.columns={question: ask}"], "'ask'"),
        "ratios": ([*files, f"source.path={good}", "split.ratios=[0.5,0.2,0.2]"], "split.ratios"),
        "malformed json": ([*files, f"source.path={bad_json}"], "line 2"),
        "undecodable": ([*files, f"source.path={undecodable}"], "bin.jsonl"),
        "empty input": ([*files, f"source.path={empty}"], "empty.jsonl"),
        "required value": (["source=files"], "source.path"),
        "unreadable override": (["source=logs", "source.pattern=(unclosed"], "quote a value"),
        "missing document folder": (["source=documents", f"source.path={tmp_path / 'docs'}"], "docs"),
        "password in a database url": (["source=sql", "source.url=postgresql://u:pw@db/x", "source.query=SELECT 1"],
                                       "source.url_env"),
    }


@pytest.mark.parametrize("case", ["missing file", "unknown column", "ratios", "malformed json", "undecodable",
                                  "empty input", "required value", "unreadable override", "missing document folder",
                                  "password in a database url"])
def test_user_mistakes_end_in_one_line_and_exit_2(case, run_cli, tmp_path):
    args, expected = error_cases(tmp_path)[case]
    result = run_cli(*args)
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("dsbuild: error: ") and expected in lines[0]
    assert "Traceback" not in result.stderr + result.stdout


def test_debug_switch_shows_the_traceback(run_cli, tmp_path):
    result = run_cli("source=files", f"source.path={tmp_path / 'nope.jsonl'}", env={"DSBUILD_DEBUG": "1",
                                                                                   "HYDRA_FULL_ERROR": "1"})
    assert result.returncode != 0 and "Traceback" in result.stderr


def test_user_config_dir_on_the_command_line(run_cli, tmp_path):
    data = write_jsonl(tmp_path / "mine.jsonl", [{"ask": f"question {i}?", "reply": f"answer number {i}."}
                                                  for i in range(30)])
    conf = tmp_path / "myconf" / "source"
    conf.mkdir(parents=True)
    (conf / "mine.yaml").write_text(
        f"# dsbuild --config-dir myconf source=mine\ndefaults:\n  - files\npath: {data}\n"
        "columns: {question: ask, response: reply}\n", encoding="utf-8")
    result = run_cli("--config-dir", str(tmp_path / "myconf"), "source=mine", "name=mine", "format=alpaca")
    assert result.returncode == 0, result.stderr
    [path] = version_paths(result.stdout)
    records = json.loads(open(f"{path}/train.json", encoding="utf-8").read())
    assert records and set(records[0]) == {"instruction", "input", "output"}


def test_hub_source_on_a_local_dataset_folder_offline(run_cli, tmp_path):
    folder = tmp_path / "my_hf_dataset" / "data"
    write_jsonl(folder / "train.jsonl", [{"Question": f"q{i}?", "Response": f"answer {i}."} for i in range(40)])
    result = run_cli("source=hf", f"source.path={folder.parent}",
                     "source.columns={question: Question, response: Response}", "name=hfdemo", "format=jsonl",
                     "pilot.size=5",
                     env={"HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf")})
    assert result.returncode == 0, result.stderr
    [path] = version_paths(result.stdout)
    manifest = json.loads(open(f"{path}/manifest.json", encoding="utf-8").read())
    assert manifest["inputs"][0]["kind"] == "hf" and manifest["inputs"][0]["files"][0]["sha256"]
    assert manifest["splits"]["pilot"]["rows"] == 5
    row = json.loads(open(f"{path}/train.jsonl", encoding="utf-8").readline())
    assert row["source_ref"].startswith(f"{folder.parent}:train[")


@pytest.mark.slow
def test_a_sweep_over_models_and_seeds_writes_a_summary_and_shares_cached_calls(run_cli, tmp_path, llm_server):
    def judge(request):
        model, user = request["model"], request["messages"][-1]["content"]
        score = 5 if model == "model-a" else (2 if "7" in user else 4)
        return Reply(content=json.dumps({"score": score, "rationale": f"{model} says {score}"}))

    llm_server.set_handler(judge)
    data = write_jsonl(tmp_path / "qa.jsonl", [{"q": f"question {i}?", "t": f"because {i}", "a": f"answer {i}."}
                                                  for i in range(10)])
    sweep = tmp_path / "sweep"
    result = run_cli(
        "-m", "llm.model=openai/model-a,openai/model-b", "split.seed=1,2", f"hydra.sweep.dir={sweep}",
        "source=files", f"source.path={data}", "source.columns={question: q, cot: t, response: a}",
        "cleaning=none",
        "prompt=doctor_judge", "format=jsonl", "llm=openai_compatible", f"llm.api_base={llm_server.base_url}",
        f"llm.cache_path={tmp_path / 'llm.sqlite'}",
    )
    assert result.returncode == 0, result.stderr
    rows = json.loads((sweep / "sweep_summary.json").read_text(encoding="utf-8"))
    assert [sorted(r["swept"]) for r in rows] == [
        sorted([f"llm.model=openai/model-{m}", f"split.seed={s}"]) for m in "ab" for s in (1, 2)]
    by_model = {m: [r for r in rows if f"llm.model=openai/model-{m}" in r["swept"]] for m in "ab"}
    assert all(r["judge_score_mean"] == 5 for r in by_model["a"])
    assert all(r["rows"]["train"] + r["rows"]["validation"] + r["rows"]["test"] == 9 for r in by_model["b"])
    assert [r["llm_calls_sent"] for r in by_model["a"]] == [10, 0]  # the second seed's calls come from the cache
    assert len({r["version_id"] for r in rows}) == 4 and all("prompt=doctor_judge" in r["overrides"] for r in rows)
    assert sorted(p.name for p in sweep.iterdir() if p.is_dir()) == [
        f"llm.model=openai_model-{m},split.seed={s}" for m in "ab" for s in (1, 2)]
    table = (sweep / "sweep_summary.md").read_text(encoding="utf-8")
    assert table.count("| llm.model=openai/model-") == 4 and "judge mean" in table


@pytest.mark.slow
def test_a_sweep_job_that_fails_is_in_the_summary_and_the_exit_code(run_cli, tmp_path):
    sweep = tmp_path / "sweep"
    result = run_cli("-m", "split.ratios=[0.8,0.1,0.1],[0.5,0.2,0.2]", "format=jsonl", f"hydra.sweep.dir={sweep}")
    assert result.returncode == 2 and "1 job(s) of the sweep failed" in result.stderr
    assert "Traceback" not in result.stderr
    ok, failed = json.loads((sweep / "sweep_summary.json").read_text(encoding="utf-8"))
    assert ok["rows"]["train"] > 0 and "sums to 0.9" in failed["error"] and "version_id" not in failed
