"""The card's "Augmentation" section: copies per split and why some were not kept, the transforms that
ran, and rows per class before and after augmentation (so a reader sees whether copies skewed a class)."""

from __future__ import annotations

from collections.abc import Mapping

CLASSES_LISTED = 30
MEDIA_MODALITIES = {"image", "audio"}


def augment_section(summary: Mapping) -> list[str]:
    """Markdown lines for the augment stage's summary (see `augment.stage.AugmentSummary`)."""
    transforms = summary.get("transforms") or {}
    media = "" if not set(transforms) & MEDIA_MODALITIES else (
        " Augmented media files are in `media/`, named by their sha256 and listed in `media.sha256`.")
    lines = ["", "## Augmentation", "",
             "Copies stay in their original's split (`augmented_from` names it; `augment` lists the transforms "
             f"with their sampled parameters and `augment_seed` the seed).{media}", "",
             "| split | from | copies made | kept | not made (over max_fraction) | equal to original | failed | "
             "equal to a row of another split |", "|---|---|---:|---:|---:|---:|---:|---:|"]
    for split, c in summary.get("splits", {}).items():
        lines.append(f"| {split} | {c['from']} | {c['made']} | {c['copies']} | {c['capped_by_max_fraction']} | "
                     f"{c['identical']} | {c['failed']} | {c['same_as_other_split']} |")
    if transforms:
        lines += ["", "| modality | transform | copies it changed |", "|---|---|---:|"]
        lines += [f"| {m} | {t} | {n} |" for m, counts in transforms.items() for t, n in counts.items()]
    failures = summary.get("failures") or []
    if failures:
        lines += ["", "First failed copies (original id: reason):", ""]
        lines += [f"- `{rid}`: {reason}" for rid, reason in failures]
    classes = summary.get("classes") or {}
    if classes:
        field = summary.get("class_field")
        lines += ["", f"Rows per `{field}` before -> after augmentation:", "",
                  "| split | " + f"{field} | before | after |", "|---|---|---:|---:|"]
        for split, counts in classes.items():
            shown = list(counts.items())
            for value, (before, after) in shown[:CLASSES_LISTED]:
                lines.append(f"| {split} | {value} | {before} | {after} |")
            if len(shown) > CLASSES_LISTED:
                lines.append(f"| {split} | … {len(shown) - CLASSES_LISTED} more in manifest.json | | |")
    return lines
