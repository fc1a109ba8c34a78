"""`augment.image`: an albumentations pipeline written in YAML, applied to copies of image rows.

    image:
      _target_: dsbuild.augment.images.ImageAugment
      boxes: clip            # a box partly outside the image after a transform: clip it, or drop it (and its label)
      min_visibility: 0.0    # boxes keeping less than this share of their area are dropped (always, both rules)
      quality: 95            # JPEG quality of copies of JPEG originals
      transforms:            # name -> albumentations transform (presets: conf/augment/image/*.yaml), run in order
        rotate: {_target_: albumentations.Affine, rotate: [-30, 30], p: 1.0}

Each copy is decoded, transformed with its own seed (one shared random stream for the whole pipeline,
so two transforms with p=0.5 fire independently), and written to the version's media folder in its
original format (JPEG stays JPEG, PNG stays PNG, anything else becomes PNG). Boxes (COCO pixels) move
with the pixels; a box fully outside, or under `min_visibility`, is dropped with its label. Keypoints
([x, y] pixels) move too and those leaving the image are dropped. Coordinates are rounded to 1/1000
pixel: albumentations computes them in float32. Output columns: `image` (media path relative to the
version), `image_sha256`, `width`, `height`, `format`, and `boxes` / `box_labels` / `keypoints` when
the rows have them.
"""

from __future__ import annotations

import os
import random
import warnings
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context
from pathlib import Path

import cv2
import numpy as np
import pyarrow as pa

from ..errors import UserError
from .base import AugmentContext, Augmented, Copies, MediaFolder, Modality
from .image_io import KEPT_FORMATS, ImageReadError, encode_pixels, output_format, read_pixels


def _import_albumentations():
    """albumentations, imported without its version check (it asks PyPI for a newer release on import)."""
    os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")
    import albumentations

    return albumentations


A = _import_albumentations()

BOX_RULES = ("clip", "drop")
DROP_VISIBILITY = 1 - 1e-4  # boxes=drop: a box that lost more than 0.01% of its area to the border goes
DIGITS = 3  # box and keypoint coordinates are rounded to 1/1000 pixel (albumentations works in float32)
MAX_PARAM_VALUES = 64  # sampled arrays up to this size are kept in `applied`; bigger ones (noise maps) are left out
SKIPPED_PARAMS = frozenset({"shape"})  # the input's shape, not a sampled parameter
_SUFFIX_FORMATS = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG"}
_OMIT = object()


