"""Bounding boxes and keypoints of an image: parsing them, converting boxes to COCO pixels, checking them.

Rows always hold boxes in COCO pixel format ([x, y, width, height]); a label table may write them as
`coco`, `pascal_voc` ([x_min, y_min, x_max, y_max] pixels) or `yolo` ([x_center, y_center, width,
height] as fractions of the image size), and `to_coco` converts them once the image size is known.
Keypoints are [x, y] pixels on the image's pixel grid (0 <= x < width, 0 <= y < height).
"""

from __future__ import annotations

import json

from . import MediaError

BOX_FORMATS = {
    "coco": "[x, y, w, h] pixels",
    "pascal_voc": "[x_min, y_min, x_max, y_max] pixels",
    "yolo": "[x_center, y_center, w, h] fractions of the image size",
}
_SLACK = 1e-6  # pixels a converted box may overshoot an edge by through float rounding
_DIGITS = 6  # converted yolo boxes are rounded to a millionth of a pixel, so 0.25 * 640 stays 160.0


def parse_boxes(value, box_format: str = "coco") -> list[list[float]]:
    """Boxes (four numbers each, as written in `box_format`) from a JSON string or a list; else `MediaError`."""
    shape = BOX_FORMATS[box_format]
    return [list(box) for box in _number_lists(value, "boxes", "box", 4, shape)]


def to_coco(boxes: list[list[float]], box_format: str, width: int, height: int) -> list[list[float]]:
    """`boxes` written in `box_format` as COCO pixel boxes [x, y, w, h] of a `width` x `height` image."""
    if box_format == "pascal_voc":
        return [[x1, y1, x2 - x1, y2 - y1] for x1, y1, x2, y2 in boxes]
    if box_format == "yolo":
        out = []
        for xc, yc, w, h in boxes:
            x1, y1 = (xc - w / 2) * width, (yc - h / 2) * height
            out.append([round(x1, _DIGITS), round(y1, _DIGITS),
                        round((xc + w / 2) * width - x1, _DIGITS), round((yc + h / 2) * height - y1, _DIGITS)])
        return out
    return boxes


def parse_box_labels(value, count: int) -> list[str]:
    """Box labels from a JSON string or a list, one per box; a mismatch raises `MediaError`."""
    value = _json_list(value, "box_labels", '["cat", ...]')
    if len(value) != count:
        raise MediaError(f"{len(value)} box_labels for {count} boxes; give one label per box")
    return [str(v) for v in value]


def check_boxes(boxes: list[list[float]], width: int, height: int, written: list | None = None) -> None:
    """Raise `MediaError` for the first COCO box with no area or reaching outside a `width` x `height` image.

    `written` are the same boxes as the user wrote them (another format), shown in the message instead.
    """
    for number, (x, y, w, h) in enumerate(boxes, start=1):
        shown = (written or boxes)[number - 1]
        if w <= 0 or h <= 0:
            raise MediaError(f"box {number} {shown} has no area (width and height must be > 0)")
        if x < -_SLACK or y < -_SLACK or x + w > width + _SLACK or y + h > height + _SLACK:
            raise MediaError(f"box {number} {shown} lies outside the {width}x{height} image")


def parse_keypoints(value) -> list[list[float]]:
    """Keypoints [[x, y], ...] in pixels from a JSON string or a list; a malformed value raises `MediaError`."""
    return _number_lists(value, "keypoints", "keypoint", 2, "[x, y] pixels")


def check_keypoints(keypoints: list[list[float]], width: int, height: int) -> None:
    """Raise `MediaError` for the first keypoint off the pixel grid of a `width` x `height` image."""
    for number, (x, y) in enumerate(keypoints, start=1):
        if not (0 <= x < width and 0 <= y < height):
            raise MediaError(
                f"keypoint {number} {[x, y]} lies outside the {width}x{height} image (0 <= x < {width}, "
                f"0 <= y < {height})"
            )


def _number_lists(value, plural: str, singular: str, size: int, shape: str) -> list[list[float]]:
    """A list of `size`-number lists from JSON text or a list, as floats; else `MediaError` naming `shape`."""
    value = _json_list(value, plural, f"[{shape}, ...]")
    items = []
    for number, item in enumerate(value, start=1):
        if not (isinstance(item, list) and len(item) == size and all(_is_number(v) for v in item)):
            raise MediaError(f"{singular} {number} {item!r} is not {shape} ({size} numbers)")
        items.append([float(v) for v in item])
    return items


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _json_list(value, name: str, example: str) -> list:
    """`value` as a list: a list, or JSON text of one; else `MediaError` showing how to write `name`."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise MediaError(f"{name} {value!r} is not JSON; write them as {example}") from None
    if not isinstance(value, list):
        raise MediaError(f"{name} {value!r} is not a list; write them as {example}")
    return value
