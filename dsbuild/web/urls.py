"""The URLs a `web` source fetches: from `source.urls`, a `source.urls_file` and/or a `source.sitemap`.

Only absolute http(s) URLs; the #fragment is dropped and duplicates are removed keeping the first. A bad URL
in the config or the file is the user's to fix, so it stops the build with the key or file:line to change.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from dsbuild.errors import UserError
from dsbuild.web.address import canonical, url_problem
from dsbuild.web.fetch import open_session, run_blocking
from dsbuild.web.settings import FetchSettings
from dsbuild.web.sitemap import sitemap_pages
from dsbuild.web.store import PageStore


def collect_urls(urls: Sequence[str] | None, urls_file: str | None, sitemap: str | None,
                 settings: FetchSettings, store: PageStore) -> list[str]:
    """Config URLs, then the file's, then the sitemap's, without duplicates; fetches (and stores) the sitemap."""
    if not urls and not urls_file and not sitemap:
        raise UserError("source.urls, source.urls_file and source.sitemap are all empty; set at least one")
    found = _config_urls(urls) if urls else []
    if urls_file:
        found += read_urls_file(Path(urls_file))
    if sitemap:
        found += run_blocking(_sitemap(sitemap, settings, store))
    return list(dict.fromkeys(found))


def _config_urls(urls: Sequence[str]) -> list[str]:
    if isinstance(urls, (str, bytes)):
        raise UserError(f"source.urls: expected a list of URLs, got the text {urls!r}; write source.urls=[{urls}]")
    found = []
    for i, url in enumerate(urls):
        if problem := url_problem(url):
            raise UserError(f"source.urls[{i}]: {problem}")
        found.append(canonical(url))
    return found


def read_urls_file(path: Path) -> list[str]:
    """One URL per line; blank lines and lines starting with # are skipped."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise UserError(f"{path}: no such file; check source.urls_file") from None
    except UnicodeDecodeError as e:
        raise UserError(f"{path}: not UTF-8 text ({e.reason} at byte {e.start}); save it as UTF-8") from None
    except OSError as e:
        raise UserError(f"{path}: cannot read it ({e.strerror}); check source.urls_file") from None
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if problem := url_problem(line):
            raise UserError(f"{path}:{number}: {problem}")
        found.append(canonical(line))
    return found


async def _sitemap(url: str, settings: FetchSettings, store: PageStore) -> list[str]:
    async with open_session(settings, store) as session:
        return await sitemap_pages(session, url)