class ImageAugment(Modality):
    """Copies of image rows made by an albumentations pipeline; boxes and keypoints follow the pixels."""

    name = "image"

    def __init__(
        self,
        transforms: Mapping[str, object | None],
        boxes: str = "clip",
        min_visibility: float = 0.0,
        quality: int = 95,
    ):
        self.transforms = _checked_transforms(transforms)
        if boxes not in BOX_RULES:
            raise UserError(f"augment.image.boxes {boxes!r} is unknown; use clip or drop")
        if isinstance(min_visibility, bool) or not isinstance(min_visibility, int | float) \
                or not 0.0 <= min_visibility <= 1.0:
            raise UserError(f"augment.image.min_visibility must be a number between 0 and 1, got {min_visibility!r}")
        if isinstance(quality, bool) or not isinstance(quality, int) or not 1 <= quality <= 100:
            raise UserError(f"augment.image.quality must be a whole number from 1 to 100, got {quality!r}")
        self.boxes, self.min_visibility, self.quality = boxes, float(min_visibility), quality

    def check(self, schema: pa.Schema) -> None:
        if "image" not in schema.names:
            raise UserError(
                f"augment.image needs an `image` column (image file paths) but the rows have {', '.join(schema.names)}"
                "; load them with source=images or map your column to `image` with source.columns"
            )
        if not pa.types.is_string(schema.field("image").type) and not pa.types.is_large_string(
                schema.field("image").type):
            raise UserError(f"augment.image: the `image` column holds {schema.field('image').type}, not file paths; "
                            "load the rows with source=images")

    def augment(self, copies: Copies, context: AugmentContext) -> Augmented:
        self.check(copies.rows.schema)
        job = _Job(self, copies, context.media)
        n = len(job.seeds)
        step = max(1, min(64, -(-n // (max(1, context.workers) * 8))))
        bounds = [(start, min(start + step, n)) for start in range(0, n, step)]
        if context.workers > 1 and len(bounds) > 1:
            return job.assembled(_in_processes(job, bounds, context))
        results: list[tuple] = []
        for start, stop in bounds:
            results += [job.make(i) for i in range(start, stop)]
            _report(context, stop, n)
        return job.assembled(results)

    def compose(self, has_boxes: bool, has_keypoints: bool) -> A.Compose:
        """The pipeline as one albumentations Compose, with box / keypoint handling when the rows have them."""
        visibility = max(self.min_visibility, DROP_VISIBILITY) if self.boxes == "drop" else self.min_visibility
        bbox_params = A.BboxParams(format="coco", min_visibility=visibility) if has_boxes else None
        keypoint_params = A.KeypointParams(format="xy", remove_invisible=True) if has_keypoints else None
        with warnings.catch_warnings():  # "got processor for bboxes but no transform to process it": pixel-only
            warnings.simplefilter("ignore", UserWarning)
            return A.Compose(list(self.transforms.values()), bbox_params=bbox_params,
                             keypoint_params=keypoint_params, save_applied_params=True)


class _Job:
    """One augment call: the Compose (built once, inherited by forked workers) and the rows as Python lists."""

    def __init__(self, modality: ImageAugment, copies: Copies, media: MediaFolder):
        rows = copies.rows
        names = rows.column_names
        self.quality, self.media = modality.quality, media
        self.seeds = [int(s) for s in copies.seeds]
        self.paths = rows.column("image").to_pylist()
        self.shas = _column(rows, "image_sha256")
        self.widths, self.heights = _column(rows, "width"), _column(rows, "height")
        self.formats = rows.column("format").to_pylist() if "format" in names else [
            _SUFFIX_FORMATS.get(Path(p or "").suffix.lower()) for p in self.paths]
        self.boxes = rows.column("boxes").to_pylist() if "boxes" in names else None
        self.box_labels = rows.column("box_labels").to_pylist() if "box_labels" in names else None
        self.keypoints = rows.column("keypoints").to_pylist() if "keypoints" in names else None
        self.pipeline = modality.compose(self.boxes is not None, self.keypoints is not None)

    def make(self, i: int) -> tuple:
        """Copy `i`: (image, sha, width, height, format, boxes, box_labels, keypoints, applied, changed, failed)."""
        path = Path(self.paths[i] or "")
        try:
            pixels = read_pixels(path if path.is_absolute() else self.media.resolve(str(path)))
        except ImageReadError as exc:
            return self._unchanged(i, [], failed=str(exc))
        data = {"image": pixels}
        if self.boxes is not None:
            data["bboxes"] = _indexed(self.boxes[i], 4)
        if self.keypoints is not None:
            data["keypoints"] = _indexed(self.keypoints[i], 2)
        self.pipeline.set_random_state(np.random.default_rng(self.seeds[i]), random.Random(self.seeds[i]))
        try:
            out = self.pipeline(**data)
        except Exception as exc:  # noqa: BLE001 - a transform that cannot take this image fails this copy only
            return self._unchanged(i, [], failed=f"{path.name}: {type(exc).__name__}: {_first_line(exc)}")
        applied = [_applied(name, params) for name, params in out["applied_transforms"]]
        image = out["image"]
        if image.dtype != pixels.dtype:
            raise UserError(f"augment.image.transforms turn {pixels.dtype} pixels into {image.dtype}; "
                            "drop value-scaling transforms (Normalize, ToFloat) from the pipeline")
        height, width = image.shape[:2]
        boxes, labels = self._boxes_out(i, out.get("bboxes"), width, height)
        keypoints = None if _input(self.keypoints, i) is None else _moved(self.keypoints[i], out["keypoints"].tolist())
        same_pixels = image.shape == pixels.shape and np.array_equal(image, pixels)
        if same_pixels and boxes == _input(self.boxes, i) and keypoints == _input(self.keypoints, i):
            return self._unchanged(i, applied)
        image_format = output_format(self.formats[i])
        relative, sha = self.media.write(encode_pixels(np.ascontiguousarray(image), image_format, self.quality),
                                         KEPT_FORMATS[image_format])
        return relative, sha, width, height, image_format, boxes, labels, keypoints, applied, True, None

    def _boxes_out(self, i: int, array, width: int, height: int) -> tuple[list | None, list | None]:
        """The surviving boxes in COCO pixels (rounded, inside the image) and their labels."""
        if self.boxes is None:
            return None, None
        labels = self.box_labels[i] if self.box_labels is not None else None
        if self.boxes[i] is None:
            return None, labels
        boxes, kept_labels = [], []
        for (x, y, w, h), index in _moved(self.boxes[i], array.tolist(), with_index=True):
            if x < 0 or y < 0 or x + w > width or y + h > height:  # rounding past an edge: clip it back
                x1, y1 = max(x, 0.0), max(y, 0.0)
                x, y, w, h = x1, y1, round(min(x + w, width) - x1, DIGITS), round(min(y + h, height) - y1, DIGITS)
            if w > 0 and h > 0:
                boxes.append([x, y, w, h])
                if labels is not None:
                    kept_labels.append(labels[index])
        return boxes, (kept_labels if labels is not None else None)

    def _unchanged(self, i: int, applied: list[dict], failed: str | None = None) -> tuple:
        """The original's own values (the stage drops this copy as identical or failed)."""
        box_labels = self.box_labels[i] if self.box_labels is not None else None
        return (self.paths[i], self.shas[i], self.widths[i], self.heights[i], self.formats[i],
                _input(self.boxes, i), box_labels, _input(self.keypoints, i), applied, False, failed)

    def assembled(self, results: list[tuple]) -> Augmented:
        """The per-copy tuples as `Augmented` columns."""
        fields = ["image", "image_sha256", "width", "height", "format", "boxes", "box_labels", "keypoints"]
        present = {"boxes": self.boxes is not None, "box_labels": self.box_labels is not None,
                   "keypoints": self.keypoints is not None}
        columns = {name: [r[k] for r in results] for k, name in enumerate(fields) if present.get(name, True)}
        return Augmented(columns, applied=[r[8] for r in results], changed=[r[9] for r in results],
                         failed=[r[10] for r in results])


_JOB: _Job | None = None  # the job forked workers inherit: set just before the pool starts


def _in_processes(job: _Job, bounds: list[tuple[int, int]], context: AugmentContext) -> list[tuple]:
    """Run the slices of copies in `context.workers` forked processes; the results in copy order."""
    global _JOB
    _JOB = job
    made: dict[int, list[tuple]] = {}
    threads = cv2.getNumThreads()
    cv2.setNumThreads(1)  # before the fork: the processes are the parallelism (changing it in a child deadlocks)
    try:
        workers = min(context.workers, len(bounds))
        with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("fork")) as pool:
            futures = {pool.submit(_run_slice, b): number for number, b in enumerate(bounds)}
            for future in as_completed(futures):
                made[futures[future]] = future.result()
                _report(context, sum(len(part) for part in made.values()), bounds[-1][1])
    finally:
        _JOB = None
        cv2.setNumThreads(threads)
    return [result for number in range(len(bounds)) for result in made[number]]


def _run_slice(bounds: tuple[int, int]) -> list[tuple]:
    return [_JOB.make(i) for i in range(*bounds)]


def _report(context: AugmentContext, done: int, total: int) -> None:
    if context.progress is not None:
        context.progress(f"augment image {done}/{total}")


def _checked_transforms(transforms: Mapping[str, object | None]) -> dict[str, object]:
    """The configured transforms in order (null entries removed), each an albumentations transform."""
    if not isinstance(transforms, Mapping):
        raise UserError("augment.image.transforms must map names to transforms, e.g. "
                        "{rotate: {_target_: albumentations.Affine, rotate: [-30, 30]}}; "
                        f"got {type(transforms).__name__}")
    chosen = {}
    for key, transform in transforms.items():
        if transform is None:
            continue
        if not isinstance(transform, A.BasicTransform | A.BaseCompose):
            raise UserError(f"augment.image.transforms.{key} is a {type(transform).__name__}, not an albumentations "
                            "transform; give it `_target_: albumentations.<Transform>`")
        bad = _invalid_args(transform)
        if bad:
            raise UserError(f"augment.image.transforms.{key}: {bad}; fix the argument name")
        chosen[str(key)] = transform
    if not chosen:
        raise UserError("augment.image.transforms is empty; add a preset, e.g. augment/image=flips")
    return chosen


def _invalid_args(transform) -> str | None:
    """albumentations only warns about a misspelt argument (it is ignored); say which one, or None."""
    if isinstance(transform, A.BaseCompose):
        return next((bad for t in transform.transforms if (bad := _invalid_args(t))), None)
    names = getattr(transform, "invalid_args", None)
    return f"{', '.join(names)} is not an argument of {type(transform).__name__}" if names else None


def _applied(name: str, params: dict) -> dict:
    """A transform's sampled parameters as a JSON-ready dict (big arrays such as noise maps left out)."""
    entry = {"transform": name}
    for key, value in params.items():
        ready = _json_ready(value)
        if key not in SKIPPED_PARAMS and ready is not _OMIT:
            entry[str(key)] = ready
    return entry


def _json_ready(value):
    if isinstance(value, np.ndarray):
        return value.tolist() if value.size <= MAX_PARAM_VALUES else _OMIT
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Mapping):
        items = {str(k): _json_ready(v) for k, v in value.items()}
        return {k: v for k, v in items.items() if v is not _OMIT}
    if isinstance(value, list | tuple):
        items = [_json_ready(v) for v in value]
        return _OMIT if any(v is _OMIT for v in items) else items
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _indexed(items: list | None, size: int) -> np.ndarray:
    """Boxes or keypoints plus a last column holding each one's index, so we know which ones survived."""
    if not items:
        return np.zeros((0, size + 1), dtype=np.float64)
    return np.column_stack([np.asarray(items, dtype=np.float64), np.arange(len(items), dtype=np.float64)])


def _moved(originals: list | None, out: list[list[float]], with_index: bool = False) -> list:
    """Transformed coordinates rounded to 1/1000 pixel; one that did not move (float32 noise) keeps its input."""
    moved = []
    for *values, index in out:
        original = originals[int(index)]
        near = all(abs(v - o) < 0.5 * 10**-DIGITS for v, o in zip(values, original))
        coordinates = list(original) if near else [round(v, DIGITS) for v in values]
        moved.append((coordinates, int(index)) if with_index else coordinates)
    return moved


def _input(values: list | None, i: int):
    return None if values is None else values[i]


def _column(rows: pa.Table, name: str) -> list:
    return rows.column(name).to_pylist() if name in rows.column_names else [None] * rows.num_rows


def _first_line(exc: Exception) -> str:
    return (str(exc).strip() or type(exc).__name__).splitlines()[0]
