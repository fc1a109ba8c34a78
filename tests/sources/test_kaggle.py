"""KaggleSource through the real kagglehub client, offline: its cache under KAGGLEHUB_CACHE, a fake API."""

from __future__ import annotations

import http.server
import json
import socket
import sys
import threading
from pathlib import Path

import pytest
from helpers import write_jsonl

from dsbuild.errors import UserError
from dsbuild.sources.kaggle import KaggleSource

kagglehub = pytest.importorskip("kagglehub", reason="the kagglehub client (dsbuild[kaggle]) is not installed")

FAKE_TOKEN = "KGAT_" + "q7Z" * 10


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(autouse=True)
def kaggle_env(tmp_path, monkeypatch) -> Path:
    """A private cache, no credentials, and every request sent to a closed port on 127.0.0.1 (no network)."""
    cache = tmp_path / "kagglehub"
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("KAGGLEHUB_CACHE", str(cache))
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("KAGGLE_CONFIG_DIR", str(home / ".kaggle"))
    for name in ("KAGGLE_API_TOKEN", "KAGGLE_USERNAME", "KAGGLE_KEY", "KAGGLE_API_ENVIRONMENT", "NO_PROXY", "no_proxy",
                 "KAGGLE_KERNEL_RUN_TYPE", "DISABLE_KAGGLE_CACHE"):
        monkeypatch.delenv(name, raising=False)
    blocked = f"http://127.0.0.1:{closed_port()}"
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        monkeypatch.setenv(name, blocked)
    monkeypatch.setattr("kagglehub.config._kaggle_credentials", None)
    return cache


def cache_version(cache: Path, handle: str, version: int, files: dict[str, str]) -> Path:
    """Lay out a whole dataset version in the kagglehub cache, as `dataset_download` leaves it."""
    owner, slug = handle.split("/")
    root = cache / "datasets" / owner / slug / "versions" / str(version)
    root.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    (cache / "datasets" / owner / slug / f"{version}.complete").touch()
    return root


def cache_one_file(cache: Path, handle: str, version: int, name: str, text: str) -> Path:
    """Lay out one file of a dataset version, as `dataset_download(handle, path)` leaves it."""
    owner, slug = handle.split("/")
    path = cache / "datasets" / owner / slug / "versions" / str(version) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    marker = cache / "datasets" / owner / slug / ".complete" / str(version) / f"{name}.complete"
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.touch()
    return path


def user_error(src: KaggleSource) -> str:
    with pytest.raises(UserError) as info:
        src.load()
    message = str(info.value)
    assert "\n" not in message
    return message


QA_CSV = "Question,Answer\n2+2?,4\n3+3?,6\n"


def test_cached_pinned_version_loads_offline(kaggle_env):
    root = cache_version(kaggle_env, "someone/tiny-qa", 3, {"qa.csv": QA_CSV, "LICENSE": "cc0"})
    src = KaggleSource("someone/tiny-qa", version=3, columns={"question": "Question", "response": "Answer"})
    loaded = src.load()
    assert src.name == "tiny-qa"
    assert loaded.rows_read == 2
    assert loaded.table.column("question").to_pylist() == ["2+2?", "3+3?"]
    assert loaded.table.column("source_ref").to_pylist() == ["someone/tiny-qa/qa.csv:row 1",
                                                              "someone/tiny-qa/qa.csv:row 2"]
    [entry] = loaded.inputs
    assert entry["kind"] == "kaggle" and entry["handle"] == "someone/tiny-qa" and entry["version"] == 3
    assert entry["file"] == "qa.csv" and entry["bytes"] == (root / "qa.csv").stat().st_size
    assert len(entry["sha256"]) == 64


def test_version_in_the_handle_and_fingerprint_follows_content(kaggle_env):
    root = cache_version(kaggle_env, "someone/tiny-qa", 2, {"qa.csv": QA_CSV})
    first = KaggleSource("someone/tiny-qa/versions/2").fingerprint()
    assert first[0]["version"] == 2
    assert KaggleSource("someone/tiny-qa", version="2").fingerprint() == first
    (root / "qa.csv").write_text("Question,Answer\n2+2?,5\n", encoding="utf-8")
    assert KaggleSource("someone/tiny-qa", version=2).fingerprint()[0]["sha256"] != first[0]["sha256"]


