"""The files of one version folder: splits in the target format (with a `<split>.lineage.jsonl` when the
format drops fields), LLaMA-Factory's dataset_info.json, rejects.jsonl, the LLM calls that failed
(`llm_failures.jsonl`, which a rebuild replays), the card and the manifest.
Called inside `store.write_atomically`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..augment.base import MEDIA_FOLDER, MEDIA_INDEX
from ..execute.spill import Spill, batches
from ..export.formats import validate_table
from ..export.pilot import pilot_config, write_pilot_config
from ..export.writers import write_jsonl_batches
from ..llm.ledger import FAILURES_FILE, write_failures
from ..sources.base import INPUT_ID_PREFIX
from .card import Languages, LengthStats, render_card
from .fingerprint import file_sha256
from .histograms import write_histograms
from .manifest import build_manifest
from .stats import Profile, ProfileBuilder
from .token_section import write_token_histogram

EXAMPLES_PER_RULE = 5
LLAMAFACTORY_VIEW = ".llamafactory.json"  # <split>.llamafactory.json: the rows as LLaMA-Factory trains them
# other files whose sha256 the manifest records (splits, lineage, rejects and figures have their own entries)
LISTED_FILES = ("dataset_info.json", "README.md")


@dataclass
class VersionContent:
    """Everything a version folder is written from."""

    name: str
    version_id: str
    exporter: object
    splits: dict[str, pa.Table | Spill]
    rejects: pa.Table | Spill | None
    stages: list[dict]
    config: dict
    overrides: list[str]
    choices: dict
    inputs: list[dict]
    templates: dict[str, str]
    seed: int
    rebuild_command: str
    llm: dict = field(default_factory=dict)
    before: Profile = field(default_factory=Profile)  # the loaded rows, for the card's before/after histograms
    augment: dict | None = None  # the augment stage's summary (copies per split, transforms, class counts)
    recipe_id: str | None = None  # what the version was built from; None: the version id itself
    answers_digest: str | None = None  # the digest of its LLM answers and failures (None: no LLM call)
    failures: list = field(default_factory=list)  # its LLM calls that failed (llm.ledger.Failure), pinned
    llm_calls: dict = field(default_factory=dict)  # per task: calls, answers, failures, tokens, price (Tally)
    supersedes: str | None = None  # the version of the same recipe whose failed calls this one retried
    tokens: object | None = None  # export.token_lengths.TokenLengths when format.tokenizer is set
    final: Path | None = None  # where the version is published (the pilot's LLaMA-Factory config names it)
    pilot: dict = field(default_factory=dict)  # the pilot settings: model, template, llamafactory
    cutoff_len: int = 2048


def write_files(folder: Path, content: VersionContent) -> dict[str, dict]:
    """Write every file of the version into `folder`; return rows, file and sha256 per split."""
    exporter = content.exporter
    split_info, files, views = {}, {}, {}
    kept_rows = sum(rows.num_rows for name, rows in content.splits.items() if name != "pilot")
    kept_profile, lengths, langs = ProfileBuilder(expected_rows=kept_rows), LengthStats(), Languages()
    for split_name, rows in content.splits.items():
        batches = rows.to_batches()
        if split_name != "pilot":  # the card's statistics: every split but pilot, in split order, in the export's pass
            langs.new_table()
            batches = _observed(batches, (kept_profile, lengths, langs))
        file_name = f"{split_name}{exporter.extension}"
        count = exporter.write_batches(batches, folder / file_name)
        if count == 0:  # known once the batches have run through: an empty split has no file
            (folder / file_name).unlink()
            split_info[split_name] = {"rows": 0, "file": None, "sha256": None, "bytes": 0}
            continue
        files[split_name] = file_name
        split_info[split_name] = {"rows": count, "file": file_name, "sha256": file_sha256(folder / file_name),
                                  "bytes": (folder / file_name).stat().st_size}
        if not set(rows.schema.names) <= exporter.written_keys(file_name):  # the format dropped fields
            lineage_name = f"{split_name}.lineage.jsonl"  # a second pass over the split's batches
            write_jsonl_batches((lineage_table(b, exporter) for b in rows.to_batches()), folder / lineage_name)
            split_info[split_name].update(lineage=lineage_name, lineage_sha256=file_sha256(folder / lineage_name))
        view = exporter.llamafactory_view(rows.schema.names)
        if view is not None:  # the format keeps the CoT apart: LLaMA-Factory trains from a view with it
            view_name = f"{split_name}{LLAMAFACTORY_VIEW}"
            if view.write_batches((validate_table(view, _table(b))[0] for b in rows.to_batches()), folder / view_name):
                views[split_name] = (view, view_name)
                split_info[split_name].update(llamafactory=view_name,
                                              llamafactory_sha256=file_sha256(folder / view_name))
            else:
                (folder / view_name).unlink()
    info = {}  # per split, in split order: the format's own file, or the view LLaMA-Factory trains from
    for split_name, file_name in files.items():
        described, name = views.get(split_name, (exporter, file_name))
        info.update(described.dataset_info(content.name, {split_name: name}))
    write_json(folder / "dataset_info.json", info)
    trainer_files = ()
    if content.final is not None:
        text = pilot_config(content.final, content.name, info, content.pilot, content.cutoff_len)
        trainer_files = (write_pilot_config(folder, text),) if text else ()
    media = write_media_index(folder)
    pinned = ()
    if content.failures:
        write_failures(folder / FAILURES_FILE, content.failures)
        pinned = (FAILURES_FILE,)
    rejects_path = folder / "rejects.jsonl"
    reject_rows = 0 if content.rejects is None else write_jsonl_batches(content.rejects.to_batches(), rejects_path)
    if content.rejects is None:
        rejects_path.write_bytes(b"")
    after = kept_profile.result()
    figures = write_histograms(folder, content.before, after)
    token_summary = None if content.tokens is None else content.tokens.summary()
    token_figure = None if content.tokens is None else write_token_histogram(
        folder, content.tokens.lengths, content.tokens.cutoff_len)
    (folder / "README.md").write_text(render_card(
        name=content.name, version_id=content.version_id, splits=split_info, stages=content.stages,
        reject_examples=reject_examples(content.rejects), lengths=lengths.result(), langs=langs.result(),
        format_name=exporter.name, rebuild_command=content.rebuild_command,
        unreadable=unreadable_inputs(content.rejects), figures=figures, compared=(content.before.rows, after.rows),
        augment=content.augment, llm_calls=content.llm_calls, tokens=token_summary, token_figure=token_figure,
        scores={task: usage["scores"] for task, usage in content.llm.items() if usage.get("scores")},
        supersedes=content.supersedes,
    ), encoding="utf-8")
    manifest = build_manifest(
        version_id=content.version_id, name=content.name, config=content.config, overrides=content.overrides,
        choices=content.choices, inputs=content.inputs, templates=content.templates, stages=content.stages,
        splits=split_info, seed=content.seed, format_name=exporter.name,
    )
    if content.llm:
        manifest["llm"] = content.llm  # what this run sent, found cached and paid (a rebuild differs here)
        manifest["llm_calls"] = content.llm_calls  # what the version holds (a rebuild gives the same)
    manifest["recipe_id"] = content.recipe_id or content.version_id
    if content.answers_digest is not None:
        manifest["answers_digest"] = content.answers_digest
    if content.supersedes is not None:
        manifest["supersedes"] = content.supersedes
    manifest["rejects"] = {"rows": reject_rows,
                           "file": "rejects.jsonl", "sha256": file_sha256(rejects_path)}
    if token_figure:
        figures = {**figures, "tokens": token_figure}
    manifest["figures"] = {name: {"field": f, "sha256": file_sha256(folder / name)} for f, name in figures.items()}
    listed = LISTED_FILES + media + pinned + trainer_files
    manifest["files"] = {name: {"sha256": file_sha256(folder / name)} for name in listed}
    if token_summary is not None:
        manifest["tokens"] = token_summary
    if content.augment is not None:
        manifest["augment"] = content.augment
    write_json(folder / "manifest.json", manifest)
    return split_info


def _table(batch: pa.RecordBatch | pa.Table) -> pa.Table:
    return batch if isinstance(batch, pa.Table) else pa.Table.from_batches([batch])


def _observed(batches, observers):
    """`batches`, each handed to every observer's `add` as it passes on to the exporter."""
    for batch in batches:
        for observer in observers:
            observer.add(batch)
        yield batch


