"""Benchmark: the no-LLM pipeline at scale (up to 10M rows), time and peak memory per stage, memory guarded.

    python bench/scale.py                    # 100k (baseline), 1M and 10M rows; appends to bench/RESULTS.md
    python bench/scale.py --quick            # 20k and 200k rows, nothing written
    python bench/scale.py --sizes 100000 3000000 --max-rss-gb 8

The rows are bench/pipeline.py's (an English or Chinese question and answer of ~200 characters, 2% planted
exact copies, 1% cosmetic near-copies, 0.5% rows the length bounds drop), made with Arrow compute in
250,000-row chunks streamed to disk, so 10M rows take seconds and never sit in memory. Each size runs the
same build as bench/pipeline.py (`pipeline.run_one`) in its own subprocess. The parent polls the child's
VmRSS and kills it above --max-rss-gb (or when the machine has less than --min-free-gb available), so a
build that does not fit is reported as "killed at N GB" instead of taking the machine down.

Peak RSS is the child's own (`os.wait4`); per-stage seconds are the manifest's `stages[*].seconds`, the
write time runs from the end of validate to the end of the write, and "other" is the rest of the build
(config, the input file's sha256, publishing). Per-stage peak RSS comes from the 0.1 s polls, split at the
build's stage ends. GB here is 2**30 bytes.

Targets (issue: scale-out): peak RSS <= 4 GB at 10M rows, and cost per row at 10M within 1.3x of the cost
per row at 100k (the baseline, same command). Throughput is reported.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pipeline import RESULTS, WORDS_EN, WORDS_ZH, machine

GB = 2**30
CHUNK = 250_000
POOL = 10_000  # copies and near-copies repeat one of the first POOL rows, as in pipeline.generate
STAGES = ("load", "clean", "split", "validate", "write")
DEFAULT_SIZES = [100_000, 1_000_000, 10_000_000]
QUICK_SIZES = [20_000, 200_000]
POLL_S = 0.1


def generate(path: Path, n: int, seed: int = 0) -> None:
    """Write n JSON lines with pipeline.generate's mix of rows, vectorized and streamed chunk by chunk."""
    rng = np.random.default_rng(seed)
    pool: tuple[pa.Array, pa.Array] | None = None
    with open(path, "wb") as fh:
        for start in [0, *range(POOL, n, CHUNK)]:  # the pool first, on its own
            questions, responses = _chunk(rng, start, min(CHUNK if pool else POOL, n - start), pool)
            pool = pool or (questions, responses)
            lines = pc.binary_join_element_wise(
                '{"question": "', questions, '", "response": "', responses, '"}\n', ""
            )  # the words need no JSON escaping, so this is json.dumps(..., ensure_ascii=False) per row
            fh.write(_utf8_bytes(lines))


def _chunk(rng: np.random.Generator, start: int, n: int, pool) -> tuple[pa.Array, pa.Array]:
    """Questions and responses of rows start..start+n: fresh en/zh pairs, copies, near-copies, too-short rows."""
    roll = rng.random(n)
    numbered = np.arange(start, start + n)
    copy = (roll < 0.02) & (pool is not None)
    near = (roll >= 0.02) & (roll < 0.03) & (pool is not None)
    short = (roll >= 0.03) & (roll < 0.035)
    english = rng.random(n) < 0.5
    fresh_en = ~copy & ~near & ~short & english
    fresh_zh = ~copy & ~near & ~short & ~english

    def number(mask):
        return pc.cast(pa.array(numbered[mask]), pa.string())

    en, zh = pa.array(WORDS_EN), pa.array(WORDS_ZH)
    n_en, n_zh = int(fresh_en.sum()), int(fresh_zh.sum())
    parts = [
        (fresh_en, pc.binary_join_element_wise(_words(rng, en, n_en, 12, " "), " ", number(fresh_en), "?", ""),
         pc.binary_join_element_wise(_words(rng, en, n_en, 20, " "), ".", "")),
        (fresh_zh, pc.binary_join_element_wise(_words(rng, zh, n_zh, 30, ""), number(fresh_zh), "？", ""),
         pc.binary_join_element_wise(_words(rng, zh, n_zh, 50, ""), "，请及时就医。", "")),
        (short, pa.repeat(pa.scalar("?"), int(short.sum())), pa.repeat(pa.scalar("ok"), int(short.sum()))),
    ]
    if pool is not None:  # copies and near-copies of the first POOL rows
        pick = pa.array(rng.integers(0, POOL, int(copy.sum())))
        parts.append((copy, pool[0].take(pick), pool[1].take(pick)))
        pick = pa.array(rng.integers(0, POOL, int(near.sum())))
        q, r = pool[0].take(pick), pool[1].take(pick)
        q = pc.if_else(pc.string_is_ascii(q), pc.utf8_upper(q), pc.replace_substring(q, "？", "?"))
        r = pc.binary_join_element_wise(pc.replace_substring(r, " ", "  "), " ", "")
        parts.append((near, q, r))
    order = np.argsort(np.concatenate([np.flatnonzero(mask) for mask, _, _ in parts]), kind="stable")
    back = pa.array(order)
    return (pa.concat_arrays([q for _, q, _ in parts]).take(back),
            pa.concat_arrays([r for _, _, r in parts]).take(back))