def test_several_data_files_need_source_file(kaggle_env):
    cache_version(kaggle_env, "someone/med", 1, {
        "train.jsonl": '{"q": "a"}\n{"q": "b"}\n', "data/test.csv": "q\nc\n", "README.md": "# med",
    })
    message = user_error(KaggleSource("someone/med", version=1))
    assert "2 data files" in message and "data/test.csv, train.jsonl" in message and "source.file" in message

    loaded = KaggleSource("someone/med", version=1, file="data/test.csv").load()
    assert loaded.table.column("q").to_pylist() == ["c"]
    assert loaded.table.column("source_ref").to_pylist() == ["someone/med/data/test.csv:row 1"]
    assert loaded.inputs[0]["file"] == "data/test.csv"

    message = user_error(KaggleSource("someone/med", version=1, file="valid.csv"))
    assert "source.file 'valid.csv'" in message and "train.jsonl" in message


def test_a_single_cached_file_is_enough(kaggle_env):
    cache_one_file(kaggle_env, "someone/big", 5, "part/qa.jsonl", '{"q": "x", "a": "y"}\n')
    loaded = KaggleSource("someone/big", version=5, file="part/qa.jsonl", name="big_qa").load()
    assert loaded.table.column("source").to_pylist() == ["big_qa"]
    assert loaded.table.column("source_ref").to_pylist() == ["someone/big/part/qa.jsonl:line 1"]
    assert loaded.inputs[0]["version"] == 5


def test_no_readable_file(kaggle_env):
    cache_version(kaggle_env, "someone/imgs", 1, {"a.png": "x", "b.xlsx": "y"})
    message = user_error(KaggleSource("someone/imgs", version=1))
    assert "no json, jsonl, csv" in message and "a.png, b.xlsx" in message


def test_unreachable_and_not_cached(kaggle_env):
    message = user_error(KaggleSource("someone/tiny-qa", version=4))
    assert "Kaggle is unreachable" in message and "version 4" in message
    assert f"KAGGLEHUB_CACHE={kaggle_env}" in message

    message = user_error(KaggleSource("someone/tiny-qa"))
    assert "Kaggle is unreachable" in message and "pin source.version" in message


def test_unreachable_without_a_version_names_the_cached_ones(kaggle_env):
    cache_version(kaggle_env, "someone/tiny-qa", 2, {"qa.csv": QA_CSV})
    cache_version(kaggle_env, "someone/tiny-qa", 7, {"qa.csv": QA_CSV})
    message = user_error(KaggleSource("someone/tiny-qa"))
    assert "latest version" in message and "cached versions: 7, 2" in message
    assert "source.version=7" in message


