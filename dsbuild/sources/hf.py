"""`source=hf`: a Hugging Face dataset from the Hub, a local dataset folder, or a `save_to_disk` folder.

`source_ref` is `<path>:<split>[<row>]`. Local data files are fingerprinted by size and sha256; Hub
datasets by the commit they were loaded at and the `datasets` fingerprint of the split.
"""

from __future__ import annotations

import inspect
import json
import logging
import os
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import UserError
from ..execute.spill import WorkFolder
from ..version.fingerprint import file_sha256
from .base import Loaded, Source, mapped_columns, to_records
from .streaming import RecordStream, Unstreamable

if TYPE_CHECKING:
    import datasets

log = logging.getLogger("dsbuild")
_COMMIT_SHA = re.compile(r"[0-9a-f]{40}")
_HF_TOKEN = re.compile(r"hf_[A-Za-z0-9]{8,}")


@dataclass
class _Opened:
    dataset: datasets.Dataset
    inputs: list[dict]


class HFSource(Source):
    """Rows of one split of a Hugging Face dataset. `columns` maps canonical field -> source column.

    `path` is a Hub id, a local dataset folder, a `save_to_disk` folder, or a builder name ("json",
    "csv", "parquet", ...) used with `data_files`. A saved single `Dataset` is read whole; `split` picks
    a split of a saved `DatasetDict` and may use slices (`train[:1000]`) otherwise.
    """

    def __init__(
        self,
        path: str,
        name: str | None = None,
        split: str = "train",
        revision: str | None = None,
        data_files: str | Sequence[str] | Mapping[str, str | Sequence[str]] | None = None,
        columns: Mapping[str, str] | None = None,
        id_column: str | None = None,
        keep_columns: bool = False,
        source_name: str | None = None,
        trust_remote_code: bool = False,
    ):
        if not path:
            raise UserError("source.path is empty; set it to a Hub id, a dataset folder, or json/csv/parquet")
        self.path, self.config_name, self.split = str(path), name, str(split)
        self.revision = str(revision) if revision is not None else None
        self.data_files = _plain(data_files)
        self.columns = mapped_columns(columns)
        self.id_column, self.keep_columns = id_column, keep_columns
        self.trust_remote_code = trust_remote_code
        self.name = source_name or Path(self.path.rstrip("/\\")).name
        self._opened: _Opened | None = None

    def fingerprint(self) -> list[dict]:
        return self._open().inputs

    def load(self) -> Loaded:
        opened = self._open()
        return split_records(self, opened.dataset, opened.inputs, where=f"hf:{self.path}")

    def stream(self, work: WorkFolder) -> Loaded:
        opened = self._open()
        return stream_records(self, opened.dataset, opened.inputs, work, where=f"hf:{self.path}")

    def _open(self) -> _Opened:
        if self._opened is None:
            self._opened = self._open_saved() if _is_saved(self.path) else self._open_with_builder()
        return self._opened

    def _open_saved(self) -> _Opened:
        import datasets

        root = Path(self.path)
        target = root
        if (root / "dataset_dict.json").is_file():
            splits = json.loads((root / "dataset_dict.json").read_text(encoding="utf-8"))["splits"]
            self._check_split([self.split], splits)
            target = root / self.split
        if not json.loads((target / "state.json").read_text(encoding="utf-8"))["_data_files"]:
            raise self._empty()
        ds = datasets.load_from_disk(str(target))
        files = [_file_entry(f, root) for f in sorted(target.rglob("*")) if f.is_file()]
        return _Opened(ds, [self._entry(ds, revision=self.revision, files=files)])

    def _open_with_builder(self) -> _Opened:
        builder = self._builder()
        names = _split_names(self.split)
        splits = builder.info.splits or {}
        self._check_split(names, list(splits))
        if all(splits[n].num_examples == 0 for n in names):
            raise self._empty()
        try:
            ds = builder.as_dataset(split=self.split)
        except ValueError as e:
            raise UserError(
                f"source.split {self.split!r} of {self.path!r} selects no rows or is malformed "
                f"({_one_line(e)}); use a split name, optionally sliced like train[:1000] or train[10%:]"
            ) from None
        data_files = builder.config.data_files or {}
        files = [f for n in names for f in data_files.get(n, [])]
        if files and not any("://" in f for f in files):
            parents = [os.path.dirname(f) for f in files]
            base = Path(self.path if os.path.isdir(self.path) else os.path.commonpath(parents))
            entries = [_file_entry(Path(f), base) for f in files]
            return _Opened(ds, [self._entry(ds, revision=self.revision, files=entries)])
        commit = builder.hash if _COMMIT_SHA.fullmatch(builder.hash or "") else None
        if commit and self.revision and _COMMIT_SHA.fullmatch(self.revision) and commit != self.revision:
            raise UserError(
                f"source.revision {self.revision!r} of {self.path!r} is not the copy that was loaded "
                f"(commit {commit}; offline, datasets uses the latest cached copy); load that revision once "
                f"online, or set source.revision={commit}"
            )
        return _Opened(ds, [self._entry(ds, revision=commit or self.revision, fingerprint=ds._fingerprint)])

    def _builder(self):
        import datasets
        from datasets.exceptions import DatasetGenerationError, DatasetNotFoundError

        extra = {}
        if "trust_remote_code" in inspect.signature(datasets.load_dataset_builder).parameters:
            extra["trust_remote_code"] = self.trust_remote_code
        elif self.trust_remote_code:
            warnings.warn(
                f"source.trust_remote_code has no effect: datasets {datasets.__version__} no longer runs "
                "dataset loading scripts",
                stacklevel=2,
            )
        where = f"source.path {self.path!r}"
        if self.config_name:
            where += f", source.name {self.config_name!r}"
        try:
            builder = datasets.load_dataset_builder(
                self.path, self.config_name, revision=self.revision, data_files=self.data_files, **extra
            )
            builder.download_and_prepare()
        except ConnectionError:
            hub = "is disabled by offline mode" if datasets.config.HF_HUB_OFFLINE else "is unreachable"
            raise UserError(
                f"{where}: not a local dataset folder and not in the local datasets cache, and the "
                f"Hugging Face Hub {hub}; use a local folder, or json/csv/parquet with source.data_files, "
                "or load it once online and rerun with HF_DATASETS_OFFLINE=1 to use the cached copy"
            ) from None
        except DatasetNotFoundError as e:
            raise UserError(
                f"{where}: {_one_line(e)}; check the Hub id and source.revision, and log in "
                "(hf auth login, or the HF_TOKEN variable) for private or gated datasets"
            ) from None
        except FileNotFoundError as e:
            raise UserError(
                f"{where}: {_one_line(e)}; point source.path at a dataset folder or a Hub id, "
                "or fix source.data_files"
            ) from None
        except DatasetGenerationError as e:
            raise UserError(
                f"{where}: cannot read the data files ({_one_line(e.__cause__ or e)}); "
                "fix or remove the bad file"
            ) from None
        except StopIteration:
            raise UserError(
                f"{where}: a data file is empty, so its columns cannot be inferred; remove it or add rows"
            ) from None
        except ValueError as e:
            raise UserError(
                f"{where}: {_one_line(e)}; check source.name, source.data_files and source.revision"
            ) from None
        return builder

    def _check_split(self, names: list[str], available: list[str]) -> None:
        unknown = [n for n in names if n not in available]
        if unknown:
            raise UserError(
                f"source.split {unknown[0]!r} is not a split of {self.path!r} (splits: "
                f"{', '.join(map(str, available)) or 'none'}); set source.split to one of them"
            )

    def _empty(self) -> UserError:
        return UserError(
            f"source.split {self.split!r} of {self.path!r} has no rows; "
            "pick another source.split or fix the data"
        )

    def _entry(self, ds: datasets.Dataset, *, revision: str | None, fingerprint: str | None = None,
               files: list[dict] | None = None) -> dict:
        entry = {
            "kind": "hf", "path": self.path, "name": self.config_name, "split": self.split,
            "revision": revision, "rows": ds.num_rows,
        }
        if fingerprint is not None:
            entry["fingerprint"] = fingerprint
        if files is not None:
            entry["files"] = files
        return entry


