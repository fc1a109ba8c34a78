"""Benchmark: the no-LLM pipeline on generated rows, at two sizes, with peak memory.

    python bench/pipeline.py                 # 100k and 1M rows; appends to bench/RESULTS.md
    python bench/pipeline.py --sizes 20000   # a quick look, nothing written

Each size runs `dsbuild`'s real build (load jsonl -> NFKC/whitespace normalize -> missing values ->
length bounds -> exact dedup -> split -> validate -> export jsonl + card + manifest) in its own
subprocess, so the peak RSS is that build's alone. The rows are ~200 characters (an English or
Chinese question and answer) with 2% planted exact duplicates, 1% cosmetic near-copies (case,
spacing, full-width punctuation) and 0.5% rows the length bounds drop.

Targets (issue: end-to-end offline build): >= 50,000 rows/s end to end at 1M rows, peak RSS < 1.5 GB,
and cost per row at 1M within 1.2x of the cost per row at 100k (the baseline, same command).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"
WORDS_EN = ("patient fever cough headache blood pressure dose daily rest water pain chest sleep doctor "
            "clinic test result normal high low week month child adult rash skin heart stomach").split()
WORDS_ZH = list("发烧咳嗽头痛血压剂量每天休息喝水疼痛胸口睡眠医生门诊检查结果正常偏高偏低孩子成人皮疹心脏胃")


def generate(path: Path, n: int, seed: int = 0) -> None:
    """Write n JSON lines of question/response pairs with planted duplicates and bad lengths."""
    rng = random.Random(seed)
    written: list[tuple[str, str]] = []
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n):
            roll = rng.random()
            if written and roll < 0.02:
                q, r = rng.choice(written)
            elif written and roll < 0.03:
                q, r = rng.choice(written)
                q = q.upper() if q.isascii() else q.replace("？", "?")
                r = r.replace(" ", "  ") + " "
            elif roll < 0.035:
                q, r = "?", "ok"
            elif rng.random() < 0.5:
                q = " ".join(rng.choices(WORDS_EN, k=12)) + f" {i}?"
                r = " ".join(rng.choices(WORDS_EN, k=20)) + "."
            else:
                q = "".join(rng.choices(WORDS_ZH, k=30)) + f"{i}？"
                r = "".join(rng.choices(WORDS_ZH, k=50)) + "，请及时就医。"
            if len(written) < 10_000:
                written.append((q, r))
            fh.write(json.dumps({"question": q, "response": r}, ensure_ascii=False) + "\n")


def run_one(data: Path, out: Path) -> dict:
    """Build once in this process (called in a subprocess) and return the timings."""
    from hydra import compose, initialize_config_dir

    from dsbuild.build import build
    from dsbuild.config import CONF_DIR

    overrides = [
        "source=files", f"source.path={data}", "name=bench", "format=jsonl", f"output_dir={out}",
        "cleaning.rules.strip_html=null", "cleaning.rules.blocklist=null", "cleaning.rules.length_outliers=null",
    ]
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose(config_name="config", overrides=overrides)
    start = time.perf_counter()
    result = build(cfg, show_progress=False)
    seconds = time.perf_counter() - start
    rows = result.stages[0]["rows_in"]
    return {
        "rows": rows, "seconds": seconds, "rows_per_s": rows / seconds,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "kept": sum(v["rows"] for v in result.splits.values()),
        "rejected": {r: n for s in result.stages for r, n in s["by_rule"].items()},
        "stage_seconds": {s["stage"]: s["seconds"] for s in result.stages},
    }


def measure(n: int, workdir: Path) -> dict:
    data = workdir / f"rows_{n}.jsonl"
    if not data.exists():
        generate(data, n)
    proc = subprocess.run(
        [sys.executable, __file__, "--child", str(data), str(workdir / f"out_{n}_{time.time_ns()}")],
        capture_output=True, text=True, check=True,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo", encoding="utf-8"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB, Python {platform.python_version()}"


def report(results: list[dict]) -> str:
    import pyarrow

    from dsbuild import __version__

    base = results[0]
    lines = [f"## pipeline: {date.today().isoformat()}", "",
             f"Machine: {machine()}; dsbuild {__version__}, pyarrow {pyarrow.__version__}.",
             "Command: `python bench/pipeline.py` (each size in its own subprocess; baseline = the smallest size).",
             "", "| rows | seconds | rows/s | peak RSS (MB) | cost/row vs baseline | kept | rejected by rule |",
             "|---:|---:|---:|---:|---:|---:|---|"]
    for r in results:
        ratio = (r["seconds"] / r["rows"]) / (base["seconds"] / base["rows"])
        rules = ", ".join(f"{k} {v}" for k, v in r["rejected"].items())
        lines.append(f"| {r['rows']:,} | {r['seconds']:.1f} | {r['rows_per_s']:,.0f} | {r['peak_rss_mb']:,.0f} "
                     f"| {ratio:.2f}x | {r['kept']:,} | {rules} |")
    last = results[-1]
    stages = dict(last["stage_seconds"])
    stages["write (files, card, manifest)"] = last["seconds"] - sum(stages.values())
    lines += ["", f"Where the time goes at {last['rows']:,} rows: "
              + ", ".join(f"{name} {sec:.1f} s" for name, sec in stages.items()) + "."]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--child", nargs=2, metavar=("DATA", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_one(Path(args.child[0]), Path(args.child[1]))))
        return
    with tempfile.TemporaryDirectory(prefix="dsbuild-bench-") as tmp:
        results = [measure(n, Path(tmp)) for n in args.sizes]
    text = report(results)
    print(text)
    if args.sizes == parser.get_default("sizes"):
        with open(RESULTS, "a", encoding="utf-8") as fh:
            fh.write("\n" + text)
        print(f"appended to {RESULTS}")


if __name__ == "__main__":
    main()
