"""Benchmark: the `tokens` stage (every exported row counted with the target tokenizer) on 100,000 rows.

    python bench/tokens.py                 # 100,000 rows; appends a section to bench/RESULTS.md
    python bench/tokens.py --rows 20000    # a quicker look, nothing written

The rows are the bundled example's questions, reasoning and answers (those a cleaning would keep) drawn at
random and numbered (~1,650 characters per row, Chinese and English: a question, six reasoning paragraphs,
two answers), exported as cot_sft (assistant turn = <think> CoT + response).
The tokenizer is a byte-level BPE with a 16,000-token vocabulary trained here on the same text (nothing is
downloaded), with a ChatML chat template. dsbuild's side is the real stage (`measure_tokens`: each row's
conversation from the exporter, the chat template rendered, one batch encode per batch, the counts, the
writers). The baseline, run in the same process on the same rows, is the loop a user writes by hand:
render each conversation and encode it alone (`Tokenizer.encode`, one call per row). The floor is the
tokenizer alone: one `encode_batch_fast` over texts rendered beforehand (what no stage can beat).

Target (issue "Exports that train as intended"): counting 100k rows takes seconds, not minutes.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import pyarrow as pa

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
VOCAB = 16_000
MAX_PART_CHARS = 1_000  # the example's absurdly long rows (a cleaning rule drops them) stay out


def rows(count: int, seed: int = 0) -> pa.Table:
    """`count` rows of question / cot / response stitched from the example's texts."""
    from dsbuild.config import EXAMPLES_DIR

    found = [json.loads(line) for line in (EXAMPLES_DIR / "doctor_qa.jsonl").read_text(encoding="utf-8").splitlines()]
    texts = {ours: [str(r[theirs]) for r in found if isinstance(r.get(theirs), str)
                    and 0 < len(r[theirs].strip()) <= MAX_PART_CHARS]
             for ours, theirs in (("question", "question"), ("cot", "reasoning"), ("response", "answer"))}
    rng = random.Random(seed)
    columns = {"id": [f"r{i}" for i in range(count)]}
    for name, parts in texts.items():
        repeat = {"question": 1, "cot": 6, "response": 2}[name]
        columns[name] = [f"{i}. " + " ".join(rng.choice(parts) for _ in range(repeat)) for i in range(count)]
    return pa.table(columns)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()

    from tiny_models import example_texts, tiny_tokenizer

    from dsbuild.execute.spill import WorkFolder
    from dsbuild.export.formats import CotSft
    from dsbuild.export.token_lengths import measure_tokens
    from dsbuild.export.tokens import TokenCounter

    table = rows(args.rows)
    chars = sum(len(s) for f in ("question", "cot", "response") for s in table.column(f).to_pylist()) / args.rows
    exporter = CotSft()
    with tempfile.TemporaryDirectory() as tmp:
        folder = tiny_tokenizer(Path(tmp) / "tokenizer", example_texts() * 20, vocab_size=VOCAB)
        counter = TokenCounter(str(folder))
        work = WorkFolder(Path(tmp) / "work")
        (Path(tmp) / "work").mkdir()

        start = time.perf_counter()
        _, _, report, lengths = measure_tokens({"train": table}, exporter, counter, 2048, "keep", work)
        stage = time.perf_counter() - start
        counted = lengths.lengths["train"]

        start = time.perf_counter()
        baseline = [len(counter.tokenizer.encode(counter.render(exporter.messages(row)), add_special_tokens=False).ids)
                    for row in table.to_pylist()]
        loop = time.perf_counter() - start

        start = time.perf_counter()
        texts = [counter.render(exporter.messages(row)) for row in table.to_pylist()]
        render = time.perf_counter() - start

        start = time.perf_counter()
        counter.tokenizer.encode_batch_fast(texts, add_special_tokens=False)
        bare = time.perf_counter() - start
    assert report.kept == args.rows and counted.tolist() == baseline, "the stage and the loop must agree"
    summary = lengths.summary()["splits"]["train"]
    lines = ["| what | rows | seconds | rows/s | vs per-row loop |", "|---|---:|---:|---:|---:|",
             f"| per-row loop (render + `encode`, one call per row) | {args.rows:,} | {loop:.1f} | "
             f"{args.rows / loop:,.0f} | 1.00x |",
             f"| dsbuild `tokens` stage (render + `encode_batch_fast` per batch) | {args.rows:,} | {stage:.1f} | "
             f"{args.rows / stage:,.0f} | {loop / stage:.2f}x faster |",
             f"| floor: bare `encode_batch_fast` on texts rendered beforehand | {args.rows:,} | {bare:.1f} | "
             f"{args.rows / bare:,.0f} | {loop / bare:.2f}x faster |"]
    note = (f"Rows average {chars:,.0f} characters, p50 {summary['p50']:,} / p99 {summary['p99']:,} tokens. "
            f"Rendering the chat template (Jinja, one call per row) takes {render:.1f} s of either side; the rest "
            "is the tokenizer.")
    print("\n".join(lines) + "\n\n" + note)
    if args.rows != 100_000:
        return 0
    import tokenizers
    from pipeline import machine  # bench/ is on the path when this file runs

    with open(HERE / "RESULTS.md", "a", encoding="utf-8") as fh:
        fh.write(f"\n## tokens: {date.today().isoformat()}\n\nMachine: {machine()}; tokenizers "
                 f"{tokenizers.__version__}. Command: `python bench/tokens.py` (byte-level BPE, {VOCAB:,} tokens, "
                 "ChatML template, format=cot_sft rows; target: seconds, not minutes).\n\n"
                 + "\n".join(lines) + "\n\n" + note + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
