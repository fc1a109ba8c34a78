"""`tracking=mlflow`: each dataset version becomes one MLflow run, so sweeps can be compared in MLflow.

A run holds the params and metrics of `run_summary`, the card (README.md with its figures), manifest.json
and rejects.jsonl as artifacts, and every split as an `mlflow.data` dataset input (context = the split
name, source = the split file in the version folder, digest = the start of the file's sha256). A version
is logged once per experiment: a build that finds its version already built logs it only if no finished
run of the experiment carries its id (tag `dsbuild.version_id`), so turning tracking on later still
records versions built before. Jobs of a parallel sweep that share a sqlite store take turns (a lock file
beside it). mlflow is imported only when a run is logged (it takes seconds).
"""

from __future__ import annotations

import importlib.util
import warnings
from contextlib import nullcontext
from pathlib import Path
from urllib.parse import urlparse

from ..errors import UserError
from ..review.version_reader import MANIFEST, REJECTS, read_json, read_version
from .base import Tracker
from .run_summary import run_metrics, run_params

VERSION_TAG = "dsbuild.version_id"
CARD = "README.md"
DIGEST_CHARS = 16
INSTALL_HINT = 'tracking=mlflow needs the mlflow package; pip install "dsbuild[mlflow]" (or tracking=none)'


class MlflowTracker(Tracker):
    """Log versions to the MLflow tracking store at `tracking_uri`, in the experiment `experiment`."""

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

    def log(self, version: Path) -> str:
        from mlflow.exceptions import MlflowException

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
    """(split name, mlflow dataset) for every split with a file: its canonical rows, sourced at the file."""
    import mlflow.data

    for split, table in read_version(version).splits.items():
        info = manifest["splits"][split]
        if not info.get("file"):
            continue
        with warnings.catch_warnings():  # a local path matches two registered kinds of source; both are files
            warnings.simplefilter("ignore", UserWarning)
            dataset = mlflow.data.from_pandas(
                table.to_pandas(), source=str(version / info["file"]), name=f"{manifest['name']}-{split}",
                digest=info["sha256"][:DIGEST_CHARS],
            )
        yield split, dataset


def _first_line(text: str) -> str:
    return str(text).strip().splitlines()[0] if str(text).strip() else str(text)
