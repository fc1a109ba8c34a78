"""A small web site on 127.0.0.1 for the web fetching tests.

The server records every request (path, User-Agent) and the most requests it had in flight at once. Its
pages: /page/<n>, /flaky (500 twice, then 200), /busy (429 with Retry-After: 1, then 200), /slow?s=<seconds>,
/huge (200 KB, with or without Content-Length), /redirect, /loop, /private/... (robots.txt forbids it),
/image.png, /sitemap_index.xml listing /sitemap1.xml and /sitemap2.xml.gz; anything else is a 404.
"""

from __future__ import annotations

import gzip
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
ROBOTS = "User-agent: *\nDisallow: /private/\n"


@dataclass
class Traffic:
    """What one or more servers saw; shared between servers to count requests in flight across hosts."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    requests: list[tuple[str, str, str]] = field(default_factory=list)  # (host:port, path, user agent)
    in_flight: int = 0
    max_in_flight: int = 0
    hits: dict[tuple[str, str], int] = field(default_factory=dict)

    def paths(self) -> list[str]:
        with self.lock:
            return [path for _, path, _ in self.requests]

    def start(self, host: str, path: str, agent: str) -> int:
        """Records a request; returns how many times this host saw this path, this one included."""
        with self.lock:
            self.requests.append((host, path, agent))
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            key = (host, urlsplit(path).path)
            self.hits[key] = self.hits.get(key, 0) + 1
            return self.hits[key]

    def end(self) -> None:
        with self.lock:
            self.in_flight -= 1

    def reset(self) -> None:
        with self.lock:
            self.requests.clear()
            self.max_in_flight = 0


class _QuietServer(ThreadingHTTPServer):
    """Threads do not outlive the test, and a client hanging up (timeouts, size cap) prints nothing."""

    daemon_threads = True

    def handle_error(self, request, client_address):
        pass


class Site:
    """One ThreadingHTTPServer on 127.0.0.1 in a daemon thread; `url(path)` addresses it."""

    def __init__(self, traffic: Traffic, robots: str | int = ROBOTS):
        self.traffic, self.robots = traffic, robots
        self.server = _QuietServer(("127.0.0.1", 0), _handler_for(self))
        self.host = f"127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://{self.host}{path}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _handler_for(site: Site):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_GET(self):
            hit = site.traffic.start(site.host, self.path, self.headers.get("User-Agent", ""))
            try:
                self._route(urlsplit(self.path), hit)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout, size cap): expected in these tests
            finally:
                site.traffic.end()

        def _send(self, status: int, body: bytes = b"", ctype: str = "text/html; charset=utf-8", headers=()):
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def _route(self, url, hit: int):
            path, query = url.path, parse_qs(url.query)
            if path == "/robots.txt":
                if isinstance(site.robots, int):
                    return self._send(site.robots, b"no", "text/plain")
                return self._send(200, site.robots.encode(), "text/plain")
            if path.startswith(("/page/", "/private/")):
                return self._send(200, f"<html><body><p>Page {path}</p></body></html>".encode())
            if path == "/slow":
                time.sleep(float(query.get("s", ["2"])[0]))
                return self._send(200, f"<p>slow {url.query}</p>".encode())
            if path == "/flaky":
                return self._send(500, b"oops") if hit <= 2 else self._send(200, b"<p>flaky, finally</p>")
            if path == "/busy":
                if hit == 1:
                    return self._send(429, b"slow down", headers=[("Retry-After", "1")])
                return self._send(200, b"<p>busy, finally</p>")
            if path == "/huge":
                return self._huge(with_length="length" in query)
            if path == "/redirect":
                return self._send(302, b"", headers=[("Location", "/page/target")])
            if path == "/loop":
                return self._send(302, b"", headers=[("Location", f"/loop?n={hit}")])
            if path == "/image.png":
                return self._send(200, PNG, "image/png")
            if path == "/sitemap_index.xml":
                return self._send(200, _index(site), "application/xml")
            if path == "/sitemap1.xml":
                return self._send(200, _urlset(site, ["/page/1", "/page/2#top"]), "application/xml")
            if path == "/sitemap2.xml.gz":
                return self._send(200, gzip.compress(_urlset(site, ["/page/3", "/page/2"])), "application/gzip")
            return self._send(404, b"not here")

        def _huge(self, with_length: bool):
            chunk = b"<p>" + b"x" * 1000 + b"</p>\n"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            if with_length:
                self.send_header("Content-Length", str(len(chunk) * 200))
            else:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            for _ in range(200):
                self.wfile.write(chunk)

    return Handler


def _urlset(site: Site, paths: list[str]) -> bytes:
    entries = "".join(f"<url><loc>{site.url(p)}</loc></url>" for p in paths)
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>').encode()


def _index(site: Site) -> bytes:
    entries = "".join(f"<sitemap><loc>{site.url(p)}</loc></sitemap>" for p in ("/sitemap1.xml", "/sitemap2.xml.gz"))
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</sitemapindex>').encode()
