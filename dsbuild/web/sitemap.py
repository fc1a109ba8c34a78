"""Page URLs from a sitemap: urlset, sitemap index (followed level by level), plain or gzipped XML.

Every sitemap is fetched through the same session as pages (robots.txt, limits, page store), so a rebuild
reads them from the store too. A sitemap that cannot be fetched or parsed stops the build with a UserError:
without it the list of pages is unknown.
"""

from __future__ import annotations

import asyncio
import zlib
from xml.etree import ElementTree

from dsbuild.errors import UserError
from dsbuild.web.address import canonical, url_problem
from dsbuild.web.content import SITEMAP
from dsbuild.web.fetch import WebSession

MAX_UNZIPPED_BYTES = 50 * 1024 * 1024  # the sitemaps.org limit for one sitemap, uncompressed
GZIP_MAGIC = b"\x1f\x8b"


async def sitemap_pages(session: WebSession, url: str) -> list[str]:
    """Page URLs listed by the sitemap at `url` and, for an index, by the sitemaps it lists, in document order."""
    if problem := url_problem(url):
        raise UserError(f"source.sitemap: {problem}")
    pages: list[str] = []
    seen = {canonical(url)}
    level: list[tuple[str, str | None]] = [(canonical(url), None)]
    while level:
        results = await asyncio.gather(*(session.fetch(u, SITEMAP) for u, _ in level))
        next_level = []
        for (u, parent), result in zip(level, results):
            where = f"source.sitemap: {u}" + (f" (listed in {parent})" if parent else "")
            if not result.ok:
                raise UserError(f"{where}: {result.error}; check the address, or list pages in source.urls_file")
            is_index, locs = parse_sitemap(session.store.body(result.sha256), where)
            for loc in locs:
                if problem := url_problem(loc):
                    raise UserError(f"{where}: entry {problem}; fix the sitemap or list pages in source.urls_file")
            if not is_index:
                pages.extend(canonical(loc) for loc in locs)
                continue
            for loc in map(canonical, locs):
                if loc not in seen:
                    seen.add(loc)
                    next_level.append((loc, u))
        level = next_level
    return pages


def parse_sitemap(data: bytes, where: str) -> tuple[bool, list[str]]:
    """(is it a sitemap index, the <loc> of each entry); gzip is undone first. `where` prefixes errors."""
    if data.startswith(GZIP_MAGIC):
        data = _gunzip(data, where)
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as e:
        raise UserError(f"{where}: not a sitemap (XML error: {e}); check the address") from None
    tag = _local(root.tag)
    if tag not in ("urlset", "sitemapindex"):
        raise UserError(f"{where}: not a sitemap (root element <{tag}>, expected <urlset> or <sitemapindex>)")
    entry = "sitemap" if tag == "sitemapindex" else "url"
    locs = []
    for element in root:
        if _local(element.tag) != entry:
            continue
        loc = next((child.text for child in element if _local(child.tag) == "loc"), None)
        locs.append((loc or "").strip())
    return tag == "sitemapindex", locs


def _gunzip(data: bytes, where: str) -> bytes:
    try:
        unzip = zlib.decompressobj(16 + zlib.MAX_WBITS)
        out = unzip.decompress(data, MAX_UNZIPPED_BYTES + 1)
    except zlib.error as e:
        raise UserError(f"{where}: broken gzip data ({e}); check the file on the server") from None
    if len(out) > MAX_UNZIPPED_BYTES or unzip.unconsumed_tail:
        raise UserError(f"{where}: unzips to more than {MAX_UNZIPPED_BYTES} bytes; split it into smaller sitemaps")
    return out


def _local(tag: str) -> str:
    """`urlset` from `{http://www.sitemaps.org/schemas/sitemap/0.9}urlset`."""
    return tag.rsplit("}", 1)[-1]