def _words(rng: np.random.Generator, vocab: pa.Array, rows: int, k: int, sep: str) -> pa.Array:
    """rows strings of k words drawn uniformly from vocab, joined by sep."""
    picked = vocab.take(pa.array(rng.integers(0, len(vocab), rows * k)))
    offsets = pa.array(np.arange(0, rows * k + 1, k, dtype=np.int32))
    return pc.binary_join(pa.ListArray.from_arrays(offsets, picked), sep)


def _utf8_bytes(strings: pa.Array) -> memoryview:
    """The concatenated UTF-8 bytes of a string array without nulls (its data buffer between first and last offset)."""
    _, offsets_buf, data = strings.buffers()
    offsets = np.frombuffer(offsets_buf, dtype=np.int32)[strings.offset: strings.offset + len(strings) + 1]
    return memoryview(data)[int(offsets[0]): int(offsets[-1])]


def child(data: Path, out: Path, marks: Path) -> None:
    """Run pipeline.run_one here, logging each stage end (monotonic time, label) to `marks` as it happens."""
    from pipeline import run_one

    import dsbuild.build

    with open(marks, "a", encoding="utf-8", buffering=1) as log:

        def mark(label: str, step: int = 1) -> None:
            log.write(f"{time.monotonic()}\t{label}\n")

        # the build's progress hook (silent in run_one) is where it announces stage ends; borrow it
        if not callable(getattr(dsbuild.build, "_progress", None)):
            raise SystemExit("dsbuild.build._progress is gone; bench/scale.py needs another stage hook")
        dsbuild.build._progress = lambda enabled, total: _Hook(mark)
        print(json.dumps(run_one(data, out)))


class _Hook:
    """A context manager that yields the mark function, standing in for the build's progress bar."""

    def __init__(self, mark):
        self.mark = mark

    def __enter__(self):
        return self.mark

    def __exit__(self, *exc):
        return False


def measure(n: int, workdir: Path, max_rss: float, min_free: float, expected: list[str]) -> dict:
    """Generate n rows, build them in a guarded subprocess, and return time and memory (total and per stage).

    `expected` is the stage marks of a build that finished (to name the stage a killed build was in).
    """
    data, out, marks = workdir / f"rows_{n}.jsonl", workdir / f"out_{n}", workdir / f"marks_{n}.tsv"
    start = time.perf_counter()
    generate(data, n)
    result = {"rows": n, "generate_s": time.perf_counter() - start, "input_bytes": data.stat().st_size}
    stdout, stderr = workdir / f"child_{n}.out", workdir / f"child_{n}.err"
    with open(stdout, "w") as so, open(stderr, "w") as se:
        proc = subprocess.Popen([sys.executable, __file__, "--child", str(data), str(out), str(marks)],
                                stdout=so, stderr=se)
        started = time.monotonic()
        samples, killed, rusage, status = _watch(proc, max_rss, min_free)
    result.update(killed=killed, peak_rss_gb=rusage.ru_maxrss * 1024 / GB, child_wall_s=time.monotonic() - started)
    stage_marks = _read_marks(marks)
    result["marks"] = [label for _, label in stage_marks]
    result["stage_peak_gb"], result["step_peak_gb"] = _peaks(samples, stage_marks, expected)
    if killed is None:
        if status != 0:
            raise SystemExit(f"the {n:,}-row build failed:\n{stderr.read_text()[-3000:]}")
        built = json.loads(stdout.read_text().strip().splitlines()[-1])
        manifest = json.loads(next(out.rglob("manifest.json")).read_text(encoding="utf-8"))
        seconds = {s["stage"]: s["seconds"] for s in manifest["stages"]}
        at = dict((label, t) for t, label in stage_marks)
        seconds["write"] = at["write"] - at["validate"]
        seconds["other"] = built["seconds"] - sum(seconds.values())
        result.update(seconds=built["seconds"], rows_per_s=built["rows_per_s"], stage_seconds=seconds,
                      kept=built["kept"], rejected=built["rejected"])
    data.unlink()
    shutil.rmtree(out, ignore_errors=True)
    return result


