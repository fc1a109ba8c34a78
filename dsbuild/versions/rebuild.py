"""`dsbuild rebuild`: build a version again from its manifest and check the result is byte-identical.

The manifest's config is redacted of secrets, so the rebuild composes the config again from the recorded
command-line overrides and the bundled configs (as the card's rebuild command does), after checking
that every input file still has its recorded sha256. LLM answers come from the response cache at the
recorded `llm.cache_path` (relative paths are relative to the working directory, as in the build), and
the calls that failed in the build are replayed as failures from the version's `llm_failures.jsonl`:
a rebuild sends no request at all, and says so when the cache lacks an answer the version used.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..errors import UserError
from ..llm.ledger import FAILURES_FILE, read_failures
from ..review.version_reader import read_json
from ..version.fingerprint import file_sha256
from .compare import Comparison, compare_folders
from .manifest_files import MANIFEST, short

MASKED = "***"


@dataclass
class Rebuilt:
    """Where the rebuild went (None: a temporary folder, removed), its version id, and the comparison."""

    path: Path | None
    version_id: str
    comparison: Comparison


def check_inputs(manifest: dict, where: Path) -> int:
    """Raise a UserError naming the first input file that is missing or changed; the number checked."""
    checked = 0
    for entry in manifest.get("inputs") or []:
        if entry.get("kind") != "file" or not entry.get("path") or not entry.get("sha256"):
            continue  # pages, queries and hub datasets are fingerprinted again by the build and compared after
        path = Path(entry["path"])
        if not path.is_file():
            raise UserError(f"input {path} (recorded in {where}) is missing; restore it to rebuild this version")
        actual = file_sha256(path)
        if actual != entry["sha256"]:
            raise UserError(f"input {path} changed since the build (sha256 {short(actual)}, recorded "
                            f"{short(entry['sha256'])}); restore it to rebuild, or build a new version from it")
        checked += 1
    return checked


def rebuild(folder: Path, output_dir: Path | None = None, config_dir: Path | None = None) -> Rebuilt:
    """Rebuild the version at `folder` into `output_dir` (default: a temporary folder) and compare every file."""
    folder = Path(folder).resolve()
    manifest = read_json(folder / MANIFEST)
    if manifest.get("parent"):
        raise UserError(f"{folder}: a reviewed version (parent {manifest['parent']}); rebuild the parent, then run "
                        "`dsbuild review apply` with the same verdicts")
    check_inputs(manifest, folder / MANIFEST)
    overrides = list(manifest.get("overrides") or [])
    masked = [o for o in overrides if o.partition("=")[2] == MASKED]
    if masked:
        raise UserError(f"the override {masked[0]!r} was masked in {MANIFEST} (a secret); rebuild with the card's "
                        "command and your own value instead")
    if output_dir is None:
        with tempfile.TemporaryDirectory(prefix="dsbuild-rebuild-") as tmp:
            vid, comparison = _build_and_compare(folder, manifest, overrides, Path(tmp), config_dir)
        return Rebuilt(None, vid, comparison)
    output_dir = Path(output_dir).expanduser().resolve()
    if output_dir / manifest["name"] / manifest["version_id"] == folder:
        raise UserError(f"--output-dir {output_dir} holds the version itself; give another folder")
    vid, comparison = _build_and_compare(folder, manifest, overrides, output_dir, config_dir)
    return Rebuilt(output_dir / manifest["name"] / vid, vid, comparison)


def _build_and_compare(folder: Path, manifest: dict, overrides: list[str], output_dir: Path,
                       config_dir: Path | None) -> tuple[str, Comparison]:
    from ..build import Replay, build

    cfg, choices = _compose(overrides, output_dir, config_dir)
    if "tracking" in (manifest.get("choices") or {}):  # the manifest keeps the build's; the rebuild logs no run
        choices["tracking"] = manifest["choices"]["tracking"]
    recorded_llm = (manifest.get("config") or {}).get("llm") or {}
    if manifest.get("llm") and recorded_llm.get("cache_path"):
        from omegaconf import open_dict

        with open_dict(cfg):
            cfg.llm.cache_path = recorded_llm["cache_path"]
            if cfg.llm.get("cache") == "refresh":  # a rebuild reads the answers the build stored
                cfg.llm.cache = "use"
    replay = Replay(read_failures(folder / FAILURES_FILE), manifest.get("supersedes"))
    result = build(cfg, overrides=overrides, choices=choices, show_progress=False, replay=replay)
    return result.version_id, compare_folders(folder, result.path)


def _compose(overrides: list[str], output_dir: Path, config_dir: Path | None):
    """The config the recorded overrides give (plus output_dir), and Hydra's choices."""
    from hydra import compose, initialize_config_dir
    from hydra.errors import HydraException
    from omegaconf import open_dict

    from ..config import CONF_DIR

    left_out = ("output_dir=", "tracking=", "tracking.")  # a rebuild logs no run (and tracking=none has no keys)
    kept = [o for o in overrides if not o.lstrip("+~").startswith(left_out)
            and (not o.lstrip("+~").startswith("hydra.") or o.startswith("hydra.searchpath="))]
    if config_dir is not None:
        kept.append(f"hydra.searchpath=[file://{Path(config_dir).expanduser().resolve()}]")
    try:
        with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
            cfg = compose(config_name="config", overrides=[*kept, f"output_dir={output_dir}"],
                          return_hydra_config=True)
    except HydraException as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UserError(f"the recorded overrides no longer compose ({first}); if the build used --config-dir, "
                        "give it again with --config-dir") from None
    choices = {k: v for k, v in cfg.hydra.runtime.choices.items() if not k.startswith("hydra/")}
    with open_dict(cfg):
        del cfg["hydra"]
    return cfg, choices
