"""collect_urls: config list, text file and sitemaps (index, plain and gzipped), with one-line errors."""

from __future__ import annotations

import gzip
import re

import pytest

from dsbuild.errors import UserError
from dsbuild.web.sitemap import parse_sitemap
from dsbuild.web.urls import collect_urls


def test_config_urls_in_order_without_duplicates_or_fragments(store, quick):
    urls = ["https://a.example/1", "https://a.example/2#intro", "HTTPS://a.example/1", " https://a.example/2 "]
    assert collect_urls(urls, None, None, quick, store) == ["https://a.example/1", "https://a.example/2"]


@pytest.mark.parametrize("bad, says", [
    ("ftp://a.example/x", "source.urls[1]: 'ftp://a.example/x' is not an http(s) URL"),
    ("a.example/page", "source.urls[1]: 'a.example/page' is not an http(s) URL"),
    ("https://a.example/two words", "source.urls[1]: 'https://a.example/two words' contains spaces"),
    ("http://a.example:port/", "source.urls[1]: 'http://a.example:port/' is not a valid URL"),
    ("", "source.urls[1]: empty URL"),
    (None, "source.urls[1]: empty URL"),
])
def test_a_bad_config_url_names_its_index(store, quick, bad, says):
    with pytest.raises(UserError, match="^" + re.escape(says)):
        collect_urls(["https://a.example/ok", bad], None, None, quick, store)


def test_a_string_instead_of_a_list_and_nothing_at_all_are_user_errors(store, quick):
    with pytest.raises(UserError, match=r"^source.urls: expected a list"):
        collect_urls("https://a.example/", None, None, quick, store)
    with pytest.raises(UserError, match="set at least one"):
        collect_urls([], None, "", quick, store)


def test_urls_file_skips_comments_and_blank_lines(tmp_path, store, quick):
    path = tmp_path / "urls.txt"
    path.write_text("# pages to read\n\nhttps://a.example/1\n  https://a.example/2  \n# end\nhttps://a.example/1\n",
                    encoding="utf-8")
    found = collect_urls(["https://a.example/0", "https://a.example/2"], str(path), None, quick, store)
    assert found == ["https://a.example/0", "https://a.example/2", "https://a.example/1"]


def test_urls_file_errors_name_the_file_and_line(tmp_path, store, quick):
    path = tmp_path / "urls.txt"
    path.write_text("https://a.example/1\n# note\nmailto:me@a.example\n", encoding="utf-8")
    with pytest.raises(UserError, match=rf"^{path}:3: 'mailto:me@a.example' is not an http\(s\) URL"):
        collect_urls(None, str(path), None, quick, store)
    with pytest.raises(UserError, match="no such file; check source.urls_file"):
        collect_urls(None, str(tmp_path / "nope.txt"), None, quick, store)
    path.write_bytes(b"https://a.example/\xff\n")
    with pytest.raises(UserError, match="not UTF-8 text"):
        collect_urls(None, str(path), None, quick, store)


def test_sitemap_index_with_plain_and_gzipped_sitemaps(site, store, quick):
    found = collect_urls([site.url("/page/0")], None, site.url("/sitemap_index.xml"), quick, store)
    assert found == [site.url("/page/0"), site.url("/page/1"), site.url("/page/2"), site.url("/page/3")]
    for path in ("/sitemap_index.xml", "/sitemap1.xml", "/sitemap2.xml.gz"):
        assert store.get(site.url(path)).status == 200
    assert {agent for _, _, agent in site.traffic.requests} == {quick.user_agent}

    site.traffic.reset()
    assert collect_urls(None, None, site.url("/sitemap_index.xml"), quick, store) == found[1:]
    assert site.traffic.paths() == []  # a rebuild reads the sitemaps from the store


def test_sitemap_that_fails_stops_the_build_with_the_reason(site, store, quick):
    with pytest.raises(UserError, match=r"^source.sitemap: http://\S+/missing.xml: HTTP 404; check the address"):
        collect_urls(None, None, site.url("/missing.xml"), quick, store)
    with pytest.raises(UserError, match=r"/private/sitemap.xml: disallowed by robots.txt"):
        collect_urls(None, None, site.url("/private/sitemap.xml"), quick, store)
    with pytest.raises(UserError, match=r"/page/1: not a sitemap \(root element <html>"):
        collect_urls(None, None, site.url("/page/1"), quick, store)
    with pytest.raises(UserError, match=r"^source.sitemap: 'file:///sitemap.xml' is not an http\(s\) URL"):
        collect_urls(None, None, "file:///sitemap.xml", quick, store)


def test_parse_sitemap_reads_locs_and_rejects_bad_input():
    urlset = (b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
              b"<url><loc> https://a.example/1 </loc><lastmod>2024-01-01</lastmod></url>"
              b"<url><loc>https://a.example/2</loc></url></urlset>")
    assert parse_sitemap(urlset, "here") == (False, ["https://a.example/1", "https://a.example/2"])
    assert parse_sitemap(gzip.compress(urlset), "here") == parse_sitemap(urlset, "here")
    with pytest.raises(UserError, match=r"^here: not a sitemap \(XML error"):
        parse_sitemap(b"<urlset><url>", "here")
    with pytest.raises(UserError, match=r"^here: broken gzip data"):
        parse_sitemap(b"\x1f\x8b" + b"\x00" * 20, "here")


def test_a_bad_entry_in_a_sitemap_is_named(site, store, quick, monkeypatch):
    import dsbuild.web.sitemap as sitemap

    monkeypatch.setattr(sitemap, "parse_sitemap", lambda data, where: (False, ["https://a.example/1", "gopher://x"]))
    with pytest.raises(UserError, match=r"sitemap_index.xml: entry 'gopher://x' is not an http\(s\) URL"):
        collect_urls(None, None, site.url("/sitemap_index.xml"), quick, store)
