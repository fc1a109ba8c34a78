"""Bounding boxes in COCO pixel format ([x, y, width, height]): parsing and checking them against the image."""

from __future__ import annotations

import json

from . import MediaError


def parse_boxes(value) -> list[list[float]]:
    """Boxes from a JSON string or a list of [x, y, w, h]; a malformed value raises `MediaError`."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise MediaError(f"boxes {value!r} is not JSON; write them as [[x, y, w, h], ...]") from None
    if not isinstance(value, list):
        raise MediaError(f"boxes {value!r} is not a list; write them as [[x, y, w, h], ...]")
    boxes = []
    for number, box in enumerate(value, start=1):
        if not (isinstance(box, list) and len(box) == 4 and all(_is_number(v) for v in box)):
            raise MediaError(f"box {number} {box!r} is not [x, y, w, h] with four numbers")
        boxes.append([float(v) for v in box])
    return boxes


def parse_box_labels(value, count: int) -> list[str]:
    """Box labels from a JSON string or a list, one per box; a mismatch raises `MediaError`."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise MediaError(f"box_labels {value!r} is not JSON; write them as [\"cat\", ...]") from None
    if not isinstance(value, list):
        raise MediaError(f"box_labels {value!r} is not a list; write them as [\"cat\", ...]")
    if len(value) != count:
        raise MediaError(f"{len(value)} box_labels for {count} boxes; give one label per box")
    return [str(v) for v in value]


def check_boxes(boxes: list[list[float]], width: int, height: int) -> None:
    """Raise `MediaError` for the first box with no area or reaching outside a `width` x `height` image."""
    for number, (x, y, w, h) in enumerate(boxes, start=1):
        if w <= 0 or h <= 0:
            raise MediaError(f"box {number} {[x, y, w, h]} has no area (width and height must be > 0)")
        if x < 0 or y < 0 or x + w > width or y + h > height:
            raise MediaError(f"box {number} {[x, y, w, h]} lies outside the {width}x{height} image")


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