def _watch(proc: subprocess.Popen, max_rss: float, min_free: float):
    """Poll the child's VmRSS until it exits; kill it above max_rss GB or when the machine runs low.

    Returns (samples of (monotonic time, RSS GB), why it was killed or None, its rusage, its exit code).
    """
    samples: list[tuple[float, float]] = []
    killed = None
    while True:
        pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        rss, free = _status_gb(proc.pid, "VmRSS"), _meminfo_gb("MemAvailable")
        samples.append((time.monotonic(), rss))
        if killed is None and (rss > max_rss or free < min_free):
            killed = f"killed at {rss:.1f} GB" + ("" if rss > max_rss else f" ({free:.1f} GB left on the machine)")
            os.kill(proc.pid, signal.SIGKILL)
        time.sleep(POLL_S)
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, so Popen must not wait again
    return samples, killed, rusage, proc.returncode


def _status_gb(pid: int, key: str) -> float:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) * 1024 / GB
    except OSError:  # exited between the wait and the read
        pass
    return 0.0


def _meminfo_gb(key: str) -> float:
    with open("/proc/meminfo", encoding="ascii") as fh:
        for line in fh:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024 / GB
    return float("inf")


def _read_marks(marks: Path) -> list[tuple[float, str]]:
    if not marks.exists():
        return []
    rows = [line.split("\t") for line in marks.read_text(encoding="utf-8").splitlines() if line]
    return [(float(t), label) for t, label in rows]


def _peaks(samples, marks, expected: list[str]) -> tuple[dict[str, float], dict[str, float]]:
    """Peak polled RSS per stage and per step, a step being the interval that ends at one of the build's marks.

    The first interval (start-up, config, input hash, load) counts as load. Steps that end within one poll
    of each other (row-wise cleaning steps run together, batch by batch) are named together, "a+b".
    Whatever follows the last mark is the write's end or, after a kill, the stage that was running: the
    next one in `expected` (the marks of a build that finished), else a guess from the last mark.
    """
    ends = [t for t, _ in marks]
    labels = [label for _, label in marks]
    stage_of = dict.fromkeys(labels + expected, "clean") | {s: s for s in STAGES}
    if len(expected) > len(labels) and expected[: len(labels)] == labels:
        tail = stage_of[expected[len(labels)]]
    else:
        after = {"load": "clean", "split": "validate", "validate": "write", "write": "write"}
        tail = after.get(labels[-1], "clean or split") if labels else "load"
    by_interval: dict[int, float] = {}
    for t, rss in samples:
        i = int(np.searchsorted(ends, t))
        by_interval[i] = max(by_interval.get(i, 0.0), rss)
    steps: list[list] = []  # [name, peak GB]
    stages: dict[str, float] = {}
    for i in range(len(labels) + 1):
        name = labels[i] if i < len(labels) else f"after {labels[-1]}" if labels else "start-up and load"
        if i not in by_interval:  # no poll fell here: its work ran with the step before (a batch of steps)
            if steps:
                steps[-1][0] += f"+{name}"
            continue
        steps.append([name, by_interval[i]])
        stage = stage_of[labels[i]] if i < len(labels) else tail
        stages[stage] = max(stages.get(stage, 0.0), by_interval[i])
    return stages, dict(steps)


def table(results: list[dict]) -> list[str]:
    """The markdown table: one row per size, killed runs named as such."""
    base = results[0]
    base_cost = base["seconds"] / base["rows"] if base["killed"] is None else None
    lines = ["| rows | seconds | rows/s | peak RSS (GB) | cost/row vs baseline | "
             + " | ".join(f"{s} s" for s in (*STAGES, "other")) + " |",
             "|---:" * (5 + len(STAGES) + 1) + "|"]
    for r in results:
        if r["killed"] is not None:
            cells = ["—", "—", r["killed"], "—"] + ["—"] * (len(STAGES) + 1)
        else:
            ratio = f"{(r['seconds'] / r['rows']) / base_cost:.2f}x" if base_cost else "—"
            cells = [f"{r['seconds']:.1f}", f"{r['rows_per_s']:,.0f}", f"{r['peak_rss_gb']:.2f}", ratio]
            cells += [f"{r['stage_seconds'].get(s, 0.0):.1f}" for s in (*STAGES, "other")]
        lines.append(f"| {r['rows']:,} | " + " | ".join(cells) + " |")
    return lines


