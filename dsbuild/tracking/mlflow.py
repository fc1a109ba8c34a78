"""`tracking=mlflow`: each dataset version becomes one MLflow run, so sweeps can be compared in MLflow.

A run holds the params and metrics of `run_summary`, the card (README.md with its figures), manifest.json
and rejects.jsonl as artifacts, and every split as an `mlflow.data` dataset input (context = the split
name, source = the split file in the version folder, digest = the start of the file's sha256, schema =
the fields of that file's records, e.g. cot_sft's Question / Complex-CoT / Response). A version is
logged once per experiment: a build that finds its version already built logs it only if no finished
run of the experiment carries its id (tag `dsbuild.version_id`), so turning tracking on later still
records versions built before. Jobs of a parallel sweep that share a sqlite store take turns (a lock file
beside it).

A tracking server (http/https URI) is asked once whether it answers before the build and again before
logging, with no retry and a short timeout: MLflow's own client retries a refused request 7 times with
growing pauses (about 4 minutes of urllib3 warnings) before it gives up, so a server that is down would
otherwise cost minutes of noise, and a build's work, before its error. mlflow is imported only for that
check and when a run is logged (it takes a second or two).
"""

from __future__ import annotations

import importlib.util
import os
import warnings
from contextlib import contextmanager, nullcontext
from pathlib import Path
from urllib.parse import urlparse

import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import UserError
from ..review.version_reader import MANIFEST, REJECTS, read_json, read_jsonl, rows_table
from ..version.fingerprint import file_sha256
from .base import Tracker
from .run_summary import run_metrics, run_params

VERSION_TAG = "dsbuild.version_id"
CARD = "README.md"
DIGEST_CHARS = 16
INSTALL_HINT = 'tracking=mlflow needs the mlflow package; pip install "dsbuild[mlflow]" (or tracking=none)'
SERVER_SCHEMES = ("http", "https")
# MLflow reads these at every request: no retry, and seconds (not MLflow's 120) to connect and to answer
CHECK_ENV = {"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0", "MLFLOW_HTTP_REQUEST_TIMEOUT": "5"}
REASON_CHARS = 200


class MlflowTracker(Tracker):
    """Log versions to the MLflow tracking store at `tracking_uri`, in the experiment `experiment`.

    Made before the build: a missing package, an empty experiment name or a tracking server that does not
    answer stop the command before anything is built.
    """

    def __init__(self, tracking_uri: str, experiment: str, run_name: str | None = None,
                 artifact_location: str | None = None) -> None:
        if importlib.util.find_spec("mlflow") is None:
            raise UserError(INSTALL_HINT)
        if not str(experiment or "").strip():
            raise UserError("tracking.experiment is empty; name the MLflow experiment, e.g. tracking.experiment=my_qa")
        self.tracking_uri = absolute_uri(str(tracking_uri))
        self.experiment = str(experiment)
        self.run_name = run_name
        self.artifact_location = artifact_location_for(self.tracking_uri, artifact_location)
        self._check_server("nothing was built: start the server, fix tracking.tracking_uri, or build without "
                           "tracking (tracking=none)")

    def log(self, version: Path) -> str:
        from mlflow.exceptions import MlflowException

        self._check_server(f"the version is written ({version}): start the server (or fix tracking.tracking_uri) "
                           "and run the same command again to log it")
        manifest = read_json(Path(version) / MANIFEST)
        try:
            with _store_lock(self.tracking_uri):
                return self._log(Path(version), manifest)
        except MlflowException as exc:
            raise UserError(
                f"tracking: could not log {version} to MLflow at {self.tracking_uri} ({_first_line(exc.message)}); "
                "the version is written: fix tracking.tracking_uri and run the same command again to log it"
            ) from None

    def _log(self, version: Path, manifest: dict) -> str:
        import mlflow

        client = mlflow.MlflowClient(self.tracking_uri)
        experiment_id = self._experiment_id(client)
        vid = manifest["version_id"]
        logged = client.search_runs(
            [experiment_id], f"tags.`{VERSION_TAG}` = '{vid}' and attributes.status = 'FINISHED'", max_results=1
        )
        if logged:
            return f"MLflow: version {vid} is already run {logged[0].info.run_id} of experiment {self.experiment!r}"
        mlflow.set_tracking_uri(self.tracking_uri)
        tags = {VERSION_TAG: vid, "dsbuild.path": str(version), "dsbuild.name": manifest["name"]}
        with mlflow.start_run(experiment_id=experiment_id, run_name=self.run_name or vid, tags=tags) as run:
            mlflow.log_params(run_params(manifest))
            mlflow.log_metrics(run_metrics(version, manifest))
            for name in [CARD, MANIFEST, REJECTS, *sorted(manifest.get("figures") or {})]:
                if (version / name).is_file():
                    mlflow.log_artifact(str(version / name))
            for split, dataset in _split_datasets(version, manifest):
                mlflow.log_input(dataset, context=split)
        return (f"MLflow: logged version {vid} as run {run.info.run_id} of experiment {self.experiment!r} "
                f"({self.tracking_uri})")

    def _check_server(self, then: str) -> None:
        """A one-line UserError (ending with `then`) unless the tracking server answers at once.

        The check is a lookup of the experiment by name, through MLflow's own client with CHECK_ENV set,
        so it goes where logging goes, with the same credentials (MLFLOW_TRACKING_USERNAME, ...); a store
        that is not a server (sqlite, a folder, databricks) is not checked.
        """
        if urlparse(self.tracking_uri).scheme not in SERVER_SCHEMES:
            return
        import mlflow
        from mlflow.exceptions import MlflowException

        try:
            with _environ(CHECK_ENV):
                mlflow.MlflowClient(self.tracking_uri).get_experiment_by_name(self.experiment)
        except MlflowException as exc:
            unreachable = _os_reason(exc)
            answer = _first_line(exc.message)[:REASON_CHARS]
            problem = (f"the MLflow server does not respond ({unreachable})" if unreachable else
                       f"the MLflow server answered the check with an error ({answer})")
            raise UserError(f"tracking.tracking_uri={self.tracking_uri}: {problem}; {then}") from None

    def _experiment_id(self, client) -> str:
        """The experiment's id, created on first use (another sweep job may create it at the same moment)."""
        from mlflow.exceptions import MlflowException

        found = client.get_experiment_by_name(self.experiment)
        if found is not None:
            return found.experiment_id
        try:
            return client.create_experiment(self.experiment, artifact_location=self.artifact_location)
        except MlflowException:
            found = client.get_experiment_by_name(self.experiment)
            if found is None:
                raise
            return found.experiment_id


