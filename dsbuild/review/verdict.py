"""One reviewer verdict on one row, whatever file it came from, and the words a verdict may use."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import UserError
from ..record import TEXT_FIELDS

ACCEPT, REJECT = "accept", "reject"
DEFAULT_REASON = "rejected by reviewer"
EDITABLE_FIELDS = (*TEXT_FIELDS, "label")  # what a reviewer may correct: the text a model trains on, and labels
_WORDS = {"accept": ACCEPT, "accepted": ACCEPT, "reject": REJECT, "rejected": REJECT}


@dataclass(frozen=True)
class Verdict:
    """accept or reject, the reviewer's reason (rejects) and corrected fields (accepts); `where` names its place
    in the verdicts file (`row 7`, `item 3`, `task 12`) for error messages."""

    id: str
    verdict: str
    reason: str | None = None
    edits: dict[str, str] = field(default_factory=dict)
    where: str = ""

    def as_dict(self) -> dict:
        """The verdict without its place in the file: what decides the reviewed version."""
        edits = dict(sorted(self.edits.items()))
        return {"id": self.id, "verdict": self.verdict, "reason": self.reason, "edits": edits}


def make_verdict(row_id: str, verdict: str | None, reason: str | None, edits: dict[str, str], where: str) -> Verdict:
    """A Verdict from parsed parts: edits without a verdict mean accept; a reject keeps no edits.

    Reasons and edits lose what an edit box adds around the text (a final line break, spaces, `\\r\\n`
    line ends), so the same correction typed anywhere gives the same value."""
    verdict = verdict or ACCEPT
    reason = _tidy(reason) if verdict == REJECT else None
    edits = {name: _tidy(text) for name, text in edits.items()} if verdict == ACCEPT else {}
    return Verdict(id=row_id, verdict=verdict, reason=reason or None, edits=edits, where=where)


def verdict_word(raw, file: str, where: str) -> str | None:
    """accept / reject from what a reviewer wrote (any case, `accepted` / `rejected` too); None when blank."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    word = _WORDS.get(raw.strip().lower()) if isinstance(raw, str) else None
    if word is None:
        raise UserError(f"{file}: {where}: verdict {raw!r} is not accept or reject; write one of them, or leave it "
                        "empty for an item not reviewed")
    return word


def _tidy(text: str | None) -> str | None:
    """`text` with `\\r\\n` line ends made `\\n` and surrounding whitespace removed."""
    return text.replace("\r\n", "\n").strip() if isinstance(text, str) else None
