"""The `tokens` stage: every exported row counted with the target model's tokenizer, against cutoff_len.

A trainer cuts a row longer than its `cutoff_len` (LLaMA-Factory's name; TRL's `max_length`): the end
of the answer, where the model learns to finish, is lost. This stage counts each row as the trainer
sees it (see `tokens.TokenCounter`) and, per `format.over_cutoff`, keeps such rows with one warning
line naming how many (`keep`, the default) or rejects each with its count (`reject`: "1,532 tokens >
cutoff_len 1,024"). The card gets p50 / p95 / p99 / max per split, the share over the cutoff and a
histogram.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from ..errors import UserError
from ..execute.spill import Spill, WorkFolder, batches
from ..stage import StageReport, partition
from .formats import TOKEN_KEYS
from .tokens import TokenCounter

log = logging.getLogger("dsbuild")
TOKENS_STAGE = "tokens"
RULE = "cutoff_len"
OVER_CUTOFF = ("keep", "reject")
KEYS = TOKEN_KEYS  # format.<key>: this stage's settings, not the exporter's


@dataclass
class TokenLengths:
    """Per split, the token count of every exported row that has a conversation (for the card and manifest)."""

    tokenizer: str
    templated: bool
    cutoff_len: int
    lengths: dict[str, np.ndarray] = field(default_factory=dict)

    def summary(self) -> dict:
        """Per split: rows counted, p50 / p95 / p99 / max tokens, rows over cutoff_len and their share."""
        splits = {}
        for name, lengths in self.lengths.items():
            if lengths.size == 0:
                continue
            over = int((lengths > self.cutoff_len).sum())
            p50, p95, p99 = (int(np.percentile(lengths, q, method="higher")) for q in (50, 95, 99))
            splits[name] = {"rows": int(lengths.size), "p50": p50, "p95": p95, "p99": p99, "max": int(lengths.max()),
                            "over_cutoff": over, "over_cutoff_share": round(over / lengths.size, 6)}
        return {"tokenizer": self.tokenizer, "chat_template": self.templated, "cutoff_len": self.cutoff_len,
                "splits": splits}


def token_settings(node: dict) -> dict:
    """format.tokenizer / chat_template / cutoff_len / over_cutoff, checked (the tokenizer still a name)."""
    settings = {key: node.get(key) for key in KEYS}
    cutoff = settings["cutoff_len"]
    if isinstance(cutoff, bool) or not isinstance(cutoff, int) or cutoff < 1:
        raise UserError(f"format.cutoff_len={cutoff!r}: give a whole number of tokens (1 or more), e.g. 2048")
    if settings["over_cutoff"] not in OVER_CUTOFF:
        raise UserError(f"format.over_cutoff={settings['over_cutoff']!r}: use one of {', '.join(OVER_CUTOFF)}")
    return settings


def measure_tokens(splits: dict[str, pa.Table | Spill], exporter, counter: TokenCounter, cutoff_len: int,
                   over_cutoff: str, work: WorkFolder) -> tuple[dict, pa.Table | Spill, StageReport, TokenLengths]:
    """(splits, rejects, report, lengths): every split counted batch by batch; with over_cutoff=reject the
    rows over cutoff_len become rejects of rule cutoff_len."""
    report = StageReport(TOKENS_STAGE, rows_in=sum(t.num_rows for t in splits.values()))
    measured = TokenLengths(counter.name, counter.template is not None, cutoff_len)
    rejected = work.writer("tokens-rejects")
    for name in list(splits):
        kept, lengths = work.writer(f"tokens-{name}"), []
        for batch in batches(splits[name]):
            counts = _counts(batch, exporter, counter)
            exported = counts >= 0 if over_cutoff == "keep" else (counts >= 0) & (counts <= cutoff_len)
            lengths.append(counts[exported])  # the card describes the rows written, not those rejected here
            if over_cutoff == "reject":
                reasons = [f"{n:,} tokens > cutoff_len {cutoff_len:,}" if n > cutoff_len else None for n in counts]
                batch, dropped = partition(batch, reasons, stage=TOKENS_STAGE, rule=RULE)
                rejected.add(dropped)
                report.rejected += dropped.num_rows
            kept.add(batch)
        if isinstance(splits[name], Spill):
            splits[name].delete()
        splits[name] = kept.close()
        measured.lengths[name] = np.concatenate(lengths) if lengths else np.zeros(0, np.int64)
    report.kept = sum(t.num_rows for t in splits.values())
    if report.rejected:
        report.by_rule[RULE] = report.rejected
    over = sum(int((a > cutoff_len).sum()) for a in measured.lengths.values())
    if over and over_cutoff == "keep":
        log.warning("%d row(s) are longer than format.cutoff_len=%d tokens of %s; the trainer cuts them "
                    "(format.over_cutoff=reject drops them instead)", over, cutoff_len, counter.name)
    return splits, rejected.close(), report, measured


def _counts(batch: pa.Table, exporter, counter: TokenCounter) -> np.ndarray:
    """Tokens per row of the batch (-1 for a row without a conversation, e.g. a passage in a dump)."""
    conversations = [exporter.messages(row) for row in batch.to_pylist()]
    counts = np.full(len(conversations), -1, np.int64)
    present = [i for i, c in enumerate(conversations) if c is not None]
    counts[present] = counter.count([conversations[i] for i in present])
    return counts
