"""Small helpers the tests share (importable because pytest puts tests/ on the path)."""

from __future__ import annotations

import json
from pathlib import Path

from dsbuild.augment.base import Augmented, Modality
from dsbuild.errors import UserError


def write_jsonl(path: Path, rows) -> Path:
    """Write rows as JSON lines (UTF-8) and return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path
SHARED_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
REPO = Path(__file__).resolve().parent.parent


class TaggedText(Modality):
    """A test modality for the augment stage: appends ` #<seed % 100>` to `field` (no library involved).

    Rows whose `field` starts with `same` come back unchanged, rows starting with `fail` fail, so the
    stage's skip rules can be checked. Built by Hydra from `augment.text._target_: helpers.TaggedText`.
    """

    name = "text"

    def __init__(self, field: str = "question"):
        self.field = field

    def check(self, schema):
        if self.field not in schema.names:
            raise UserError(f"augment.text.field {self.field!r} is not a field")

    def augment(self, copies, context):
        values, applied, changed, failed = [], [], [], []
        for text, seed in zip(copies.rows.column(self.field).to_pylist(), copies.seeds.tolist()):
            same, fail = text.startswith("same"), text.startswith("fail")
            values.append(text if same else f"{text} #{seed % 100}")
            applied.append([] if same else [{"transform": "tag", "tag": seed % 100}])
            changed.append(not same)
            failed.append("the tagger refused" if fail else None)
        return Augmented({self.field: values}, applied, changed, failed)


def assert_same_version(first, second) -> list[dict]:
    """Two builds wrote the same version: the same id, the same files, byte for byte, but for the stages'
    seconds in the manifest and the card (compared without them). Returns both manifests."""
    assert second.version_id == first.version_id
    names = sorted(p.relative_to(first.path) for p in first.path.rglob("*") if p.is_file())
    assert names == sorted(p.relative_to(second.path) for p in second.path.rglob("*") if p.is_file())
    for name in names:
        if name.name not in ("manifest.json", "README.md"):
            assert (second.path / name).read_bytes() == (first.path / name).read_bytes(), name
    manifests = [json.loads((b.path / "manifest.json").read_text(encoding="utf-8")) for b in (first, second)]
    timeless = [([{**s, "seconds": 0} for s in m["stages"]], m["inputs"], m["splits"], m.get("augment"))
                for m in manifests]
    assert timeless[0] == timeless[1]
    return manifests
