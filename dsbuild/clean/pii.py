"""Find personal data (e-mails, phones, resident IDs, bank cards, URLs, IPs) and redact it or drop the row.

Arrow picks the rows whose text matches a loose trigger for any configured kind; only those are
scanned in Python by the exact detectors of `pii_patterns` (checksums, dates, boundaries), so clean
rows cost one regex pass in C. `counts` holds how many matches of each kind the last run found, for
the dataset card.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import UserError
from ..textops import as_large_string
from .base import Rule, Verdicts, as_list
from .pii_patterns import DEFAULT_KINDS, DETECTORS, find_pii


class PiiRedact(Rule):
    """Replace personal data with a placeholder per kind (`action: redact`) or reject its row (`drop`).

    `kinds`: any of url, email, ipv6, ipv4, cn_id, cn_id_old, bank_card, phone_cn, phone_intl
    (default: all but cn_id_old). `placeholders` overrides the default text of some kinds, e.g.
    `{email: "<EMAIL>"}`. After `run`, `counts` maps each configured kind to the number of matches
    found (in dropped rows too).
    """

    row_wise = True

    def __init__(
        self,
        kinds: str | Sequence[str] | None = None,
        action: str = "redact",
        placeholders: Mapping[str, str] | None = None,
        fields: str | Sequence[str] | None = None,
    ):
        if action not in ("redact", "drop"):
            raise UserError(f"PiiRedact.action must be 'redact' or 'drop', not {action!r}")
        self.kinds = list(DEFAULT_KINDS) if kinds is None else as_list(kinds)
        if not self.kinds:
            raise UserError(f"PiiRedact.kinds is empty; list some of {', '.join(DETECTORS)} or remove the rule")
        placeholders = {str(k): str(v) for k, v in (placeholders or {}).items()}
        for key, given in (("kinds", self.kinds), ("placeholders", list(placeholders))):
            unknown = [k for k in given if k not in DETECTORS]
            if unknown:
                raise UserError(
                    f"PiiRedact.{key}: {unknown[0]!r} is not a PII kind; use some of {', '.join(DETECTORS)}"
                )
        self.action, self.fields = action, as_list(fields)
        self.placeholders = {kind: placeholders.get(kind, DETECTORS[kind].placeholder) for kind in self.kinds}
        self._trigger = "|".join(f"(?:{DETECTORS[kind].trigger})" for kind in self.kinds)
        self.counts: dict[str, int] = dict.fromkeys(self.kinds, 0)

    def run(self, table: pa.Table) -> Verdicts:
        self.counts = dict.fromkeys(self.kinds, 0)
        found_in: dict[int, list[str]] = {}  # row -> "cn_id, email in question" per field with PII
        for name in self.resolve_fields(table):
            column = as_large_string(table.column(name))
            rows = self._candidates(column)
            if len(rows) == 0:
                continue
            redacted, changed = [], np.zeros(len(column), dtype=bool)
            for row, text in zip(rows.tolist(), column.take(pa.array(rows)).to_pylist()):
                spans = find_pii(text, self.kinds)
                if not spans:
                    continue
                for _, _, kind in spans:
                    self.counts[kind] += 1
                if self.action == "drop":
                    kinds = ", ".join(dict.fromkeys(kind for _, _, kind in spans))
                    found_in.setdefault(row, []).append(f"{kinds} in {name}")
                else:
                    changed[row] = True
                    redacted.append(self._redact(text, spans))
            if redacted:
                mask = pa.array(changed)
                column = pc.replace_with_mask(column, mask, pa.array(redacted, pa.large_string()))
                table = table.set_column(table.schema.get_field_index(name), name, column)
        if self.action == "redact":
            return Verdicts(table)
        reasons: list[str | None] = [None] * table.num_rows
        for row, where in found_in.items():
            reasons[row] = f"contains PII: {'; '.join(where)}"
        return Verdicts(table, reasons)

    def _candidates(self, column: pa.LargeStringArray) -> np.ndarray:
        """Rows whose text matches the trigger of some kind: the only ones worth a Python scan."""
        if len(column) == 0:
            return np.zeros(0, dtype=np.int64)
        hits = pc.fill_null(pc.match_substring_regex(column, self._trigger), False)
        return np.flatnonzero(hits.to_numpy(zero_copy_only=False))

    def _redact(self, text: str, spans: list[tuple[int, int, str]]) -> str:
        parts, at = [], 0
        for start, end, kind in spans:
            parts += [text[at:start], self.placeholders[kind]]
            at = end
        parts.append(text[at:])
        return "".join(parts)
