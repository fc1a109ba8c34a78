"""What a review found, for the new version's manifest and its card section "Human review"."""

from __future__ import annotations

from dataclasses import dataclass

from .estimate import Estimate, estimate_errors
from .verdict import ACCEPT, REJECT
from .verdict_files import VerdictFile

METHOD = "wilson"
CONFIDENCE = 0.95


@dataclass(frozen=True)
class ReviewSummary:
    """Counts of the review and the error-rate estimate for the parent's rows."""

    parent: str
    reviewed: int
    accepted: int
    rejected: int
    edited: int
    estimate: Estimate


def summarize(found: VerdictFile, parent: str, rows: int) -> ReviewSummary:
    """The summary of `found`'s verdicts on a parent version with `rows` rows in train, validation and test."""
    verdicts = found.verdicts
    rejected = sum(v.verdict == REJECT for v in verdicts)
    return ReviewSummary(
        parent=parent, reviewed=len(verdicts), accepted=sum(v.verdict == ACCEPT for v in verdicts),
        rejected=rejected, edited=sum(bool(v.edits) for v in verdicts),
        estimate=estimate_errors(rejected, len(verdicts), rows),
    )


def manifest_entry(summary: ReviewSummary, found: VerdictFile) -> dict:
    """manifest.json's `review`: the verdicts file, the counts and the estimate."""
    est = summary.estimate
    bad, bad_low, bad_high = est.bad_rows()
    return {
        "parent": summary.parent,
        "verdicts": {"file": found.path.name, "kind": found.kind, "sha256": found.sha256, "digest": found.digest(),
                     "pack_id": found.pack_id},
        "reviewed": summary.reviewed, "accepted": summary.accepted, "rejected": summary.rejected,
        "edited": summary.edited,
        "error_rate": {"estimate": est.rate, "low": est.low, "high": est.high, "confidence": CONFIDENCE,
                       "method": METHOD},
        "estimated_bad_rows": {"rows": est.rows, "estimate": bad, "low": bad_low, "high": bad_high},
    }


def card_section(summary: ReviewSummary) -> list[str]:
    """The card's "Human review" section, as Markdown lines."""
    est = summary.estimate
    bad, bad_low, bad_high = est.bad_rows()
    left = [max(0, n - summary.rejected) for n in (bad, bad_low, bad_high)]
    return [
        "## Human review", "",
        f"People checked a random sample of the parent version `{summary.parent}` (`dsbuild review`). Rejected "
        "rows were removed (they are in `rejects.jsonl` with stage `review`, rule `reviewer` and the reviewer's "
        "reason) and corrected fields were applied.", "",
        "| items reviewed | accepted | rejected | edited |", "|---:|---:|---:|---:|",
        f"| {summary.reviewed} | {summary.accepted} | {summary.rejected} | {summary.edited} |", "",
        f"Estimated error rate of the parent's {est.rows} rows: **{_pct(est.rate)}** ({summary.rejected} of "
        f"{summary.reviewed} reviewed items rejected), 95% Wilson interval {_pct(est.low)} to {_pct(est.high)}: "
        f"about {_rows(bad)} ({bad_low} to {bad_high}) are bad. Removing the {_rows(summary.rejected)} rejected "
        f"here leaves an estimated {left[0]} ({left[1]} to {left[2]}) in this version.",
    ]


def _rows(n: int) -> str:
    return f"{n} row" if n == 1 else f"{n} rows"


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"
