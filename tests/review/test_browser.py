"""review.html in a real browser: keys, progress kept across a reload, export, then `dsbuild review apply`.

Drives Debian's chromium with Playwright (no downloaded browser); skipped when either is missing.
"""

import json
import shutil
from pathlib import Path

import pytest

from dsbuild.review.pack import write_pack
from dsbuild.review.sampling import draw_sample
from dsbuild.review.version_reader import read_version

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
playwright_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (pip install "
                                     "playwright); the review page's browser test needs it")
expect = playwright_api.expect
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason="no chromium on PATH (apt-get install -y chromium); the review "
                       "page's browser test needs a browser"),
]


def make_pack(version_dir, out, seed):
    version = read_version(version_dir)
    sample = draw_sample(version.splits, 6, seed, "department")
    return sample, write_pack(version, sample, 6, out)[0] / "review.html"


def test_review_page_keys_progress_export_and_apply(version_dir, tmp_path, run_review):
    sample, page_file = make_pack(version_dir, tmp_path / "pack", seed=3)
    _, other_page = make_pack(version_dir, tmp_path / "other", seed=4)
    items = sample.items
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_context(accept_downloads=True).new_page()
            errors = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(page_file.as_uri())
            position, status, counts = page.locator("#position"), page.locator("#status"), page.locator("#counts")
            assert position.inner_text() == "Item 1 of 6"
            assert items[0].fields["question"] in page.locator("#fields").inner_text()

            page.keyboard.press("a")  # accept, on to the next item
            assert position.inner_text() == "Item 2 of 6"
            page.keyboard.press("r")  # reject: the reason box takes the keys, Enter goes on
            page.keyboard.type("wrong dose, see guideline")
            page.keyboard.press("Enter")
            assert position.inner_text() == "Item 3 of 6"
            page.keyboard.press("e")  # edit: the first text field is focused
            page.keyboard.press("Control+a")
            page.keyboard.type("How high a fever needs a doctor?")
            page.keyboard.press("Control+Enter")
            assert status.inner_text() == "Accepted · edited"
            assert "How high a fever needs a doctor?" in page.locator("#fields").inner_text()
            page.keyboard.press("n")
            page.keyboard.press("ArrowRight")
            assert position.inner_text() == "Item 5 of 6"
            page.keyboard.press("ArrowLeft")
            page.keyboard.press("p")
            page.keyboard.press("p")
            assert position.inner_text() == "Item 2 of 6" and status.inner_text() == "Rejected"
            page.keyboard.press("?")
            assert page.locator("#help").is_visible()
            page.keyboard.press("Escape")
            assert not page.locator("#help").is_visible()
            assert counts.inner_text() == "3 / 6 reviewed · 2 accepted · 1 rejected · 1 edited"

            page.reload()  # progress lives in localStorage, keyed by version id + pack id
            expect(position).to_have_text("Item 2 of 6")  # waits: the page restores progress after loading
            expect(status).to_have_text("Rejected")
            expect(page.locator("#reason")).to_have_value("wrong dose, see guideline")
            expect(counts).to_have_text("3 / 6 reviewed · 2 accepted · 1 rejected · 1 edited")
            from_function = page.evaluate("window.dsbuildReview.verdicts()")
            with page.expect_download() as download:
                page.locator("#export").click()
            assert download.value.suggested_filename == "verdicts.json"
            verdicts_file = tmp_path / "verdicts.json"
            download.value.save_as(verdicts_file)

            other = page.context.new_page()  # another pack of the same version starts afresh
            other.goto(other_page.as_uri())
            assert other.locator("#counts").inner_text().startswith("0 / 6 reviewed")
            assert errors == []
        finally:
            browser.close()

    exported = json.loads(verdicts_file.read_text(encoding="utf-8"))
    assert {k: v for k, v in exported.items() if k != "exported_at"} == \
        {k: v for k, v in from_function.items() if k != "exported_at"}
    assert exported["verdicts"] == [
        {"id": items[0].id, "split": items[0].split, "verdict": "accept"},
        {"id": items[1].id, "split": items[1].split, "verdict": "reject", "reason": "wrong dose, see guideline"},
        {"id": items[2].id, "split": items[2].split, "verdict": "accept",
         "edits": {"question": "How high a fever needs a doctor?"}},
    ]

    result = run_review("apply", version_dir, verdicts_file)
    assert result.returncode == 0, result.stderr
    new = Path(result.stdout.split("dataset version written: ")[1].split()[0])
    child = read_version(new)
    assert child.manifest["parent"] == version_dir.name
    assert (child.manifest["review"]["reviewed"], child.manifest["review"]["rejected"]) == (3, 1)
    rows = {row["id"]: row for name in ("train", "validation", "test") for row in child.splits[name].to_pylist()}
    assert items[1].id not in rows and rows[items[2].id]["question"] == "How high a fever needs a doctor?"
    rejects = [json.loads(line) for line in (new / "rejects.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(r["id"], r["_rule"], r["_reason"]) for r in rejects if r["_stage"] == "review"] == \
        [(items[1].id, "reviewer", "wrong dose, see guideline")]
