"""`source=web`: web pages (a list of URLs, a file of them, or a sitemap) -> main text -> passages.

Pages are fetched politely (robots.txt, an identifying user agent, timeouts, retries, a size cap,
a concurrency limit) into a content-addressed page store under `source.cache_path`. A URL already
in the store is not fetched again unless `source.refetch` is true, so a rebuild needs no network;
the manifest records each page's sha256 and fetch time. The main text is extracted with
trafilatura and chunked like documents. A URL that cannot be fetched or has no main text becomes
a reject (rule `fetch` or `extract`) naming the URL and what failed; the build goes on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import fields
from pathlib import Path

from ..documents.chunking import ChunkingConfig, chunk_document
from ..documents.html import extract_html
from ..documents.model import ExtractionError
from ..errors import UserError
from ..web.fetch import FetchResult, fetch_all
from ..web.settings import FetchSettings
from ..web.store import PageStore
from ..web.urls import collect_urls
from .base import Loaded, Source, input_rejects, merge_rejects
from .passages import PassageRows


class WebSource(Source):
    """Passages from web pages, each row keeping its URL (`doc`) and fetch time (`fetched_at`)."""

    def __init__(
        self,
        urls: Sequence[str] | None = None,
        urls_file: str | None = None,
        sitemap: str | None = None,
        chunking: Mapping | None = None,
        cache_path: str = "outputs/cache/web",
        name: str = "web",
        **fetch: object,
    ):
        if not (urls or urls_file or sitemap):
            raise UserError(
                "source=web needs pages: set source.urls=[https://…], source.urls_file=urls.txt "
                "or source.sitemap=https://…/sitemap.xml"
            )
        self.urls = list(urls or [])
        self.urls_file, self.sitemap, self.name = urls_file, sitemap, name
        self.chunking = ChunkingConfig.from_mapping(chunking)
        unknown = sorted(set(fetch) - {f.name for f in fields(FetchSettings)})
        if unknown:
            raise UserError(f"source.{unknown[0]} is not an option of source=web; see conf/source/web.yaml")
        self.settings = FetchSettings.from_config(fetch)
        self.store = PageStore(Path(cache_path).expanduser())
        self._results: list[FetchResult] | None = None

    def fingerprint(self) -> list[dict]:
        return [_entry(result) for result in self._fetch()]

    def load(self) -> Loaded:
        rows, failed_fetch, failed_extract = PassageRows(extra=("fetched_at",)), [], []
        for result in self._fetch():
            if not result.ok:
                failed_fetch.append((result.url, f"{result.url}: {result.error}"))
                continue
            try:
                document = extract_html(self.store.body(result.sha256), url=result.final_url or result.url)
            except ExtractionError as e:
                failed_extract.append((result.url, f"{result.url}: {e}"))
                continue
            chunks = chunk_document(document, self.chunking)
            if not rows.add(result.url, result.sha256, document.title, chunks, fetched_at=result.fetched_at):
                failed_extract.append((result.url, f"{result.url}: no text left after extraction"))
        records = rows.to_records(self.name, "source=web")
        rejected = merge_rejects(
            input_rejects(self.name, failed_fetch, rule="fetch"),
            input_rejects(self.name, failed_extract, rule="extract"),
        )
        return Loaded(
            records, rows_read=records.num_rows + len(failed_fetch) + len(failed_extract),
            inputs=self.fingerprint(), rejected=rejected,
        )

    def _fetch(self) -> list[FetchResult]:
        if self._results is None:  # once per build: the version id and the rows see the same pages
            urls = collect_urls(self.urls, self.urls_file, self.sitemap, self.settings, self.store)
            if not urls:
                raise UserError("source=web found no URL (source.urls, source.urls_file, source.sitemap); add some")
            self._results = fetch_all(urls, self.settings, self.store)
        return self._results


def _entry(result: FetchResult) -> dict:
    if not result.ok:
        return {"kind": "url", "url": result.url, "error": result.error}
    return {"kind": "url", "url": result.url, "final_url": result.final_url, "sha256": result.sha256,
            "fetched_at": result.fetched_at, "status": result.status}
