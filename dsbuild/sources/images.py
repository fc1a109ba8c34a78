"""`source=images`: image datasets from class folders, a CSV/JSONL label table, or a COCO detection file.

Rows hold the image path (absolute), `label`, `width`, `height`, `format` and `image_sha256`; with
boxes also `boxes` ([x, y, w, h] pixels, whatever `box_format` the table writes) and `box_labels`; with
a `keypoints` table column also `keypoints` ([x, y] pixels). Every image is decoded once to prove it is
whole; broken, missing or mislabelled images and annotations off the image become reject rows naming
the file and table line.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pyarrow as pa

from ..errors import UserError
from ..media import MediaError
from ..media.boxes import (
    BOX_FORMATS,
    check_boxes,
    check_keypoints,
    parse_box_labels,
    parse_boxes,
    parse_keypoints,
    to_coco,
)
from ..media.image_probe import IMAGE_SUFFIXES, probe_image
from .coco import coco_entries, looks_like_coco
from .media import MediaSource, labels_file, media_files, media_folder, referenced_files
from .media_entries import MediaEntry, folder_entries, table_entries

LAYOUTS = ("auto", "folders", "table", "coco")
TABLE_COLUMNS = {"path": ("path",), "label": ("label",), "boxes": ("boxes",), "box_labels": ("box_labels",),
                 "keypoints": ("keypoints",)}
BOX_FIELDS = [pa.field("boxes", pa.list_(pa.list_(pa.float64()))), pa.field("box_labels", pa.list_(pa.string()))]
KEYPOINT_FIELD = pa.field("keypoints", pa.list_(pa.list_(pa.float64())))


class ImagesSource(MediaSource):
    """Images with labels (and optional boxes and keypoints); `columns` maps table fields to your columns.

    `box_format` says how a label table writes its boxes (coco, pascal_voc or yolo); rows get COCO pixels.
    """

    media_field = "image"
    sha_field = "image_sha256"

    def __init__(
        self,
        path: str,
        labels: str | None = None,
        layout: str = "auto",
        columns: Mapping[str, str | None] | None = None,
        name: str | None = None,
        verify: bool = True,
        box_format: str = "coco",
    ):
        if layout not in LAYOUTS:
            raise UserError(f"source.layout {layout!r} is unknown; use one of {', '.join(LAYOUTS)}")
        if box_format not in BOX_FORMATS:
            raise UserError(f"source.box_format {box_format!r} is unknown; use one of {', '.join(BOX_FORMATS)}")
        self.root = media_folder(path)
        self.verify = verify
        self.layout = _layout(layout, labels)
        if self.layout == "folders":
            self.files = media_files(self.root, IMAGE_SUFFIXES)
            self.entries = folder_entries(self.root, self.files)
        else:
            label_path = labels_file(labels)
            if self.layout == "coco":
                self.entries = coco_entries(label_path, self.root)
            else:
                self.entries = table_entries(label_path, self.root, columns, TABLE_COLUMNS)
            self.files = referenced_files(label_path, self.entries)
        if self.layout == "coco" and box_format != "coco":
            raise UserError(f"source.box_format={box_format} is for label tables; a COCO file's bbox is always "
                            "[x, y, w, h] pixels: drop source.box_format")
        self.box_format = box_format
        self.has_boxes = self.layout == "coco" or any("boxes" in e.fields for e in self.entries)
        self.has_keypoints = any("keypoints" in e.fields for e in self.entries)
        self.name = name or self.root.resolve().name

    def probe(self, path: Path) -> dict:
        info = probe_image(path, self.verify)
        return {"width": info.width, "height": info.height, "format": info.format}

    def annotate(self, entry: MediaEntry, probed: dict) -> dict:
        fields = {"label": entry.fields.get("label")}
        width, height = probed["width"], probed["height"]
        if self.has_boxes:
            fields.update(self._boxes(entry, width, height))
        if self.has_keypoints:
            raw = entry.fields.get("keypoints")
            keypoints = [] if raw is None else parse_keypoints(raw)
            check_keypoints(keypoints, width, height)
            fields["keypoints"] = keypoints
        return fields

    def _boxes(self, entry: MediaEntry, width: int, height: int) -> dict:
        """The entry's `boxes` (as COCO pixels) and `box_labels`, checked against the image size."""
        declared = entry.fields.get("coco_size")
        if declared and None not in declared and tuple(declared) != (width, height):
            raise MediaError(f"the COCO file says {declared[0]}x{declared[1]} but the image is {width}x{height}")
        raw = entry.fields.get("boxes")
        written = [] if raw is None else parse_boxes(raw, self.box_format)
        boxes = to_coco(written, self.box_format, width, height)
        check_boxes(boxes, width, height, written if self.box_format != "coco" else None)
        raw_labels = entry.fields.get("box_labels")
        box_labels = [] if raw_labels is None and not boxes else parse_box_labels(raw_labels or [], len(boxes))
        return {"boxes": boxes, "box_labels": box_labels}

    def schema(self) -> list[pa.Field]:
        base = [pa.field("label", pa.string()), pa.field("width", pa.int32()), pa.field("height", pa.int32()),
                pa.field("format", pa.string())]
        return base + (BOX_FIELDS if self.has_boxes else []) + ([KEYPOINT_FIELD] if self.has_keypoints else [])


def _layout(layout: str, labels: str | None) -> str:
    """The layout to read: `auto` is folders without labels, coco for a COCO file, else a table."""
    if layout == "folders" and labels:
        raise UserError("source.layout=folders takes labels from the folder names; drop source.labels or change layout")
    if layout in ("table", "coco") and not labels:
        raise UserError(f"source.layout={layout} needs source.labels (the label file); set it or use layout=folders")
    if layout != "auto":
        return layout
    if not labels:
        return "folders"
    return "coco" if looks_like_coco(Path(labels)) else "table"
