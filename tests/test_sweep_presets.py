"""`dsbuild -m +sweep=<preset>` presets and parallel sweeps with the joblib launcher."""

import json

import pytest
import yaml
from hydra import compose, initialize_config_dir

from dsbuild.config import CONF_DIR

PRESETS = sorted(p.stem for p in (CONF_DIR / "sweep").glob("*.yaml"))


def summary(sweep_dir):
    return json.loads((sweep_dir / "sweep_summary.json").read_text(encoding="utf-8"))


def test_the_comparison_presets_exist():
    assert PRESETS == ["cleaning", "models", "prompts", "split_seeds"]


@pytest.mark.parametrize("preset", PRESETS)
def test_each_preset_sets_sweeper_params_that_name_existing_options(preset):
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose(config_name="config", overrides=[f"+sweep={preset}"], return_hydra_config=True)
    params = dict(cfg.hydra.sweeper.params)
    assert params and "sweep" not in cfg
    for key, values in params.items():
        values = [v.strip() for v in str(values).split(",")]
        assert len(values) >= 2
        if (CONF_DIR / key).is_dir():  # a config group: every value is one of its options
            assert all((CONF_DIR / key / f"{v}.yaml").is_file() for v in values), (key, values)
    raw = yaml.safe_load((CONF_DIR / "sweep" / f"{preset}.yaml").read_text(encoding="utf-8"))
    assert raw["hydra"]["sweeper"]["params"] == params


@pytest.mark.slow
def test_a_preset_sweeps_its_values_and_names_folders_after_them(run_cli, tmp_path):
    sweep_dir = tmp_path / "sweep"
    result = run_cli("-m", "+sweep=split_seeds", "format=jsonl", f"hydra.sweep.dir={sweep_dir}")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in sweep_dir.iterdir() if p.is_dir()) == ["split.seed=1", "split.seed=2", "split.seed=3"]
    rows = summary(sweep_dir)
    assert [row["swept"] for row in rows] == [["split.seed=1"], ["split.seed=2"], ["split.seed=3"]]
    assert len({row["version_id"] for row in rows}) == 3
    for seed, row in enumerate(rows, 1):
        manifest = json.loads(open(f"{row['path']}/manifest.json", encoding="utf-8").read())
        config = manifest["config"]
        assert config["split"]["seed"] == seed and config["format"]["_target_"].endswith("Jsonl")


@pytest.mark.slow
def test_the_joblib_launcher_runs_jobs_in_parallel_processes_and_the_summary_has_each(run_cli, tmp_path):
    sweep_dir = tmp_path / "sweep"
    result = run_cli("-m", "hydra/launcher=joblib", "hydra.launcher.n_jobs=2", "split.seed=1,2", "format=jsonl",
                     f"hydra.sweep.dir={sweep_dir}")
    assert result.returncode == 0, result.stderr
    assert "Joblib.Parallel" in result.stdout + result.stderr
    rows = summary(sweep_dir)
    assert [row["swept"] for row in rows] == [["split.seed=1"], ["split.seed=2"]]
    assert all("error" not in row and (tmp_path / "datasets" / "doctor_qa" / row["version_id"]).is_dir()
               for row in rows)
    assert rows[0]["version_id"] != rows[1]["version_id"]
    assert sum(rows[0]["rows"].values()) == sum(rows[1]["rows"].values()) == 156  # the same rows, split two ways