def absolute_uri(uri: str) -> str:
    """`uri` with a relative sqlite file or store folder made absolute against the working directory."""
    parsed = urlparse(uri)
    if parsed.scheme == "sqlite" and uri.startswith("sqlite:///") and not uri.startswith("sqlite:////"):
        path = Path(uri[len("sqlite:///"):]).expanduser().resolve()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UserError(f"tracking.tracking_uri: cannot create the folder {path.parent} ({exc.strerror}); "
                            "point it at a folder you can write") from None
        return f"sqlite:///{path}"
    if parsed.scheme in ("", "file") and not uri.startswith("file://"):
        return str(Path(uri).expanduser().resolve())
    return uri


def artifact_location_for(tracking_uri: str, configured: str | None) -> str | None:
    """Where a new experiment stores artifacts: the configured place, else `mlartifacts` beside a local store."""
    if configured:
        return configured if "://" in configured else Path(configured).expanduser().resolve().as_uri()
    if tracking_uri.startswith("sqlite:///"):
        return (Path(tracking_uri[len("sqlite:///"):]).parent / "mlartifacts").as_uri()
    return None


def _store_lock(tracking_uri: str):
    """A lock file beside a sqlite store: parallel sweep jobs would otherwise race to create its tables."""
    if not tracking_uri.startswith("sqlite:///"):
        return nullcontext()
    from filelock import FileLock

    return FileLock(tracking_uri[len("sqlite:///"):] + ".lock")


def _split_datasets(version: Path, manifest: dict):
    """(split name, mlflow dataset) for every split with a file: the file's records, sourced at the file."""
    import mlflow.data

    for split, info in manifest["splits"].items():
        if not info.get("file"):
            continue
        path = version / info["file"]
        with warnings.catch_warnings():  # a local path matches two registered kinds of source; both are files
            warnings.simplefilter("ignore", UserWarning)
            dataset = mlflow.data.from_pandas(
                _file_records(path, info.get("sha256")).to_pandas(), source=str(path),
                name=f"{manifest['name']}-{split}", digest=info["sha256"][:DIGEST_CHARS],
            )
        yield split, dataset


def _file_records(path: Path, sha256: str | None) -> pa.Table:
    """The records of a split file as a trainer reads them (one column per field), checked against its sha256."""
    if not path.is_file():
        raise UserError(f"{path}: split file listed in {MANIFEST} is missing; rebuild the version")
    if sha256 and file_sha256(path) != sha256:
        raise UserError(f"{path}: sha256 differs from {MANIFEST}; the file was changed after the build, "
                        "rebuild the version or restore the file")
    if path.suffix == ".parquet":
        return pq.read_table(path)
    records = read_json(path) if path.suffix == ".json" else read_jsonl(path)
    if not isinstance(records, list) or not all(isinstance(record, dict) for record in records):
        raise UserError(f"{path}: not a JSON list of records; the version folder is damaged, rebuild it")
    return rows_table(records, str(path))


@contextmanager
def _environ(values: dict[str, str]):
    """The environment variables `values` set while inside, then put back as they were."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _os_reason(exc: BaseException) -> str | None:
    """The innermost OS error behind a failed request (`Connection refused`, `timed out`, ...), or None when the
    request got an answer (an HTTP error status)."""
    reason, seen, visited = None, exc, set()
    while seen is not None and id(seen) not in visited:
        visited.add(id(seen))
        if isinstance(seen, OSError):  # requests' own errors are OSErrors too: the innermost one says it best
            reason = seen.strerror or str(seen)
        seen = seen.__cause__ or seen.__context__
    return _first_line(reason)[:REASON_CHARS] if reason else None


def _first_line(text: str) -> str:
    return str(text).strip().splitlines()[0] if str(text).strip() else str(text)
