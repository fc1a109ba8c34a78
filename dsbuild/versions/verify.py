"""Check a version folder against its manifest: every listed file present with its recorded sha256, and
no file the manifest does not list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..review.version_reader import read_json
from ..version.fingerprint import file_sha256
from .manifest_files import MANIFEST, listed_files, media_files, short


@dataclass
class Verification:
    """How many listed files match, and one line per file that does not (or is not listed)."""

    matched: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(folder: Path) -> Verification:
    """Recompute the sha256 of every file `folder`'s manifest lists and compare."""
    folder = Path(folder)
    manifest = read_json(folder / MANIFEST)
    listed = listed_files(manifest) | media_files(folder, manifest)
    result = Verification()
    for name, expected in sorted(listed.items()):
        path = folder / name
        if not path.is_file():
            result.problems.append(f"{name}: missing (listed in {MANIFEST})")
            continue
        actual = file_sha256(path)
        if expected is None:
            result.problems.append(f"{name}: {MANIFEST} records no sha256 for it")
        elif actual != expected:
            result.problems.append(f"{name}: changed (sha256 {short(actual)}, {MANIFEST} has {short(expected)})")
        else:
            result.matched += 1
    present = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    for name in sorted(present - set(listed) - {MANIFEST}):
        result.problems.append(f"{name}: not listed in {MANIFEST}")
    return result
