"""Sweep summaries: one row per multirun job (swept values, version, rows, rejects, cost, judge scores).

`SweepSummary` is a Hydra callback (registered in conf/config.yaml). Each job writes
`dsbuild_job.json` into its own output folder when it ends, in whatever process the launcher ran it
(the basic launcher, joblib, submitit or Ray); when the multirun ends, the launching process reads
those files from the sweep folder and writes `sweep_summary.json` and `sweep_summary.md` beside them.
A job that stopped on a user mistake gets a row with its error instead of numbers (the other jobs
still run, and `dsbuild` exits 2 at the end), so a sweep never hides a failure.
"""

from __future__ import annotations

import json
from pathlib import Path
from statistics import mean

from hydra.core.utils import JobReturn, JobStatus
from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from .overrides import unescape_overrides
from .secrets import redact_overrides
from .split_order import split_rank

JOB_FILE = "dsbuild_job.json"
SUMMARY_JSON = "sweep_summary.json"
SUMMARY_MD = "sweep_summary.md"


class SweepSummary(Callback):
    """Hydra callback: a summary row per job, then the whole sweep's table."""

    def on_job_end(self, config: DictConfig, job_return: JobReturn, **kwargs) -> None:
        from hydra.core.hydra_config import HydraConfig

        hydra_cfg = HydraConfig.get()
        if hydra_cfg.mode is None or hydra_cfg.mode.name != "MULTIRUN":
            return
        overrides = redact_overrides(unescape_overrides(list(hydra_cfg.overrides.task)))
        unnamed = set(hydra_cfg.job.config.override_dirname.exclude_keys)
        swept = [o for o in overrides if o.lstrip("+~").split("=", 1)[0] not in unnamed]
        row = {"job": hydra_cfg.job.num, "swept": swept, "overrides": overrides}
        value = job_return._return_value  # not .return_value: that re-raises a failed job's exception here
        if job_return.status == JobStatus.COMPLETED and isinstance(value, str):
            row.update(version_row(Path(value)))
        else:  # a user mistake ({"error": ...}, the job printed it) or a bug (the exception)
            row["error"] = _first_line(str(value["error"] if isinstance(value, dict) else value))
        folder = Path(hydra_cfg.runtime.output_dir)
        (folder / JOB_FILE).write_text(json.dumps(row, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    def on_multirun_end(self, config: DictConfig, **kwargs) -> None:
        sweep_dir = Path(config.hydra.sweep.dir)
        rows = collect(sweep_dir)
        if rows:
            write_summary(sweep_dir, rows)
        _failed[:] = [row for row in rows if "error" in row]


_failed: list[dict] = []  # the last sweep's failed jobs, for the command's exit code


def failed_jobs() -> int:
    """How many jobs of the sweep that just ended in this process failed."""
    return len(_failed)


def collect(sweep_dir: Path) -> list[dict]:
    """Every job's row under `sweep_dir`, in job order."""
    rows = [json.loads(p.read_text(encoding="utf-8")) for p in sweep_dir.glob(f"*/{JOB_FILE}")]
    return sorted(rows, key=lambda r: r.get("job", 0))


def version_row(path: Path) -> dict:
    """What the summary shows of one built version, read from its manifest and split files."""
    manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    llm = manifest.get("llm") or {}
    return {
        "version_id": manifest["version_id"],
        "path": str(path),
        "rows": {name: info["rows"] for name, info in manifest["splits"].items()},
        "rejected": (manifest.get("rejects") or {}).get("rows", 0),
        "rejected_by_stage": {s["stage"]: s["rejected"] for s in manifest["stages"] if s["rejected"]},
        "cost_usd": round(sum(task.get("cost_usd", 0.0) for task in llm.values()), 6),
        "llm_calls_sent": sum(task.get("sent", 0) for task in llm.values()),
        "judge_score_mean": _judge_mean(path, manifest),
    }


def write_summary(sweep_dir: Path, rows: list[dict]) -> None:
    """sweep_summary.json (the rows) and sweep_summary.md (a table) in `sweep_dir`."""
    (sweep_dir / SUMMARY_JSON).write_text(json.dumps(rows, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (sweep_dir / SUMMARY_MD).write_text(markdown_table(rows), encoding="utf-8")


def markdown_table(rows: list[dict]) -> str:
    splits = sorted({name for row in rows for name in row.get("rows", {})}, key=split_rank)
    head = ["job", "swept", "version", *splits, "rejected", "cost (USD)", "judge mean"]
    lines = ["# Sweep summary", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        overrides = " ".join(row["swept"]) or "(defaults)"
        if "error" in row:
            cells = [str(row["job"]), overrides, f"failed: {row['error']}", *[""] * (len(head) - 3)]
        else:
            judge = row["judge_score_mean"]
            cells = [str(row["job"]), overrides, row["version_id"], *(str(row["rows"].get(s, 0)) for s in splits),
                     str(row["rejected"]), f"{row['cost_usd']:.4f}", "-" if judge is None else f"{judge:.2f}"]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def _judge_mean(path: Path, manifest: dict) -> float | None:
    """Mean `judge_score` over the kept rows of every split but the pilot (None without a judge)."""
    import pyarrow.json as paj
    import pyarrow.parquet as pq

    scores = []
    for name, info in manifest["splits"].items():
        if name == "pilot" or not info.get("file"):
            continue
        source = path / (info.get("lineage") or info["file"])
        if source.suffix not in (".jsonl", ".parquet"):
            continue
        table = pq.read_table(source) if source.suffix == ".parquet" else paj.read_json(source)
        if "judge_score" in table.column_names:
            scores += [s for s in table.column("judge_score").to_pylist() if s is not None]
    return round(mean(scores), 4) if scores else None


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else text
