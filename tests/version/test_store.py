import os

import pytest

from dsbuild.version.store import write_atomically


def test_a_crash_leaves_no_partial_version(tmp_path):
    final = tmp_path / "ds" / "abc"

    def fill(tmp):
        (tmp / "train.json").write_text("[]")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write_atomically(final, fill)
    assert not final.exists()
    assert not (tmp_path / "ds").exists()  # no temp folder left, and no empty dataset folder either


def test_writes_then_refuses_to_overwrite(tmp_path):
    final = tmp_path / "ds" / "abc"
    assert write_atomically(final, lambda tmp: (tmp / "a").write_text("1"))
    assert (final / "a").read_text() == "1"
    assert not write_atomically(final, lambda tmp: (tmp / "a").write_text("2"))
    assert (final / "a").read_text() == "1"
    assert [p.name for p in final.parent.iterdir()] == ["abc"]


def test_stale_temp_folders_of_dead_builds_are_removed(tmp_path):
    parent = tmp_path / "ds"
    stale = parent / ".tmp-abc-999999999-deadbeef"
    stale.mkdir(parents=True)
    mine = parent / f".tmp-abc-{os.getpid()}-cafebabe"
    mine.mkdir()
    write_atomically(parent / "def", lambda tmp: None)
    assert not stale.exists() and mine.exists()
