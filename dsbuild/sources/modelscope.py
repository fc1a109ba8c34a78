"""`source=modelscope`: one split of a ModelScope dataset, read with the official `MsDataset.load`.

`path` is a ModelScope id (`owner/name`) or a local copy (a folder or a data file). When the hub is
unreachable, a copy of the id in the ModelScope cache (from `modelscope download --dataset`) is used.
`source_ref` is `<path>:<split>[<row>]`. Local copies are fingerprinted by the size and sha256 of
their files; hub loads by the revision and the `datasets` fingerprint of the split. The client is an
optional extra, imported only when the source loads.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import UserError
from ..execute.spill import WorkFolder
from ..version.fingerprint import file_sha256
from .base import Loaded, Source, mapped_columns
from .hf import split_records, stream_records

if TYPE_CHECKING:
    import datasets

_HUB_ID = re.compile(r"[\w.-]+/[\w.-]+")
_UNKNOWN_SPLIT = re.compile(r"Unknown split", re.IGNORECASE)
_UNKNOWN_SUBSET = re.compile(r"BuilderConfig .* not found", re.IGNORECASE)
_DEFAULT_CACHE = "~/.cache/modelscope"


@dataclass
class _Opened:
    dataset: datasets.Dataset
    inputs: list[dict]


class ModelScopeSource(Source):
    """Rows of one split of a ModelScope dataset. `columns` maps canonical field -> source column.

    `subset_name` is the dataset's subset (config), `revision` a branch, tag or commit of a hub id,
    `cache_dir` the ModelScope cache root (default: the MODELSCOPE_CACHE variable).
    """

    def __init__(
        self,
        path: str,
        subset_name: str | None = None,
        split: str = "train",
        revision: str | None = None,
        columns: Mapping[str, str] | None = None,
        id_column: str | None = None,
        keep_columns: bool = False,
        source_name: str | None = None,
        cache_dir: str | None = None,
    ):
        if not path:
            raise UserError("source.path is empty; set it to a ModelScope id (owner/name) or a local dataset folder")
        self.path, self.subset_name, self.split = str(path), subset_name, str(split)
        self.revision = str(revision) if revision is not None else None
        self.columns = mapped_columns(columns)
        self.id_column, self.keep_columns = id_column, keep_columns
        self.cache_dir = str(cache_dir) if cache_dir is not None else None
        self.name = source_name or Path(self.path.rstrip("/\\")).name
        self._opened: _Opened | None = None

    def fingerprint(self) -> list[dict]:
        return self._open().inputs

    def load(self) -> Loaded:
        opened = self._open()
        return split_records(self, opened.dataset, opened.inputs, where=f"modelscope:{self.path}")

    def stream(self, work: WorkFolder) -> Loaded:
        opened = self._open()
        return stream_records(self, opened.dataset, opened.inputs, work, where=f"modelscope:{self.path}")

    def _open(self) -> _Opened:
        if self._opened is None:
            _client()  # a missing client is the first thing to report
            self._opened = self._open_local(Path(self.path)) if os.path.exists(self.path) else self._open_hub()
        return self._opened

    def _open_local(self, root: Path, revision: str | None = None) -> _Opened:
        ds = self._load(str(root))
        files = sorted(root.rglob("*")) if root.is_dir() else [root]
        base = root if root.is_dir() else root.parent
        entries = [_file_entry(f, base) for f in files if f.is_file() and not _hidden(f, base)]
        return _Opened(ds, [self._entry(ds, revision=revision, files=entries)])

    def _open_hub(self) -> _Opened:
        if not _HUB_ID.fullmatch(self.path):
            raise UserError(
                f"source.path {self.path!r} is neither a local file or folder nor a ModelScope id like "
                "owner/name; fix source.path"
            )
        import requests

        try:
            ds = self._load(self.path)
        except (ConnectionError, requests.ConnectionError, requests.Timeout):  # the client's NetworkError too
            snapshot = self._cached_snapshot()
            revision = snapshot.name if snapshot.parent.name == "snapshots" else self.revision
            return self._open_local(snapshot, revision=revision)
        return _Opened(ds, [self._entry(ds, revision=self.revision or "master", fingerprint=ds._fingerprint)])

    def _load(self, target: str) -> datasets.Dataset:
        """`MsDataset.load` of `target` as a `datasets.Dataset`; network errors propagate (see `_open_hub`)."""
        ms_dataset = _client()
        import requests
        from modelscope.utils.file_utils import get_dataset_cache_root
        from modelscope_hub.errors import (
            AuthenticationError,
            HubError,
            NetworkError,
            NotExistError,
            PermissionDeniedError,
        )

        extra = {"version": self.revision} if self.revision and target == self.path else {}
        # The client fixes its default cache at import; read MODELSCOPE_CACHE when the source loads.
        extra["cache_dir"] = os.path.join(self.cache_dir, "datasets") if self.cache_dir else get_dataset_cache_root()
        where = self._where()
        try:
            result = ms_dataset.load(target, subset_name=self.subset_name, split=self.split, **extra)
        except (NetworkError, requests.ConnectionError, requests.Timeout):
            raise
        except NotExistError as e:
            raise UserError(
                f"{where}: ModelScope has no such dataset ({_one_line(e)}); check the id and source.revision, "
                "and log in (modelscope login, or MODELSCOPE_API_TOKEN) for a private dataset"
            ) from None
        except (AuthenticationError, PermissionDeniedError) as e:
            raise UserError(
                f"{where}: ModelScope refused access ({_one_line(e)}); log in with modelscope login or set "
                "MODELSCOPE_API_TOKEN, and accept the dataset's terms on modelscope.cn"
            ) from None
        except HubError as e:
            raise UserError(f"{where}: ModelScope failed ({_one_line(e)}); retry later or use a local copy") from None
        except ValueError as e:
            raise self._value_error(e) from None
        except FileNotFoundError as e:
            raise UserError(f"{where}: {_one_line(e)}; point source.path at a dataset folder or file") from None
        except ImportError as e:
            raise UserError(
                f"{where}: the ModelScope client needs the package {e.name or _one_line(e)} for this dataset; "
                f"pip install {e.name or 'it'}"
            ) from None
        return self._as_dataset(result)

    def _as_dataset(self, result) -> datasets.Dataset:
        import datasets

        if hasattr(result, "to_hf_dataset"):
            result = result.to_hf_dataset()
        if isinstance(result, Mapping):
            if len(result) != 1:
                raise UserError(
                    f"{self._where()}: holds splits {', '.join(map(str, result))}; set source.split to one of them"
                )
            return self._as_dataset(next(iter(result.values())))
        if not isinstance(result, datasets.Dataset):
            raise UserError(f"{self._where()}: MsDataset.load gave a {type(result).__name__}, not a table of rows")
        if result.num_rows == 0:
            raise UserError(
                f"source.split {self.split!r} of {self.path!r} has no rows; pick another source.split or fix the data"
            )
        return result

    def _value_error(self, e: ValueError) -> UserError:
        message = _one_line(e)
        if _UNKNOWN_SPLIT.search(message):
            return UserError(
                f"source.split {self.split!r} is not a split of {self.path!r} ({message}); "
                "set source.split to one of them"
            )
        if _UNKNOWN_SUBSET.search(message):
            return UserError(
                f"source.subset_name {self.subset_name!r} is not a subset of {self.path!r} ({message}); "
                "set source.subset_name to one of them"
            )
        return UserError(f"{self._where()}: {message}; check source.subset_name, source.split and source.revision")

    def _cached_snapshot(self) -> Path:
        """The copy of the hub id in the ModelScope cache, found without the network, else a `UserError`."""
        from modelscope.hub.snapshot_download import snapshot_download
        from modelscope_hub.errors import CacheError

        try:
            return Path(snapshot_download(
                repo_id=self.path, repo_type="dataset", revision=self.revision, cache_dir=self.cache_dir,
                local_files_only=True,
            ))
        except CacheError:
            cache = self.cache_dir or os.environ.get("MODELSCOPE_CACHE") or _DEFAULT_CACHE
            at = f" at revision {self.revision!r}" if self.revision else ""
            raise UserError(
                f"{self._where()}: ModelScope is unreachable and the dataset{at} is not in the local cache "
                f"(MODELSCOPE_CACHE={cache}); connect and rerun, or download it once with "
                f"`modelscope download --dataset {self.path}` (then offline runs use that copy), "
                "or set source.path to a local copy"
            ) from None

    def _where(self) -> str:
        where = f"source.path {self.path!r}"
        return f"{where}, source.subset_name {self.subset_name!r}" if self.subset_name else where

    def _entry(self, ds: datasets.Dataset, *, revision: str | None, fingerprint: str | None = None,
               files: list[dict] | None = None) -> dict:
        entry = {
            "kind": "modelscope", "path": self.path, "subset_name": self.subset_name, "split": self.split,
            "revision": revision, "rows": ds.num_rows,
        }
        if fingerprint is not None:
            entry["fingerprint"] = fingerprint
        if files is not None:
            entry["files"] = files
        return entry


def _client():
    """`MsDataset`, imported only when a ModelScope source loads."""
    try:
        from modelscope.msdatasets import MsDataset
    except ImportError:
        raise UserError("source=modelscope needs the ModelScope client: pip install 'dsbuild[modelscope]'") from None
    return MsDataset


def _hidden(path: Path, base: Path) -> bool:
    """True for client bookkeeping (`.msc`, `.mv`, temp folders): any part of the path starting with a dot."""
    return any(part.startswith(".") for part in path.relative_to(base).parts)


def _file_entry(path: Path, base: Path) -> dict:
    return {"name": path.relative_to(base).as_posix(), "bytes": path.stat().st_size, "sha256": file_sha256(path)}


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


__all__ = ["ModelScopeSource"]
