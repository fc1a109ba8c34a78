"""ModelScopeSource through the real MsDataset.load, offline: local copies, the cache, a fake hub on 127.0.0.1."""

from __future__ import annotations

import http.server
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from helpers import write_jsonl

from dsbuild.errors import UserError
from dsbuild.sources.modelscope import ModelScopeSource

pytest.importorskip("modelscope.msdatasets", reason="the ModelScope client (dsbuild[modelscope]) is not installed")

REPO = Path(__file__).resolve().parents[2]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(autouse=True)
def modelscope_env(tmp_path, monkeypatch) -> Path:
    """A private ModelScope cache and a hub endpoint on a closed port; the client's process config is reset."""
    import modelscope_hub.config

    cache = tmp_path / "modelscope"
    monkeypatch.setenv("MODELSCOPE_CACHE", str(cache))
    monkeypatch.setenv("MODELSCOPE_ENDPOINT", f"http://127.0.0.1:{closed_port()}")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.delenv("MODELSCOPE_API_TOKEN", raising=False)
    monkeypatch.setattr(modelscope_hub.config, "_default_config", None)
    return cache


def qa_folder(root: Path) -> Path:
    write_jsonl(root / "data" / "train.jsonl", [{"q": "2+2?", "a": "4"}, {"q": "3+3?", "a": "6"}])
    write_jsonl(root / "data" / "test.jsonl", [{"q": "1+1?", "a": "2"}])
    return root


def user_error(src: ModelScopeSource) -> str:
    with pytest.raises(UserError) as info:
        src.load()
    message = str(info.value)
    assert "\n" not in message
    return message


def test_local_folder_reads_the_requested_split(tmp_path, modelscope_env):
    root = qa_folder(tmp_path / "arith")
    (root / ".msc").write_text("client bookkeeping", encoding="utf-8")
    src = ModelScopeSource(str(root), split="test", columns={"question": "q", "response": "a"})
    loaded = src.load()
    assert src.name == "arith"
    assert loaded.rows_read == 1
    assert loaded.table.column_names == ["id", "question", "response", "source", "source_ref"]
    assert loaded.table.column("question").to_pylist() == ["1+1?"]
    assert loaded.table.column("source_ref").to_pylist() == [f"{root}:test[0]"]
    [entry] = loaded.inputs
    assert entry["kind"] == "modelscope" and entry["split"] == "test" and entry["rows"] == 1
    assert [f["name"] for f in entry["files"]] == ["data/test.jsonl", "data/train.jsonl"]
    assert entry["files"][0]["bytes"] == (root / "data" / "test.jsonl").stat().st_size
    assert any(modelscope_env.rglob("*.arrow")), "MsDataset.load should cache under MODELSCOPE_CACHE"


def test_local_file_and_fingerprint_follow_content(tmp_path):
    path = write_jsonl(tmp_path / "qa.jsonl", [{"q": "a", "a": "b"}, {"q": "c", "a": "d"}])
    src = ModelScopeSource(str(path), source_name="qa")
    first = src.fingerprint()
    loaded = src.load()
    assert loaded.inputs == first
    assert loaded.table.column("source_ref").to_pylist() == [f"{path}:train[0]", f"{path}:train[1]"]
    assert [f["name"] for f in first[0]["files"]] == ["qa.jsonl"]
    from dsbuild.execute.spill import WorkFolder

    streamed = src.stream(WorkFolder(tmp_path / "work", batch_rows=1))
    assert len(streamed.table.parts) == 2 and streamed.table.read_all().equals(loaded.table)
    write_jsonl(path, [{"q": "a", "a": "changed"}])
    assert ModelScopeSource(str(path)).fingerprint()[0]["files"] != first[0]["files"]


def test_cache_dir_option(tmp_path):
    root = qa_folder(tmp_path / "arith")
    ModelScopeSource(str(root), cache_dir=str(tmp_path / "own_cache")).load()
    assert any((tmp_path / "own_cache" / "datasets").rglob("*.arrow"))


def test_unknown_split_and_subset(tmp_path):
    root = qa_folder(tmp_path / "arith")
    message = user_error(ModelScopeSource(str(root), split="validation"))
    assert "source.split 'validation'" in message and "'train', 'test'" in message
    message = user_error(ModelScopeSource(str(root), subset_name="zh"))
    assert "source.subset_name 'zh'" in message and "default" in message