def targets(results: list[dict]) -> str:
    """PASS/FAIL of the issue's two targets, at the largest size against the smallest."""
    base, last = results[0], results[-1]
    ok_rss = last["killed"] is None and last["peak_rss_gb"] <= 4
    rss = last["killed"] or f"{last['peak_rss_gb']:.2f} GB"
    if last["killed"] is None and base["killed"] is None:
        ratio = (last["seconds"] / last["rows"]) / (base["seconds"] / base["rows"])
        cost, ok_cost = f"{ratio:.2f}x", ratio <= 1.3
    else:
        cost, ok_cost = "not measured (killed)", False
    return (f"Targets at {last['rows']:,} rows: peak RSS <= 4 GB: {rss}, **{'PASS' if ok_rss else 'FAIL'}**; "
            f"cost/row <= 1.3x the {base['rows']:,}-row baseline: {cost}, **{'PASS' if ok_cost else 'FAIL'}**.")


def dominant(results: list[dict]) -> str:
    """One sentence, from the numbers: which stage holds the most memory and takes the most time at the largest size."""
    last = results[-1]
    mem_stage = max(last["stage_peak_gb"], key=last["stage_peak_gb"].get, default=None)
    steps = ", ".join(f"{k} {v:.1f}" for k, v in last["step_peak_gb"].items())
    if last["killed"] is not None:
        done = [r for r in results if r["killed"] is None]
        timed = (f"; at {done[-1]['rows']:,} rows (the largest that finished) the most time went to "
                 f"{_slowest(done[-1])}") if done else ""
        return (f"At {last['rows']:,} rows the build was {last['killed']} in {mem_stage} after "
                f"{last['child_wall_s']:.0f} s (polled RSS peak in GB by step, each step ending at the build's "
                f"stage marks: {steps}){timed}.")
    return (f"At {last['rows']:,} rows memory peaks in {mem_stage} ({last['stage_peak_gb'][mem_stage]:.1f} GB polled; "
            f"by step in GB: {steps}) and the most time goes to {_slowest(last)}.")


def _slowest(r: dict) -> str:
    name = max(r["stage_seconds"], key=r["stage_seconds"].get)
    return f"{name} ({r['stage_seconds'][name]:.1f} s of {r['seconds']:.1f} s)"


def report(results: list[dict], command: str, max_rss: float, load: float) -> str:
    """The RESULTS.md section: machine, command, table, targets, where memory and time go, generation time."""
    import pyarrow

    from dsbuild import __version__

    big = results[-1]
    lines = [f"## scale: {date.today().isoformat()}", "",
             f"Machine: {machine()}; dsbuild {__version__}, pyarrow {pyarrow.__version__}. "
             f"The cores are shared with other work (1-minute load average {load:.1f} at the start).",
             f"Command: `{command}` (each size in its own subprocess, killed above {max_rss:g} GB RSS; "
             f"baseline = the smallest size).", "", *table(results), "", targets(results), "",
             dominant(results), "",
             f"Generating the {big['rows']:,} rows ({big['input_bytes'] / GB:.2f} GB of JSON lines) took "
             f"{big['generate_s']:.1f} s, streamed in {CHUNK:,}-row chunks."]
    if big["killed"] is None:
        rules = ", ".join(f"{k} {v:,}" for k, v in big["rejected"].items())
        lines[-1] += f" The build kept {big['kept']:,} of them (rejected by rule: {rules})."
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=DEFAULT_SIZES)
    parser.add_argument("--quick", action="store_true", help="20k and 200k rows, nothing written")
    parser.add_argument("--max-rss-gb", type=float, default=20.0, help="kill a build whose RSS passes this")
    parser.add_argument("--min-free-gb", type=float, default=1.0,
                        help="kill a build when the machine has less than this available")
    parser.add_argument("--child", nargs=3, metavar=("DATA", "OUT", "MARKS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*map(Path, args.child))
        return
    sizes = QUICK_SIZES if args.quick else args.sizes
    command = "python bench/scale.py" + " ".join(["", *sys.argv[1:]])
    load = os.getloadavg()[0]  # the cores are shared: say how busy the machine was before the run
    with tempfile.TemporaryDirectory(prefix="dsbuild-scale-") as tmp:
        results: list[dict] = []
        for n in sizes:
            expected = next((r["marks"] for r in reversed(results) if r["killed"] is None), [])
            results.append(measure(n, Path(tmp), args.max_rss_gb, args.min_free_gb, expected))
            r = results[-1]
            print(f"{n:,} rows: generated in {r['generate_s']:.1f} s; "
                  + (r["killed"] or f"built in {r['seconds']:.1f} s, peak {r['peak_rss_gb']:.2f} GB"), flush=True)
    text = report(results, command, args.max_rss_gb, load)
    print(text)
    if not args.quick and sizes == DEFAULT_SIZES:
        with open(RESULTS, "a", encoding="utf-8") as fh:
            fh.write("\n" + text)
        print(f"appended to {RESULTS}")


if __name__ == "__main__":
    main()
