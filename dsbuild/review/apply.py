"""`dsbuild review apply`: a new version from a parent version and reviewers' verdicts.

The new version sits next to its parent under the same dataset name; its id hashes the parent id and
the verdicts' digest, so applying the same verdicts again finds it instead of writing it twice.
Rejected rows leave their split (and the pilot) for rejects.jsonl, with stage `review`, rule
`reviewer` and the reviewer's reason; edits replace field values; the files are rewritten with the
parent's exporter. The manifest names the `parent` and carries the review summary; the card gains a
"Human review" section with the estimated error rate of the parent.
"""

from __future__ import annotations

import hashlib
import json
import shlex
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from ..build import rebuild_command
from ..split_order import SPLITS
from ..stage import StageReport, concat, mark_rejected
from ..version.fingerprint import VERSION_ID_CHARS, file_sha256
from ..version.store import write_atomically
from ..version.writer import VersionContent, write_files, write_json
from .checks import check_verdicts
from .summary import ReviewSummary, card_section, manifest_entry, summarize
from .verdict import DEFAULT_REASON, REJECT
from .verdict_files import VerdictFile
from .version_reader import MANIFEST, Version, read_rejects

STAGE, RULE = "review", "reviewer"
DEFAULT_ROOT = "outputs/datasets"
CARD = "README.md"
CARD_ANCHOR = "\n## Rebuild\n"


@dataclass
class Applied:
    """Where the reviewed version is, whether it existed already, and what the review found."""

    version_id: str
    path: Path
    existed: bool
    summary: ReviewSummary


def reviewed_version_id(parent_id: str, found: VerdictFile) -> str:
    """The new version's id: a hash of the parent id and the verdicts' digest."""
    return hashlib.sha256(f"{parent_id}\n{found.digest()}".encode()).hexdigest()[:VERSION_ID_CHARS]


def apply_verdicts(version: Version, found: VerdictFile) -> Applied:
    """Write the reviewed version of `version` (or find it); UserError for any bad verdict, before writing."""
    check_verdicts(found, version)
    rows = sum(version.splits[s].num_rows for s in SPLITS if s in version.splits)
    summary = summarize(found, version.id, rows)
    new_id = reviewed_version_id(version.id, found)
    final = version.path.parent / new_id
    if final.exists():
        return Applied(new_id, final, existed=True, summary=summary)
    reasons = {v.id: v.reason or DEFAULT_REASON for v in found.verdicts if v.verdict == REJECT}
    edits = {v.id: v.edits for v in found.verdicts if v.edits}
    splits, removed = {}, []
    for name, table in version.splits.items():
        kept, rejected = _drop(table, reasons)
        splits[name] = _edit(kept, edits)
        if name != "pilot" and rejected.num_rows:  # pilot rows are train rows: rejected once, from train
            removed.append(mark_rejected(rejected, stage=STAGE, rule=RULE,
                                         reasons=[reasons[i] for i in rejected.column("id").to_pylist()]))
    dropped = sum(t.num_rows for t in removed)
    report = StageReport(STAGE, rows_in=rows, kept=sum(splits[s].num_rows for s in SPLITS if s in splits),
                         rejected=dropped, by_rule={RULE: dropped} if dropped else {})
    report.check()
    manifest = version.manifest
    content = VersionContent(
        name=version.name, version_id=new_id, exporter=version.exporter, splits=splits,
        rejects=concat([t for t in (read_rejects(version), *removed) if t is not None]),
        stages=[*manifest.get("stages", []), report.as_dict()], config=manifest["config"],
        overrides=manifest.get("overrides", []), choices=manifest.get("choices", {}),
        inputs=manifest.get("inputs", []), templates=manifest.get("templates", {}), seed=int(manifest.get("seed", 0)),
        rebuild_command=_rebuild_command(version, found), llm=manifest.get("llm", {}),
    )

    def fill(folder: Path) -> None:
        write_files(folder, content)
        card = (folder / CARD).read_text(encoding="utf-8")
        section = "\n" + "\n".join(card_section(summary)) + "\n"
        head, anchor, tail = card.partition(CARD_ANCHOR)
        (folder / CARD).write_text(head + section + anchor + tail if anchor else card + section, encoding="utf-8")
        written = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        written.update(parent=version.id, review=manifest_entry(summary, found))
        written.setdefault("files", {})[CARD] = {"sha256": file_sha256(folder / CARD)}  # the card with its review
        write_json(folder / MANIFEST, written)

    created = write_atomically(final, fill)
    return Applied(new_id, final, existed=not created, summary=summary)


def _drop(table: pa.Table, reasons: dict[str, str]) -> tuple[pa.Table, pa.Table]:
    """(rows kept, rows rejected), both in file order."""
    if not reasons or table.num_rows == 0:
        return table, table.slice(0, 0)
    hit = pc.fill_null(pc.is_in(table.column("id"), value_set=pa.array(list(reasons), pa.string())), False)
    return table.filter(pc.invert(hit)), table.filter(hit)


def _edit(table: pa.Table, edits: dict[str, dict[str, str]]) -> pa.Table:
    """`table` with the corrected values put in; only the edited rows' cells change."""
    if not edits or table.num_rows == 0:
        return table
    ids = table.column("id")
    for field in sorted({f for fields in edits.values() for f in fields}):
        targets = [i for i, fields in edits.items() if field in fields]
        hit = pc.fill_null(pc.is_in(ids, value_set=pa.array(targets, pa.string())), False).combine_chunks()
        if not pc.any(hit).as_py():
            continue
        hit_ids = ids.filter(hit).to_pylist()
        column = table.column(field)
        kind = pa.string() if pa.types.is_null(column.type) else column.type
        values = pa.array([edits[i][field] for i in hit_ids], kind)
        position = table.schema.get_field_index(field)
        replaced = pc.replace_with_mask(column.cast(kind).combine_chunks(), hit, values)
        table = table.set_column(position, pa.field(field, kind), replaced)
    return table


def _rebuild_command(version: Version, found: VerdictFile) -> str:
    """The parent's build command, then this apply (both from the same working directory)."""
    parent = rebuild_command(version.manifest.get("overrides", []))
    root = str(version.manifest["config"].get("output_dir") or DEFAULT_ROOT)
    apply = ["dsbuild", "review", "apply", version.id, found.path.name]
    if root != DEFAULT_ROOT:
        apply += ["--root", root]
    return f"{parent} && {' '.join(shlex.quote(a) for a in apply)}"
