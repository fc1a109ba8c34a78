"""A version folder as a tracker run: the params and metrics to compare versions by, read from manifest.json.

Kept apart from any tracker library, so every tracker logs the same names:

    params   name, version_id, overrides, every config group's option (source, cleaning, llm, prompt, ...),
             llm.model, split.*, seed, pilot.size, tasks, and each command-line override's key
    metrics  stage.<stage>.rows_in / added / kept / rejected, rejects.<stage>.<rule>, rejects.total,
             rows.<split>, rows.total, llm.<task>.calls / sent / cached / failed / cost_usd / prompt_tokens /
             completion_tokens, llm.cost_usd, llm.calls_sent, llm.tokens, judge_score_mean
"""

from __future__ import annotations

import re
from pathlib import Path

from ..sweep import version_row

PARAM_CHARS = 6000  # MLflow's limit on a param value
STAGE_COUNTS = ("rows_in", "added", "kept", "rejected")
LLM_COUNTS = ("calls", "sent", "cached", "failed", "cost_usd", "prompt_tokens", "completion_tokens")
GROUPS = ("source", "cleaning", "split", "format", "llm", "prompt", "augment", "experiment")
_UNSAFE = re.compile(r"[^\w./ -]")


def run_params(manifest: dict) -> dict[str, str]:
    """What the version was built from, as flat string params."""
    config = manifest.get("config") or {}
    split = config.get("split") or {}
    params = {
        "name": manifest["name"],
        "version_id": manifest["version_id"],
        "overrides": " ".join(manifest.get("overrides") or []),
        **_options(config, manifest.get("choices") or {}),
        **{str(group): str(option) for group, option in (manifest.get("choices") or {}).items()},
        "llm.model": str((config.get("llm") or {}).get("model")),
        "split.ratios": str(split.get("ratios")),
        "split.seed": str(split.get("seed")),
        "split.stratify_by": str(split.get("stratify_by")),
        "split.group_by": str(split.get("group_by")),
        "seed": str(config.get("seed")),
        "pilot.size": str((config.get("pilot") or {}).get("size") or 0),
        "tasks": ",".join(str(t) for t, node in (config.get("tasks") or {}).items() if node is not None),
    }
    for item in manifest.get("overrides") or []:
        key, sep, value = item.lstrip("+~").partition("=")
        if sep:
            params.setdefault(key, value)
    return {_safe(key): value[:PARAM_CHARS] for key, value in params.items()}


def run_metrics(version: Path, manifest: dict) -> dict[str, float]:
    """What the build did and produced, as flat numeric metrics."""
    metrics: dict[str, float] = {}
    for stage in manifest.get("stages") or []:
        for count in STAGE_COUNTS:
            metrics[f"stage.{stage['stage']}.{count}"] = stage.get(count, 0)
        for rule, rows in (stage.get("by_rule") or {}).items():
            metrics[f"rejects.{stage['stage']}.{rule}"] = rows
    summary = version_row(version)
    metrics["rejects.total"] = summary["rejected"]
    for split, rows in summary["rows"].items():
        metrics[f"rows.{split}"] = rows
    metrics["rows.total"] = sum(rows for split, rows in summary["rows"].items() if split != "pilot")
    llm = manifest.get("llm") or {}
    for task, report in llm.items():
        for count in LLM_COUNTS:
            metrics[f"llm.{task}.{count}"] = report.get(count, 0)
    if llm:
        metrics["llm.cost_usd"] = summary["cost_usd"]
        metrics["llm.calls_sent"] = summary["llm_calls_sent"]
        metrics["llm.tokens"] = sum(r.get("prompt_tokens", 0) + r.get("completion_tokens", 0) for r in llm.values())
    if summary["judge_score_mean"] is not None:
        metrics["judge_score_mean"] = summary["judge_score_mean"]
    return {_safe(key): float(value) for key, value in metrics.items()}


def _options(config: dict, choices: dict) -> dict[str, str]:
    """Each group's option name (Hydra's choice), else the last part of the class it builds."""
    options = {}
    for group in GROUPS:
        node = config.get(group)
        if group in choices:
            options[group] = str(choices[group])
        elif isinstance(node, dict) and node.get("_target_"):
            options[group] = str(node["_target_"]).rsplit(".", 1)[-1]
    return options


def _safe(key: str) -> str:
    """A name trackers accept (letters, digits, _ - . / and spaces)."""
    return _UNSAFE.sub("_", key)