class FakeKaggle(http.server.BaseHTTPRequestHandler):
    """Answers every API call with `status` and Kaggle's JSON error body; records the requested URLs."""

    status = 404
    seen: list[str] = []

    def do_POST(self):
        self.seen.append(self.path)
        body = json.dumps({"code": self.status, "message": "fake kaggle says no"}).encode()
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_kaggle(monkeypatch):
    """kagglehub's local API environment (http://localhost), routed by HTTP_PROXY to a server on 127.0.0.1."""
    handler = type("Handler", (FakeKaggle,), {"seen": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("KAGGLE_API_ENVIRONMENT", "LOCALHOST")
    for name in ("HTTP_PROXY", "http_proxy"):
        monkeypatch.setenv(name, f"http://127.0.0.1:{server.server_address[1]}")
    yield handler
    server.shutdown()
    server.server_close()


def test_unknown_dataset(fake_kaggle):
    message = user_error(KaggleSource("someone/no-such-data"))
    assert "Kaggle has no dataset someone/no-such-data" in message and "source.handle" in message
    assert any("GetDataset" in url for url in fake_kaggle.seen)


def test_refused_access_asks_for_credentials_without_leaking_them(fake_kaggle, monkeypatch):
    monkeypatch.setenv("KAGGLE_API_TOKEN", FAKE_TOKEN)
    fake_kaggle.status = 401
    message = user_error(KaggleSource("someone/private-data", version=1))
    assert "Kaggle refused someone/private-data/versions/1 (HTTP 401)" in message
    assert "KAGGLE_API_TOKEN" in message and "KAGGLE_USERNAME" in message
    assert FAKE_TOKEN not in message
    assert any("DownloadDataset" in url for url in fake_kaggle.seen)


@pytest.mark.parametrize("handle, version, expected", [
    ("just-a-name", None, "source.handle 'just-a-name'"),
    ("a/b/c", None, "source.handle 'a/b/c'"),
    ("a/b/versions/x", None, "the version in source.handle"),
    ("a/b", 0, "source.version is 0"),
    ("a/b/versions/2", 3, "pins version 2 but source.version is 3"),
])
def test_bad_handles_and_versions(handle, version, expected):
    with pytest.raises(UserError, match=expected):
        KaggleSource(handle, version=version)


def test_unknown_format():
    with pytest.raises(UserError, match="source.format 'xlsx'"):
        KaggleSource("a/b", format="xlsx")


def test_missing_client_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "kagglehub", None)
    message = user_error(KaggleSource("someone/tiny-qa", version=1))
    assert message == "source=kaggle needs the Kaggle client: pip install 'dsbuild[kaggle]'"


def test_jsonl_with_ids_and_rejects(kaggle_env):
    cache_version(kaggle_env, "someone/ids", 1, {"rows.jsonl": "".join(
        json.dumps(r) + "\n" for r in [{"id_": "a", "q": "1"}, {"id_": "a", "q": "2"}, {"id_": "b", "q": "3"}]
    )})
    loaded = KaggleSource("someone/ids", version=1, id_column="id_", columns={"question": "q"}).load()
    assert loaded.table.column("id").to_pylist() == ["a", "b"]
    assert loaded.rejected.column("source_ref").to_pylist() == ["someone/ids/rows.jsonl:line 2"]


def test_hydra_config_instantiates(kaggle_env, compose_cfg):
    from dsbuild.build import _instantiate

    write_jsonl(cache_version(kaggle_env, "someone/cfg", 9, {}) / "qa.jsonl", [{"question": "q?"}])
    cfg = compose_cfg(["source=kaggle", "source.handle=someone/cfg", "source.version=9"])
    src = _instantiate(cfg.source, "source")
    assert isinstance(src, KaggleSource)
    assert src.load().table.column("question").to_pylist() == ["q?"]


@pytest.mark.parametrize("name,id_column", [("rows.jsonl", None), ("rows.jsonl", "key"), ("rows.csv", None)])
def test_stream_in_chunks_gives_the_records_of_load(kaggle_env, tmp_path, name, id_column):
    from sources.test_files_stream import assert_same

    from dsbuild.execute.spill import WorkFolder

    rows = [{"key": f"k{i % 9}", "q": f"question {i % 9}", "a": f"answer {i % 9}"} for i in range(60)]
    text = ("key,q,a\n" + "".join(f"{r['key']},{r['q']},{r['a']}\n" for r in rows) if name.endswith(".csv")
            else "".join(json.dumps(r) + "\n" for r in rows))
    cache_version(kaggle_env, "someone/many", 2, {name: text})

    def source():
        return KaggleSource("someone/many", version=2, id_column=id_column, keep_columns=True,
                            columns={"question": "q", "response": "a"})

    streamed = source().stream(WorkFolder(tmp_path / "work", batch_rows=7), block_bytes=256)
    table = assert_same(streamed, source().load(), min_parts=1 if id_column else 2)
    ids = table.column("id").to_pylist()
    if id_column:  # keys repeat across chunks: the later rows are rejects
        assert len(ids) == 9 and streamed.rejected.num_rows == 51
    else:  # content repeats across chunks: occurrence suffixes
        assert len(ids) == 60 and sum(i.endswith("-2") for i in ids) == 9


def test_stream_names_a_mapped_column_the_file_lacks_as_load_does(kaggle_env, tmp_path):
    from dsbuild.execute.spill import WorkFolder

    cache_version(kaggle_env, "someone/cols", 1, {"rows.jsonl": "".join(json.dumps({"q": f"{i}"}) + "\n"
                                                                         for i in range(40))})
    source = KaggleSource("someone/cols", version=1, columns={"question": "q", "response": "answer"})
    with pytest.raises(UserError) as loaded:
        source.load()
    with pytest.raises(UserError) as streamed:
        source.stream(WorkFolder(tmp_path / "work", batch_rows=7), block_bytes=128)
    assert str(streamed.value) == str(loaded.value)
    assert not list((tmp_path / "work").glob("*"))  # the parts written before the check are gone
