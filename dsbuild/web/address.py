"""Which strings are URLs dsbuild will fetch: absolute http(s) with a host, no spaces; the #fragment is dropped."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit


def url_problem(url: object) -> str | None:
    """Why `url` cannot be fetched, in a few words, or None when it can."""
    if not isinstance(url, str) or not url.strip():
        return "empty URL; fill it in or remove it" if isinstance(url, str) or url is None else f"{url!r} is not text"
    text = url.strip()
    if any(c.isspace() for c in text):
        return f"{text!r} contains spaces; percent-encode them as %20"
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError as e:
        return f"{text!r} is not a valid URL ({e})"
    if parts.scheme.lower() not in ("http", "https"):
        return f"{text!r} is not an http(s) URL; write it as https://host/path"
    if not parts.hostname:
        return f"{text!r} has no host; write it as https://host/path"
    return None


def canonical(url: str) -> str:
    """`url` without surrounding spaces and #fragment (the server never sees it), so duplicates compare equal."""
    parts = urlsplit(url.strip())
    return urlunsplit((parts.scheme.lower(), parts.netloc, parts.path, parts.query, ""))