def split_records(source, dataset: datasets.Dataset, inputs: list[dict], *, where: str) -> Loaded:
    """A loaded split as records: `source_ref` `<path>:<split>[row]`, columns and ids from `source`'s settings."""
    table = dataset.with_format("arrow")[:]
    records, rejected = to_records(
        table, _refs(source, 0, table.num_rows), source_name=source.name, columns=source.columns,
        id_column=source.id_column, where=where, keep_columns=source.keep_columns,
    )
    return Loaded(records, rows_read=table.num_rows, inputs=inputs, rejected=rejected)


def stream_records(source, dataset: datasets.Dataset, inputs: list[dict], work: WorkFolder, *, where: str) -> Loaded:
    """`split_records`, batch by batch into a spill in `work`: the split's Arrow data is never read whole.

    The column, id-column and lineage checks run first on the empty split, so mistakes read as `load`'s.
    """
    arrow = dataset.with_format("arrow")
    to_records(arrow[:0], pa.array([], pa.string()), source_name=source.name, columns=source.columns,
               id_column=source.id_column, where=where, keep_columns=source.keep_columns)
    stream = RecordStream(work, source_name=source.name, columns=source.columns, id_column=source.id_column,
                          keep_columns=source.keep_columns, where=where)
    try:
        for table in arrow.iter(batch_size=work.batch_rows):
            stream.add(table, _refs(source, stream.rows, table.num_rows))
        records, rejected = stream.finish()
    except Unstreamable as why:
        stream.discard()
        log.warning("source %s: read whole in memory, not in batches: %s", source.name, why)
        return split_records(source, dataset, inputs, where=where)
    except BaseException:
        stream.discard()
        raise
    return Loaded(records, rows_read=stream.rows, inputs=inputs, rejected=rejected)


def _refs(source, start: int, n: int) -> pa.Array:
    """`<path>:<split>[row]` for rows start .. start + n - 1."""
    numbers = pc.cast(pa.array(np.arange(start, start + n, dtype=np.int64)), pa.string())
    return pc.binary_join_element_wise(f"{source.path}:{source.split}[", numbers, "]", "")


def _is_saved(path: str) -> bool:
    """True for a folder written by `Dataset.save_to_disk` or `DatasetDict.save_to_disk`."""
    p = Path(path)
    if (p / "dataset_dict.json").is_file():
        return True
    return (p / "state.json").is_file() and (p / "dataset_info.json").is_file()


def _split_names(split: str) -> list[str]:
    """Split names in a split expression: `train[:10%]+test` -> ["train", "test"]."""
    return [part.split("[", 1)[0].strip() for part in split.split("+")]


def _file_entry(path: Path, base: Path) -> dict:
    return {
        "name": Path(os.path.relpath(path, base)).as_posix(),
        "bytes": path.stat().st_size,
        "sha256": file_sha256(path),
    }


def _plain(value):
    """Config containers (e.g. OmegaConf) as plain dicts and lists, which `datasets` expects."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, Sequence):
        return [_plain(v) for v in value]
    return str(value)


def _one_line(exc: BaseException) -> str:
    """An exception's message on one line, with anything token-shaped masked."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return _HF_TOKEN.sub("hf_***", text)


__all__ = ["HFSource"]
