"""How rows are matched across versions: added, removed, changed, moved (and moved + changed), pilot apart."""

import pyarrow as pa
import pytest

from dsbuild.errors import UserError
from dsbuild.versions.row_diff import row_changes


def table(*rows):
    return pa.table({"id": [r[0] for r in rows], "text": [r[1] for r in rows]})


def test_added_removed_changed_and_moved_rows():
    a = {"train": table(("1", "a"), ("2", "b"), ("3", "c")), "test": table(("4", "d"))}
    b = {"train": table(("1", "a"), ("2", "B"), ("5", "e")), "test": table(("4", "d"), ("3", "C"))}
    diff = row_changes(a, b)
    train, test = diff["splits"]["train"], diff["splits"]["test"]
    assert (train["added"], train["removed"], train["changed"]) == (1, 0, 1)
    assert train["examples"] == {"added": ["5"], "removed": [], "changed": ["2"]}
    # row 3 moved train -> test and its text changed: one move, counted as changed in its new split
    assert diff["moved"] == [{"from": "train", "to": "test", "rows": 1, "examples": ["3"]}]
    assert (test["added"], test["removed"], test["changed"]) == (0, 0, 1)


def test_a_removed_row_and_the_pilot_compared_on_its_own():
    a = {"train": table(("1", "a"), ("2", "b")), "pilot": table(("1", "a"))}
    b = {"train": table(("1", "a")), "pilot": table(("9", "z"))}
    diff = row_changes(a, b)
    assert diff["splits"]["train"]["removed"] == 1 and diff["moved"] == []
    assert (diff["splits"]["pilot"]["added"], diff["splits"]["pilot"]["removed"]) == (1, 1)
    assert list(diff["splits"]) == ["train", "pilot"]


def test_rows_without_ids_cannot_be_matched():
    with pytest.raises(UserError, match="no id"):
        row_changes({"train": pa.table({"text": ["a"]})}, {"train": table(("1", "a"))})
