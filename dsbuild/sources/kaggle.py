"""`source=kaggle`: one data file of a Kaggle dataset, fetched with the official `kagglehub` client.

`kagglehub.dataset_download` puts the dataset (or just `file`) in its cache (KAGGLEHUB_CACHE) and a
pinned `version` that is already there loads without the network; dsbuild's `read_file` then reads
the file (a build streams it in chunks, as `source=files` does), so `source_ref` is
`<owner>/<dataset>/<file>:line N` (or `row N`). The fingerprint is the handle, the version and the
file's size and sha256. Credentials come only from the environment
(KAGGLE_API_TOKEN, KAGGLE_USERNAME/KAGGLE_KEY or ~/.kaggle), never from the config. The client is an
optional extra, imported only when the source loads.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ..errors import UserError
from ..execute.spill import WorkFolder
from ..version.fingerprint import file_sha256
from .base import Loaded, Source, mapped_columns, to_records
from .chunks import BLOCK_BYTES, read_chunks
from .readers import FORMATS, SUFFIX_FORMATS, read_file
from .streaming import Unstreamable, streamed_records

_LISTED = 10  # file names shown in an error message
log = logging.getLogger("dsbuild")


@dataclass
class _Fetched:
    path: Path
    file: str
    version: int | None


class KaggleSource(Source):
    """Rows of one file of a Kaggle dataset. `columns` maps canonical field -> source column.

    `handle` is `owner/dataset` (or `owner/dataset/versions/N`); `file` is the path inside the dataset,
    needed when it has more than one data file; `version` pins a version (needed offline).
    """

    def __init__(
        self,
        handle: str,
        file: str | None = None,
        version: int | None = None,
        format: str = "auto",
        encoding: str = "auto",
        columns: Mapping[str, str] | None = None,
        id_column: str | None = None,
        keep_columns: bool = False,
        name: str | None = None,
    ):
        self.owner, self.slug, self.version = _parse_handle(handle, version)
        if format != "auto" and format not in FORMATS:
            raise UserError(f"source.format {format!r} is unknown; use auto or one of {', '.join(FORMATS)}")
        self.handle = f"{self.owner}/{self.slug}"
        self.file = str(file).strip("/") if file else None
        self.format, self.encoding = format, encoding
        self.columns = mapped_columns(columns)
        self.id_column, self.keep_columns = id_column, keep_columns
        self.name = name or self.slug
        self._fetched: _Fetched | None = None
        self._fingerprint: list[dict] | None = None

    def fingerprint(self) -> list[dict]:
        if self._fingerprint is None:
            fetched = self._fetch()
            self._fingerprint = [{
                "kind": "kaggle", "handle": self.handle, "version": fetched.version, "file": fetched.file,
                "bytes": fetched.path.stat().st_size, "sha256": file_sha256(fetched.path),
            }]
        return self._fingerprint

    def load(self) -> Loaded:
        fetched = self._fetch()
        read = read_file(fetched.path, self.format, self.encoding)
        records, rejected = to_records(
            read.table, read.refs.column(f"{self.handle}/{fetched.file}"), source_name=self.name,
            columns=self.columns, id_column=self.id_column, where=f"kaggle:{self.handle}/{fetched.file}",
            keep_columns=self.keep_columns,
        )
        return Loaded(records, rows_read=read.table.num_rows, inputs=self.fingerprint(), rejected=rejected)

    def stream(self, work: WorkFolder, block_bytes: int = BLOCK_BYTES) -> Loaded:
        """The records of `load`, in a spill in `work`, reading the file in chunks of about `block_bytes`
        (as `source=files` does; it loads whole when the chunks cannot give exactly `load`'s rows)."""
        fetched = self._fetch()
        rel = f"{self.handle}/{fetched.file}"
        pieces = ((read.table, read.refs.column(rel))
                  for read in read_chunks(fetched.path, self.format, self.encoding, block_bytes))
        try:
            records, rejected, rows = streamed_records(
                work, pieces, source_name=self.name, columns=self.columns, id_column=self.id_column,
                keep_columns=self.keep_columns, where=f"kaggle:{rel}")
        except Unstreamable as why:
            log.warning("source %s: read whole in memory, not in chunks: %s", self.name, why)
            return self.load()
        return Loaded(records, rows_read=rows, inputs=self.fingerprint(), rejected=rejected)

    def _fetch(self) -> _Fetched:
        if self._fetched is None:
            kagglehub = _client()
            handle = f"{self.handle}/versions/{self.version}" if self.version else self.handle
            if self.file and not self._bundle_cached():
                path = Path(self._download(kagglehub, handle, self.file))
                if path.is_dir():
                    raise UserError(
                        f"source.file {self.file!r} is a folder of {self.handle}; name a file in it "
                        f"({_listing(_data_files(path))})"
                    )
                root = _strip(path, self.file)
            else:
                root = Path(self._download(kagglehub, handle, None))
            file = self._pick(root)
            self._fetched = _Fetched(root / file, file, _version_of(root) or self.version)
        return self._fetched

    def _bundle_cached(self) -> bool:
        """True when the whole pinned version is in the cache, so `file` is read from it."""
        if not self.version:
            return False
        from kagglehub.cache import Cache
        from kagglehub.handle import DatasetHandle

        return Cache().load_from_cache(DatasetHandle(self.owner, self.slug, self.version)) is not None

    def _pick(self, root: Path) -> str:
        """The dataset file to read, relative to the dataset folder."""
        if self.file:
            if not (root / self.file).is_file():
                raise UserError(
                    f"source.file {self.file!r} is not in {self.handle} ({_listing(_data_files(root))}); "
                    "fix source.file"
                )
            return self.file
        files = _data_files(root)
        if len(files) == 1:
            return files[0]
        if not files:
            others = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
            raise UserError(
                f"{self.handle} has no json, jsonl, csv, tsv, parquet or txt file ({_listing(others)}); "
                "set source.file and source.format to read one of its files"
            )
        raise UserError(f"{self.handle} has {len(files)} data files ({_listing(files)}); set source.file to one")

    def _download(self, kagglehub, handle: str, file: str | None) -> str:
        import requests
        from kagglehub.exceptions import KaggleApiHTTPError, UnauthenticatedError

        what = handle + (f", source.file {file!r}" if file else "")
        try:
            return kagglehub.dataset_download(handle, file) if file else kagglehub.dataset_download(handle)
        except KaggleApiHTTPError as e:
            status = e.response.status_code if e.response is not None else None
            if status in (401, 403):
                raise self._auth_error(what, status) from None
            if status == 404:
                raise UserError(
                    f"Kaggle has no dataset {what}; check source.handle, source.version and source.file "
                    f"(https://www.kaggle.com/datasets/{self.handle})"
                ) from None
            raise UserError(f"Kaggle failed for {what} (HTTP {status}); retry later") from None
        except UnauthenticatedError:
            raise self._auth_error(what, None) from None
        except (requests.ConnectionError, requests.Timeout, ConnectionError):
            raise self._unreachable() from None
        except ValueError as e:
            raise UserError(f"source.file {file!r} of {self.handle}: {_one_line(e)}; fix source.file") from None

    def _auth_error(self, what: str, status: int | None) -> UserError:
        answer = f" (HTTP {status})" if status else ""
        return UserError(
            f"Kaggle refused {what}{answer}; set KAGGLE_API_TOKEN (or KAGGLE_USERNAME and KAGGLE_KEY, or "
            "~/.kaggle/kaggle.json) in the environment and accept the dataset's rules on kaggle.com"
        )

    def _unreachable(self) -> UserError:
        from kagglehub.config import get_cache_folder

        cache = get_cache_folder()
        if self.version:
            return UserError(
                f"Kaggle is unreachable and {self.handle} version {self.version} is not in the local cache "
                f"(KAGGLEHUB_CACHE={cache}); connect and rerun once to download it, or use source=files on a local copy"
            )
        cached = _cached_versions(Path(cache) / "datasets" / self.owner / self.slug)
        if cached:
            return UserError(
                f"Kaggle is unreachable, so the latest version of {self.handle} cannot be looked up; cached "
                f"versions: {', '.join(map(str, cached))} (KAGGLEHUB_CACHE={cache}); set source.version={cached[0]} "
                "to use the cached copy"
            )
        return UserError(
            f"Kaggle is unreachable and {self.handle} is not in the local cache (KAGGLEHUB_CACHE={cache}); "
            "connect and rerun once to download it (then pin source.version to work offline), "
            "or use source=files on a local copy"
        )


def _client():
    """The `kagglehub` module, imported only when a Kaggle source loads."""
    try:
        import kagglehub
    except ImportError:
        raise UserError("source=kaggle needs the Kaggle client: pip install 'dsbuild[kaggle]'") from None
    return kagglehub


def _parse_handle(handle: str, version: int | str | None) -> tuple[str, str, int | None]:
    """(owner, dataset, version) from `owner/dataset` or `owner/dataset/versions/N` and `source.version`."""
    parts = str(handle or "").strip().strip("/").split("/")
    pinned = None
    if len(parts) == 4 and parts[2] == "versions":
        pinned = _positive(parts[3], f"the version in source.handle {handle!r}")
        parts = parts[:2]
    if len(parts) != 2 or not all(parts):
        raise UserError(
            f"source.handle {handle!r} is not a Kaggle dataset handle; use owner/dataset as in "
            "kaggle.com/datasets/owner/dataset (optionally with /versions/N)"
        )
    if version is not None:
        version = _positive(version, "source.version")
        if pinned is not None and pinned != version:
            raise UserError(
                f"source.handle {handle!r} pins version {pinned} but source.version is {version}; keep one of them"
            )
    return parts[0], parts[1], pinned or version


def _positive(value: int | str, what: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if number < 1 or str(value).strip() != str(number):
        raise UserError(f"{what} is {value!r}; use a positive whole number (the N of a dataset's versions/N)")
    return number


def _data_files(root: Path) -> list[str]:
    return sorted(
        p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIX_FORMATS
    )


def _strip(path: Path, file: str) -> Path:
    """The dataset folder holding `path`, the downloaded `file`."""
    for _ in Path(file).parts:
        path = path.parent
    return path


def _version_of(root: Path) -> int | None:
    """The version kagglehub resolved, from its cache layout `.../<owner>/<dataset>/versions/<N>`."""
    if root.parent.name == "versions" and root.name.isdigit():
        return int(root.name)
    return None


def _cached_versions(dataset_dir: Path) -> list[int]:
    """Versions of a dataset in the kagglehub cache, newest first."""
    versions = dataset_dir / "versions"
    if not versions.is_dir():
        return []
    found = [int(d.name) for d in versions.iterdir() if d.is_dir() and d.name.isdigit() and any(d.iterdir())]
    return sorted(found, reverse=True)


def _listing(names: list[str]) -> str:
    if not names:
        return "no files"
    shown = ", ".join(names[:_LISTED])
    return f"files: {shown}" + (f" and {len(names) - _LISTED} more" if len(names) > _LISTED else "")


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


__all__ = ["KaggleSource"]
