"""source=web end to end: pages served on 127.0.0.1 -> main text -> passages; the rebuild needs no network."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from doc_files import HTML

from dsbuild.build import build
from dsbuild.errors import UserError
from dsbuild.sources.web import WebSource

CHINESE = """<html><head><title>湿疹护理</title></head><body><nav>首页 | 关于我们</nav><article>
<h1>湿疹的日常护理</h1><p>湿疹患者洗澡水不宜过热，洗澡时间控制在十分钟以内。洗后三分钟内涂抹保湿霜，可以减少皮肤水分流失。</p>
<h2>饮食与生活</h2><p>避免搔抓，指甲剪短。穿宽松的棉质衣服，避免羊毛直接接触皮肤。记录可能诱发湿疹的食物，并咨询医生。</p>
</article><footer>版权所有</footer></body></html>"""
PAGES = {"/dehydration": HTML, "/eczema": CHINESE, "/private/notes": HTML,
         "/menu": "<html><body><div id='app'></div><script>render(app);</script></body></html>"}  # built by JS


class Site:
    """A few pages on 127.0.0.1; robots.txt keeps crawlers out of /private/."""

    def __init__(self):
        self.requests: list[str] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                site.requests.append(self.path)
                if self.path == "/robots.txt":
                    body, status, ctype = b"User-agent: *\nDisallow: /private/\n", 200, "text/plain"
                elif self.path in PAGES:
                    body, status, ctype = PAGES[self.path].encode(), 200, "text/html; charset=utf-8"
                else:
                    body, status, ctype = b"not here", 404, "text/plain"
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def site():
    running = Site()
    yield running
    running.stop()


def urls(site):
    return [f"{site.base}{p}" for p in ("/dehydration", "/eczema", "/gone", "/private/notes", "/menu")]


def source(site, tmp_path, **extra):
    return WebSource(urls=urls(site), cache_path=str(tmp_path / "web"), timeout=2, retries=0, backoff=0.01,
                     chunking={"max_size": 120, "min_size": 20}, **extra)


def test_pages_become_passages_with_url_and_fetch_time(site, tmp_path):
    loaded = source(site, tmp_path).load()
    rows = loaded.table.to_pylist()
    assert {r["doc"] for r in rows} == {f"{site.base}/dehydration", f"{site.base}/eczema"}
    assert all(r["fetched_at"] and len(r["doc_sha256"]) == 64 and len(r["text"]) <= 120 for r in rows)
    assert any("保湿霜" in r["text"] for r in rows) and any("rehydration" in r["text"] for r in rows)
    assert not any("版权所有" in r["text"] or "About us" in r["text"] for r in rows)
    eczema = next(r for r in rows if "棉质衣服" in r["text"])
    assert eczema["headings"] == "湿疹的日常护理 > 饮食与生活" or eczema["headings"].startswith("湿疹的日常护理")
    assert eczema["source_ref"].startswith(f"{site.base}/eczema#")


def test_failed_pages_are_rejects_naming_the_url_and_what_failed(site, tmp_path):
    loaded = source(site, tmp_path).load()
    rejects = {r["source_ref"]: (r["_rule"], r["_reason"]) for r in loaded.rejected.to_pylist()}
    assert rejects[f"{site.base}/gone"] == ("fetch", f"{site.base}/gone: HTTP 404")
    assert rejects[f"{site.base}/private/notes"][1].endswith("disallowed by robots.txt")
    assert rejects[f"{site.base}/menu"][0] == "extract" and "no main text" in rejects[f"{site.base}/menu"][1]
    assert "/private/notes" not in site.requests
    assert loaded.rows_read == loaded.table.num_rows + 3


def test_a_rebuild_reads_the_stored_pages_without_the_network(site, tmp_path):
    first = source(site, tmp_path)
    rows, inputs = first.load().table.to_pylist(), first.fingerprint()
    site.stop()
    again = source(site, tmp_path)
    assert again.fingerprint() == inputs
    assert again.load().table.to_pylist() == rows


def test_a_build_from_the_web_is_the_same_version_offline(site, tmp_path, compose_cfg):
    overrides = ["source=web", f"source.urls=[{','.join(urls(site))}]", f"source.cache_path={tmp_path / 'web'}",
                 "source.retries=0", "source.timeout=2", "cleaning=passages", "format=jsonl", "name=pages",
                 "split.ratios=[1,0,0]", f"output_dir={tmp_path / 'out'}"]
    result = build(compose_cfg(overrides), show_progress=False)
    manifest = json.loads((result.path / "manifest.json").read_text(encoding="utf-8"))
    fetched = {i["url"]: i for i in manifest["inputs"]}
    assert fetched[f"{site.base}/eczema"]["sha256"] and fetched[f"{site.base}/gone"]["error"] == "HTTP 404"
    card = (result.path / "README.md").read_text(encoding="utf-8")
    assert f"| {site.base}/gone | {site.base}/gone: HTTP 404 |" in card
    site.stop()
    again = build(compose_cfg(overrides), show_progress=False)
    assert again.existed and again.version_id == result.version_id


def test_config_mistakes_are_one_line_errors(tmp_path):
    with pytest.raises(UserError, match="source=web needs pages"):
        WebSource(cache_path=str(tmp_path))
    with pytest.raises(UserError, match="source.retrys is not an option of source=web"):
        WebSource(urls=["http://127.0.0.1:9/"], cache_path=str(tmp_path), retrys=2)
    with pytest.raises(UserError, match="source.timeout"):
        WebSource(urls=["http://127.0.0.1:9/"], cache_path=str(tmp_path), timeout=-1)