def write_media_index(folder: Path) -> tuple[str, ...]:
    """`media.sha256` (sha256sum's format, so `sha256sum -c media.sha256` checks it) for the media files a stage
    wrote into the version; returns its name to list in the manifest, or () when there are none."""
    media = folder / MEDIA_FOLDER
    files = sorted(p for p in media.rglob("*") if p.is_file()) if media.is_dir() else []
    if not files:
        return ()
    lines = [f"{file_sha256(p)}  {p.relative_to(folder).as_posix()}\n" for p in files]
    (folder / MEDIA_INDEX).write_text("".join(lines), encoding="utf-8")
    return (MEDIA_INDEX,)


def lineage_table(rows: pa.Table | pa.RecordBatch, exporter) -> pa.Table | pa.RecordBatch:
    """Per exported row, in file order: its id and every field the format does not read (lineage, labels, ...).

    Formats such as cot_sft hold only the training fields; this file keeps each row traceable to its
    source (file, page, passage id, ...) without changing the format the trainer reads.
    """
    written = set(exporter.fields) - {"id"}
    return rows.select([c for c in rows.column_names if c not in written])


def unreadable_inputs(rejects: pa.Table | Spill | None) -> list[tuple[str, str]]:
    """(input, reason) for each whole input a source could not read (a file, a URL, a query): load rejects
    whose id is `input:<ref>` (see `sources.base.input_rejects`)."""
    if rejects is None or "id" not in rejects.schema.names:
        return []
    found = []
    for batch in batches(rejects):
        marked = pc.and_(pc.equal(batch.column("_stage"), "load"),
                         pc.starts_with(pc.fill_null(batch.column("id"), ""), INPUT_ID_PREFIX))
        cols = batch.filter(marked).select(["source_ref", "_reason"]).to_pydict()
        found += [(ref, reason or "") for ref, reason in zip(cols["source_ref"], cols["_reason"])]
    return found


