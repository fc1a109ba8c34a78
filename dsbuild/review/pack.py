"""The review pack: one folder with the sampled items for people to judge, in the form each person likes.

    review.html        the items one per screen, keyboard-driven, progress kept in the browser
    items.csv          the same items for a spreadsheet: fill in verdict, reason, edited_<field>
    labelstudio.json   Label Studio tasks, with labelstudio.xml as the project's labeling config
    pack.json          version id, pack id, seed, sizes and the sampled ids in order

The pack id hashes the version id, seed, stratification and sampled ids: the same draw gives the same
pack, so a reviewer's saved progress (keyed by version id + pack id) survives writing it again.
"""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import pyarrow as pa

from .. import __version__
from ..errors import UserError
from ..record import is_text_type
from ..split_order import SPLITS
from . import labelstudio
from .page import render_page
from .sampling import Sample
from .verdict import EDITABLE_FIELDS
from .version_reader import Version

PACK_FORMAT = "dsbuild-review-pack"
EDITED_PREFIX = "edited_"


def editable_fields(splits: dict[str, pa.Table]) -> list[str]:
    """The text fields (EDITABLE_FIELDS) that hold text in this version, in canonical order."""
    present = {f.name for name in SPLITS if name in splits for f in splits[name].schema
               if is_text_type(f.type) or pa.types.is_null(f.type)}
    return [name for name in EDITABLE_FIELDS if name in present]


def pack_id(version_id: str, sample: Sample) -> str:
    """12 hex digits naming this draw of this version."""
    blob = json.dumps({"version_id": version_id, "seed": sample.seed, "stratify_by": sample.stratify_by,
                       "ids": [item.id for item in sample.items]}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:12]


def write_pack(version: Version, sample: Sample, size: int, out: Path | None = None) -> tuple[Path, str]:
    """Write the pack folder (default `./review-<version id>-<pack id>`); return it and the pack id."""
    pid = pack_id(version.id, sample)
    out = Path(out) if out is not None else Path.cwd() / f"review-{version.id}-{pid}"
    if out.exists() and not out.is_dir():
        raise UserError(f"--out {out} is a file; give a folder for the review pack")
    out.mkdir(parents=True, exist_ok=True)
    editable = editable_fields(version.splits)
    seen = dict.fromkeys(name for item in sample.items for name in item.fields)
    fields = [f for f in editable if f in seen] + [f for f in seen if f not in editable]
    items = [{"id": i.id, "split": i.split, "fields": i.fields} for i in sample.items]
    page = {"name": version.name, "version_id": version.id, "pack_id": pid, "fields": fields,
            "editable": editable, "items": items}
    (out / "review.html").write_text(render_page(page), encoding="utf-8")
    _write_csv(out / "items.csv", sample, fields, editable)
    _write_json(out / "labelstudio.json", labelstudio.tasks(sample.items, fields))
    title = f"dsbuild review: {version.name} {version.id} (pack {pid})"
    (out / "labelstudio.xml").write_text(labelstudio.labeling_config(fields, editable, title), encoding="utf-8")
    _write_json(out / "pack.json", {
        "format": PACK_FORMAT, "dsbuild_version": __version__, "dataset": version.name, "version_id": version.id,
        "pack_id": pid, "seed": sample.seed, "stratify_by": sample.stratify_by, "fields": fields,
        "editable": editable, "sizes": _sizes(sample, size), "ids": [item.id for item in sample.items],
    })
    return out, pid


def _sizes(sample: Sample, size: int) -> dict:
    per_split = {name: {"rows": sum(strata.values()), "sampled": sum(sample.drawn[name].values())}
                 for name, strata in sample.population.items()}
    per_stratum = {name: {s: {"rows": n, "sampled": sample.drawn[name][s]} for s, n in strata.items()}
                   for name, strata in sample.population.items()}
    return {"requested": size, "sampled": len(sample.items), "rows": sum(s["rows"] for s in per_split.values()),
            "per_split": per_split, "per_stratum": per_stratum}


def _write_csv(path: Path, sample: Sample, fields: list[str], editable: list[str]) -> None:
    """UTF-8 with a byte order mark, so spreadsheet programs read Chinese text right."""
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "split", *fields, "verdict", "reason", *(EDITED_PREFIX + f for f in editable)])
        for item in sample.items:
            values = [labelstudio.display(item.fields.get(f)) for f in fields]
            writer.writerow([item.id, item.split, *values, "", "", *([""] * len(editable))])


def _write_json(path: Path, data) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
