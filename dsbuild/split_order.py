"""The split names and the order they are shown in (kept apart from split.py so that the CLI and the
listings need not import pyarrow to sort split names)."""

from __future__ import annotations

SPLITS = ("train", "validation", "test")


def split_rank(split: str) -> tuple[int, str]:
    """Sort key of a split name: train, validation, test, pilot, then any other by name."""
    order = (*SPLITS, "pilot")
    return (order.index(split), "") if split in order else (len(order), split)
