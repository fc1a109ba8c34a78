"""`source=mix`: several sources blended by weight or capped by row count, sampled deterministically.

Each entry is `{source: <a source config>, weight: w}` or `{source: …, max_rows: n}`. With weights,
the mix is as large as possible while keeping the shares (or `size` rows when set). Rows are picked
by the lowest hash of (seed, id), so the pick is the same on every run and a larger sample contains a
smaller one. Rows that are not picked are rejects of stage `load`, rule `mix`, not silent losses.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import UserError
from ..record import renumber_content_ids
from ..split import largest_remainder, unit_hashes
from ..stage import concat, partition
from .base import LOAD_STAGE, Loaded, Source, merge_rejects


class MixSource(Source):
    """Blend of named sources."""

    def __init__(self, sources: Mapping[str, Mapping], seed: int = 0, size: int | None = None, name: str = "mix"):
        if not sources:
            raise UserError("source.sources is empty; give at least one entry {source: …, weight: …}")
        self.name, self.seed, self.size = name, seed, size
        self.entries = {}
        for key, entry in sources.items():
            if entry is None:
                continue
            if not isinstance(entry, Mapping) or not isinstance(entry.get("source"), Source):
                raise UserError(
                    f"source.sources.{key} needs a `source:` with a `_target_` (e.g. dsbuild.sources.files.FilesSource)"
                )
            weight, max_rows = entry.get("weight"), entry.get("max_rows")
            if weight is not None and (not isinstance(weight, int | float) or weight < 0):
                raise UserError(f"source.sources.{key}.weight must be a number >= 0, got {weight!r}")
            if max_rows is not None and (not isinstance(max_rows, int) or max_rows < 0):
                raise UserError(f"source.sources.{key}.max_rows must be a whole number >= 0, got {max_rows!r}")
            entry["source"].name = str(key)
            self.entries[str(key)] = (entry["source"], weight, max_rows)
        if not self.entries:
            raise UserError("source.sources has no active entry; give at least one")

    def fingerprint(self) -> list[dict]:
        return [dict(item, mix_entry=key) for key, (src, _, _) in self.entries.items() for item in src.fingerprint()]

    def load(self) -> Loaded:
        loaded = {key: src.load() for key, (src, _, _) in self.entries.items()}
        quotas = self._quotas({key: item.table.num_rows for key, item in loaded.items()})
        kept, rejected = [], []
        for key, item in loaded.items():
            picked, dropped = self._sample(item.table, quotas[key], key)
            kept.append(picked)
            rejected += [item.rejected, dropped]
        table = concat(kept)
        table = table.set_column(0, "id", pc.cast(renumber_content_ids(table.column("id")), pa.string()))
        return Loaded(
            table,
            rows_read=sum(item.rows_read for item in loaded.values()),
            inputs=[dict(i, mix_entry=key) for key, item in loaded.items() for i in item.inputs],
            rejected=merge_rejects(*rejected),
        )

    def _quotas(self, available: dict[str, int]) -> dict[str, int]:
        quotas = {}
        weighted = {k: w for k, (_, w, m) in self.entries.items() if w is not None and m is None}
        for key, (_, weight, max_rows) in self.entries.items():
            if max_rows is not None:
                quotas[key] = min(max_rows, available[key])
            elif weight is None:
                quotas[key] = available[key]
        if weighted:
            total_w = sum(weighted.values())
            if total_w <= 0:
                raise UserError("source.sources weights sum to 0; give at least one positive weight")
            shares = {k: w / total_w for k, w in weighted.items()}
            fit = min(available[k] / s for k, s in shares.items() if s > 0)
            size = fit if self.size is None else min(self.size, fit)
            counts = largest_remainder(int(size), list(shares.values()))
            quotas.update({k: int(c) for k, c in zip(shares, counts)})
        return quotas

    def _sample(self, table: pa.Table, quota: int, key: str) -> tuple[pa.Table, pa.Table | None]:
        n = table.num_rows
        if quota >= n:
            return table, None
        u = unit_hashes(self.seed, table.column("id").to_pylist(), salt="mix:")
        keep = np.zeros(n, dtype=bool)
        keep[np.argsort(u, kind="stable")[:quota]] = True
        reason = f"not drawn: source {key} contributes {quota} of its {n} rows to the mix"
        kept, dropped = partition(table, [None if k else reason for k in keep], stage=LOAD_STAGE, rule="mix")
        return kept, dropped


__all__ = ["MixSource"]
