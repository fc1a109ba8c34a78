import os
import time

import pytest

from dsbuild.processes import pid_alive, process_start
from dsbuild.version import store
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


def _temp(parent, host, pid, start="0"):
    path = parent / f".tmp-abc@{host}-{pid}-{start}-deadbeef"
    path.mkdir(parents=True)
    return path


def _dead_pid():
    pid = 4_000_000
    while pid_alive(pid):
        pid += 1
    return pid


def test_a_temp_folder_names_its_host_process_and_start(tmp_path):
    names = []
    write_atomically(tmp_path / "ds" / "abc", lambda tmp: names.append(tmp.name))
    host, pid, start = store._owner(names[0])
    assert names[0].startswith(".tmp-abc@") and host == store._host() and pid == os.getpid()
    assert start == process_start(os.getpid())


def test_stale_temp_folders_are_recognised_by_host_and_process(tmp_path):
    parent = tmp_path / "ds"
    here = store._host()
    dead_here = _temp(parent, here, _dead_pid())
    mine = _temp(parent, here, os.getpid(), process_start(os.getpid()) or "0")
    other_node_live = _temp(parent, "node-07.cluster", os.getpid())  # a pid that is alive here means nothing there
    other_node_dead = _temp(parent, "node-08", _dead_pid())  # nor does one that is dead here
    older_dsbuild = parent / ".tmp-abc-999999999-deadbeef"  # no owner in the name: from an unknown host
    older_dsbuild.mkdir()
    write_atomically(parent / "def", lambda tmp: None)
    assert not dead_here.exists()
    assert mine.exists() and other_node_live.exists() and other_node_dead.exists() and older_dsbuild.exists()


def test_a_temp_folder_of_another_host_goes_only_after_a_week_untouched(tmp_path):
    parent = tmp_path / "ds"
    fresh = _temp(parent, "node-07", 123)
    week_old = _temp(parent, "node-08", 123)
    old = time.time() - store.STALE_AFTER_DAYS * 86400 - 60
    os.utime(week_old, (old, old))
    write_atomically(parent / "def", lambda tmp: None)
    assert fresh.exists() and not week_old.exists()


@pytest.mark.skipif(process_start(os.getpid()) is None, reason="process start times are read from /proc (Linux)")
def test_a_reused_pid_does_not_keep_a_dead_builds_temp_folder(tmp_path):
    parent = tmp_path / "ds"
    start = int(process_start(os.getpid()))
    reused = _temp(parent, store._host(), os.getpid(), str(start - 1))  # this pid, another process's start
    write_atomically(parent / "def", lambda tmp: None)
    assert not reused.exists()


def test_a_build_on_a_shared_folder_removes_only_its_own_hosts_dead_temp_folders(run_cli, tmp_path):
    dataset = tmp_path / "datasets" / "doctor_qa"
    other_node = _temp(dataset, "node-07", os.getpid())
    dead_here = _temp(dataset, store._host(), _dead_pid())
    result = run_cli()
    assert result.returncode == 0, result.stderr
    assert other_node.exists() and not dead_here.exists()
    assert [p.name for p in dataset.iterdir() if not p.name.startswith(".")]  # the version was published beside
