"""The card's "LLM calls" section: per task, the calls the version's rows came from, the answers and what
they cost when they were bought, the failures by reason, and the distribution of a judge's scores.

Only what the version holds is shown (a rebuild replays the same answers and writes the same card);
what one run sent or found in the cache is in manifest.json (`llm`) and the end-of-run table.
"""

from __future__ import annotations

from collections.abc import Mapping

REASONS_LISTED = 5


def llm_section(calls: Mapping[str, Mapping], scores: Mapping[str, Mapping], supersedes: str | None) -> list[str]:
    """Markdown lines; [] for a version that asked no LLM."""
    if not calls:
        return []
    lines = ["", "## LLM calls", "",
             "Per task, the calls this version's rows came from. Tokens and cost are those of the answers it holds, "
             "as they were bought (a rebuild replays them from the response cache for free).", "",
             "| task | calls | answered | failed | prompt tokens | completion tokens | cost (USD) |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for task, tally in calls.items():
        lines.append(f"| {task} | {tally['calls']} | {tally['answered']} | {tally['failed']} | "
                     f"{tally['prompt_tokens']} | {tally['completion_tokens']} | {tally['cost_usd']:.4f} |")
    failed = [(task, reason, n) for task, tally in calls.items()
              for reason, n in sorted(tally["failed_by_reason"].items(), key=lambda item: (-item[1], item[0]))]
    if failed:
        lines += ["", "Failed calls by reason (their rows are in `rejects.jsonl`, the calls in `llm_failures.jsonl`; "
                      "running the build command again retries them and writes a version that supersedes this one):",
                  ""]
        shown: dict[str, int] = {}
        for task, reason, n in failed:
            shown[task] = shown.get(task, 0) + 1
            if shown[task] <= REASONS_LISTED:
                lines.append(f"- {task}: {n} x {_inline(reason)}")
    if supersedes:
        lines += ["", f"This version supersedes `{supersedes}` (the same recipe; its failed calls were retried)."]
    for task, counts in scores.items():
        total = sum(counts.values())
        lines += ["", f"**{task} scores** ({total} rows judged):", "", "| score | rows | share |", "|---:|---:|---:|"]
        for score in sorted(counts, key=int):
            lines.append(f"| {score} | {counts[score]} | {100 * counts[score] / total:.1f}% |")
    return lines


def _inline(text: str) -> str:
    return "`" + text.replace("`", "'").replace("\n", " ") + "`"
