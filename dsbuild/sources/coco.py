"""Reading a COCO detection file (images, annotations, categories) into one media entry per image.

Each image's annotations become `boxes` ([x, y, w, h] in pixels) and `box_labels` (category names).
An annotation whose image is not listed, or whose category is unknown, cannot be attached to a row:
it becomes an entry with a `problem`, so it shows up in rejects rather than vanishing.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import UserError
from .media_entries import MediaEntry


def looks_like_coco(path: Path) -> bool:
    """True for a .json file whose top level is an object with `images` and `annotations`."""
    if path.suffix.lower() != ".json" or not path.is_file():
        return False
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        return False
    return isinstance(data, dict) and "images" in data and "annotations" in data


def coco_entries(labels: Path, root: Path) -> list[MediaEntry]:
    """One entry per listed image (fields: `boxes`, `box_labels`, `coco_size`), plus one per orphan annotation."""
    data = _load(labels)
    name = labels.name
    categories = {c.get("id"): str(c.get("name")) for c in data.get("categories") or [] if isinstance(c, dict)}
    images: dict = {}
    entries: list[MediaEntry] = []
    for number, image in enumerate(data["images"], start=1):
        if not isinstance(image, dict) or not image.get("file_name") or "id" not in image:
            raise UserError(f"{labels}: images[{number - 1}] needs an id and a file_name; fix the COCO file")
        path = Path(str(image["file_name"]))
        entry = MediaEntry(
            path if path.is_absolute() else root / path, f"{name}:image {image['id']}",
            {"boxes": [], "box_labels": [], "coco_size": (image.get("width"), image.get("height"))},
        )
        images[image["id"]] = entry
        entries.append(entry)
    for number, annotation in enumerate(data["annotations"], start=1):
        ref = f"{name}:annotation {annotation.get('id', number) if isinstance(annotation, dict) else number}"
        if not isinstance(annotation, dict):
            entries.append(MediaEntry(root, ref, problem=f"{ref}: not a JSON object"))
            continue
        entry = images.get(annotation.get("image_id"))
        if entry is None:
            entries.append(MediaEntry(
                root, ref, problem=f"{ref}: image_id {annotation.get('image_id')!r} is not in the images list"))
        elif annotation.get("category_id") not in categories:
            unknown = annotation.get("category_id")
            entry.problem = entry.problem or f"{ref}: category_id {unknown!r} is not in categories"
        else:
            entry.fields["boxes"].append(annotation.get("bbox"))
            entry.fields["box_labels"].append(categories[annotation["category_id"]])
    return entries


def _load(labels: Path) -> dict:
    try:
        data = json.loads(labels.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UserError(f"{labels}: not a readable COCO JSON file ({exc}); fix source.labels") from None
    if not isinstance(data, dict) or not isinstance(data.get("images"), list) \
            or not isinstance(data.get("annotations"), list):
        raise UserError(f"{labels}: a COCO file needs top-level lists 'images' and 'annotations'; fix source.labels")
    return data
