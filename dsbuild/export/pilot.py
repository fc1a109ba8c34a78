"""`llamafactory/pilot_sft.yaml`: the ~1,000-row pilot fine-tune the field advises before growing a set.

With `pilot.size` set, the version holds a LLaMA-Factory training config for its `pilot` split: a short
LoRA SFT of `pilot.model` with `pilot.template`, `cutoff_len` from `format.cutoff_len`, the version folder
as `dataset_dir` and the run's output under the version's parent (`<dataset>/pilot-runs/<version id>`), so

    llamafactory-cli train <version>/llamafactory/pilot_sft.yaml

trains it from any directory. `pilot.llamafactory` adds or replaces settings (e.g. `bf16: true`).
`pilot_results` reads the run's metrics back, for `dsbuild compare`.
The paths name where the version was written; a rebuild elsewhere compares the file with them replaced.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import yaml

from ..errors import UserError

PILOT_CONFIG = "llamafactory/pilot_sft.yaml"
RUNS_FOLDER = "pilot-runs"
RESULTS = "all_results.json"  # what LLaMA-Factory's SFT workflow leaves in output_dir (train_loss, eval_loss, ...)


def pilot_settings(node: Mapping | None) -> dict:
    """pilot.size / model / template / llamafactory, checked: one line naming the key for a wrong value."""
    pilot = dict(node or {})
    size = pilot.get("size") or 0
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise UserError(f"pilot.size={size!r}: give a whole number of rows (0 for no pilot), e.g. pilot.size=1000")
    pilot["size"] = size
    if size:
        for key, example in (("model", "Qwen/Qwen2.5-0.5B-Instruct"), ("template", "qwen")):
            if not isinstance(pilot.get(key), str) or not pilot[key].strip():
                raise UserError(f"pilot.{key}={pilot.get(key)!r}: give the pilot fine-tune's {key}, "
                                f"e.g. pilot.{key}={example}")
    extra = pilot.get("llamafactory")
    if extra is not None and not isinstance(extra, Mapping):
        raise UserError(f"pilot.llamafactory={extra!r}: give LLaMA-Factory settings as a mapping, e.g. "
                        "'pilot.llamafactory={bf16: true, num_train_epochs: 1}'")
    return pilot


def pilot_config(final: Path, dataset_name: str, entries: Mapping[str, dict], pilot: Mapping,
                 cutoff_len: int) -> str | None:
    """The YAML text, or None when dataset_info.json has no pilot entry to train on."""
    dataset = f"{dataset_name}_pilot"
    if dataset not in entries:
        return None
    settings = {
        "model_name_or_path": str(pilot.get("model")),
        "trust_remote_code": True,
        "stage": "sft",
        "do_train": True,
        "finetuning_type": "lora",
        "lora_rank": 8,
        "lora_target": "all",
        "dataset": dataset,
        "dataset_dir": str(final),
        "template": str(pilot.get("template")),
        "cutoff_len": int(cutoff_len),
        "overwrite_cache": True,
        "output_dir": str(final.parent / RUNS_FOLDER / final.name),
        "logging_steps": 10,
        "save_steps": 500,
        "plot_loss": True,
        "overwrite_output_dir": True,
        "report_to": "none",
        "per_device_train_batch_size": 1,
        "gradient_accumulation_steps": 8,
        "learning_rate": 1.0e-4,
        "num_train_epochs": 3.0,
        "lr_scheduler_type": "cosine",
        "warmup_ratio": 0.1,
    }
    validation = f"{dataset_name}_validation"
    if validation in entries:
        settings.update(eval_dataset=validation, per_device_eval_batch_size=1, eval_strategy="steps", eval_steps=500)
    settings.update(dict(pilot.get("llamafactory") or {}))
    head = (f"# LoRA SFT pilot on {dataset} (dsbuild). Run: llamafactory-cli train {final / PILOT_CONFIG}\n"
            "# Compare pilots of two versions by eval_loss in <output_dir>/all_results.json.\n")
    return head + yaml.safe_dump(settings, sort_keys=False, allow_unicode=True)


def write_pilot_config(folder: Path, text: str) -> str:
    """Write the config into the (staged) version folder; its name, relative to the folder."""
    path = folder / PILOT_CONFIG
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return PILOT_CONFIG


def pilot_results(folder: Path) -> dict | None:
    """The metrics of the pilot fine-tune run from `folder`'s config: {} when it has not run, None without a config.

    The run is looked for in the config's `output_dir`, then where it would be had the version been written
    here (a version moved or copied with its `pilot-runs` folder beside it).
    """
    config = folder / PILOT_CONFIG
    if not config.is_file():
        return None
    try:
        settings = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        settings = {}
    places = [Path(str(settings["output_dir"]))] if isinstance(settings, dict) and settings.get("output_dir") else []
    for place in [*places, folder.parent / RUNS_FOLDER / folder.name]:
        try:
            metrics = json.loads((place / RESULTS).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError):
            continue
        if isinstance(metrics, dict):
            return {k: v for k, v in metrics.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
    return {}