def test_path_that_is_neither_local_nor_an_id():
    message = user_error(ModelScopeSource("no_such_folder"))
    assert "source.path 'no_such_folder'" in message and "owner/name" in message


def test_missing_client_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "modelscope", None)
    monkeypatch.setitem(sys.modules, "modelscope.msdatasets", None)
    message = user_error(ModelScopeSource(str(qa_folder(tmp_path / "arith"))))
    assert message == "source=modelscope needs the ModelScope client: pip install 'dsbuild[modelscope]'"


class FakeHub(http.server.BaseHTTPRequestHandler):
    """Answers every call with `status` and the hub's JSON error body; records the requested paths."""

    status = 404
    seen: list[str] = []

    def do_GET(self):
        self.seen.append(self.path)
        body = json.dumps({"Code": 10010205001, "Message": "dataset not found", "Success": False}).encode()
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_hub(monkeypatch):
    handler = type("Handler", (FakeHub,), {"seen": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("MODELSCOPE_ENDPOINT", f"http://127.0.0.1:{server.server_address[1]}")
    yield handler
    server.shutdown()
    server.server_close()


def test_unknown_dataset_id(fake_hub):
    message = user_error(ModelScopeSource("someorg/no-such-data"))
    assert "source.path 'someorg/no-such-data'" in message and "ModelScope has no such dataset" in message
    assert "/api/v1/datasets/someorg/no-such-data" in fake_hub.seen


def test_refused_access(fake_hub):
    fake_hub.status = 403
    message = user_error(ModelScopeSource("someorg/private-data"))
    assert "ModelScope refused access" in message and "MODELSCOPE_API_TOKEN" in message


OFFLINE_SCRIPT = """
import json
from dsbuild.errors import UserError
from dsbuild.sources.modelscope import ModelScopeSource

loaded = ModelScopeSource("someorg/tiny-qa", split="test").load()
out = {"q": loaded.table.column("q").to_pylist(), "refs": loaded.table.column("source_ref").to_pylist(),
       "inputs": loaded.inputs}
try:
    ModelScopeSource("someorg/never-downloaded", revision="v2").load()
except UserError as e:
    out["error"] = str(e)
print(json.dumps(out))
"""


def test_unreachable_hub_uses_the_cached_download_or_says_what_to_do(tmp_path, modelscope_env):
    """In a fresh process: the client reads its retry count (MODELSCOPE_API_MAX_RETRIES) at import."""
    qa_folder(modelscope_env / "datasets" / "someorg--tiny-qa" / "snapshots" / "master")
    env = {**os.environ, "PYTHONPATH": str(REPO), "MODELSCOPE_API_MAX_RETRIES": "1"}
    start = time.monotonic()
    run = subprocess.run([sys.executable, "-c", OFFLINE_SCRIPT], env=env, capture_output=True, text=True,
                         timeout=120, cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    assert time.monotonic() - start < 30
    out = json.loads(run.stdout.strip().splitlines()[-1])
    assert out["q"] == ["1+1?"]
    assert out["refs"] == ["someorg/tiny-qa:test[0]"]
    [entry] = out["inputs"]
    assert entry["revision"] == "master" and [f["name"] for f in entry["files"]] == ["data/test.jsonl",
                                                                                    "data/train.jsonl"]
    message = out["error"]
    assert "\n" not in message
    assert "source.path 'someorg/never-downloaded'" in message and "ModelScope is unreachable" in message
    assert "revision 'v2'" in message and f"MODELSCOPE_CACHE={modelscope_env}" in message
    assert "modelscope download --dataset someorg/never-downloaded" in message


def test_hydra_config_instantiates(tmp_path, compose_cfg):
    from dsbuild.build import _instantiate

    root = qa_folder(tmp_path / "arith")
    cfg = compose_cfg(["source=modelscope", f"source.path={root}", "source.split='train[1:]'"])
    src = _instantiate(cfg.source, "source")
    assert isinstance(src, ModelScopeSource)
    assert src.load().table.column("q").to_pylist() == ["3+3?"]