def reject_examples(
    rejects: pa.Table | Spill | None, per_rule: int = EXAMPLES_PER_RULE
) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """The first `per_rule` rejects of each (stage, rule), in rejects.jsonl order: (source_ref or id, reason).

    Read batch by batch and vectorized: only the picked rows become Python objects, however many rows were rejected.
    """
    examples: dict[tuple[str, str], list[tuple[str, str]]] = {}
    if rejects is None or rejects.num_rows == 0:
        return examples
    for batch in batches(rejects):
        for key, found in _batch_examples(batch, per_rule).items():
            kept = examples.setdefault(key, [])
            kept += found[: per_rule - len(kept)]
    return examples


def _batch_examples(rejects: pa.Table, per_rule: int) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """The first `per_rule` rejects of each (stage, rule) in one batch."""
    if rejects.num_rows == 0:
        return {}
    keys = pc.binary_join_element_wise(
        pc.fill_null(rejects.column("_stage"), ""), pc.fill_null(rejects.column("_rule"), ""), "\x1f"
    )
    codes = pc.dictionary_encode(keys.combine_chunks()).indices.to_numpy(zero_copy_only=False)
    order = np.argsort(codes, kind="stable")
    grouped = codes[order]
    rank = np.arange(grouped.size) - np.searchsorted(grouped, grouped)  # position of each row within its rule
    picked = rejects.take(pa.array(np.sort(order[rank < per_rule])))
    refs = [picked.column(c).to_pylist() if c in picked.column_names else [None] * picked.num_rows
            for c in ("source_ref", "id")]
    cols = picked.select(["_stage", "_rule", "_reason"]).to_pydict()
    examples: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for stage, rule, reason, ref, rid in zip(cols["_stage"], cols["_rule"], cols["_reason"], *refs):
        examples.setdefault((stage, rule), []).append((ref or rid or "-", reason or ""))
    return examples


def write_json(path: Path, data) -> None:
    """Pretty, sorted, UTF-8 JSON with a final newline (stable bytes for equal data)."""
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
