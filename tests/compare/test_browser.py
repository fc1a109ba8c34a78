"""compare.html in a real browser: every plot loads from its data URI and every section is there.

Drives Debian's chromium with Playwright (no downloaded browser); skipped when either is missing.
"""

from __future__ import annotations

import contextlib
import io
import shutil

import pytest

from dsbuild.compare.cli import main

CHROMIUM = "/usr/bin/chromium" if shutil.which("/usr/bin/chromium") else shutil.which("chromium")
playwright_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (pip install "
                                     "playwright); the compare report's browser test needs it")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason="no chromium at /usr/bin/chromium or on PATH (apt-get install -y "
                       "chromium); the compare report's browser test needs a browser"),
]
SECTIONS = ["Versions", "Rows per stage and split", "Rejects per rule", "Field lengths", "Labels", "Judge scores",
            "Tokens and cost", "Pilot fine-tune", "Overlap", "Samples"]


def test_report_renders_with_every_image_and_section(built, tmp_path):
    _, paths = built
    report = tmp_path / "compare.html"
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["compare", *map(str, paths), "--html", str(report)]) == 0
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            requests = []
            page.on("request", lambda request: requests.append(request.url))
            page.goto(report.as_uri())
            page.wait_for_load_state("load")
            shot = page.screenshot(full_page=True)
            images = page.eval_on_selector_all("img", "els => els.map(e => [e.complete, e.naturalWidth, e.alt])")
            headings = page.eval_on_selector_all("h2", "els => els.map(e => e.textContent)")
        finally:
            browser.close()
    assert shot.startswith(b"\x89PNG") and len(shot) > 10_000
    assert len(images) >= 7 and all(complete and width > 0 for complete, width, _ in images), images
    assert headings == SECTIONS
    assert all(url.startswith(("file://", "data:")) for url in requests)  # nothing fetched from a network
