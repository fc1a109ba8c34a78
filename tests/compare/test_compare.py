"""`dsbuild compare` on versions built once: the terminal table, every report section, overlap, samples,
sweep folders and the one-line errors.

Slow: building three versions and drawing their plots takes half a minute (matplotlib is most of it)."""

from __future__ import annotations

import base64
import contextlib
import io
import re
import shutil

import pytest

from dsbuild.compare.cli import main
from dsbuild.compare.inputs import select
from dsbuild.compare.measures import categorical_fields, measure
from dsbuild.compare.overlap import overlap
from dsbuild.compare.samples import pick_samples
from dsbuild.sweep import version_row, write_summary

SECTIONS = {"versions": "Versions", "rows": "Rows per stage and split", "rejects": "Rejects per rule",
            "lengths": "Field lengths", "labels": "Labels", "judge": "Judge scores", "llm": "Tokens and cost",
            "pilot": "Pilot fine-tune", "overlap": "Overlap", "samples": "Samples"}
pytestmark = pytest.mark.slow
IMAGE = re.compile(r'<img alt="([^"]*)" src="data:image/png;base64,([A-Za-z0-9+/=]+)">')


@pytest.fixture(scope="module")
def report(built, tmp_path_factory):
    """The report of the three versions, and what the command printed."""
    _, paths = built
    out = tmp_path_factory.mktemp("report") / "report.html"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        code = main(["compare", *map(str, paths), "--html", str(out)])
    assert code == 0
    return out.read_text(encoding="utf-8"), printed.getvalue()


def test_terminal_table_has_a_column_per_version_and_every_block(built, report):
    _, paths = built
    _, printed = report
    header = next(line for line in printed.splitlines() if paths[0].name in line)
    assert all(p.name in header for p in paths)
    for row in ("Rows per stage", "annotate:judge", "Rows per split", "validation", "clean: exact_dedup",
                "judge: tokens", "total cost (USD)", "Judge score", "Mean length (characters)", "response"):
        assert row in printed, row
    assert "report written:" in printed


def test_judged_version_shows_its_rejects_tokens_and_cost(built):
    _, paths = built
    seed, judged = measure(select([str(paths[0])], paths[0]).versions[0].version), \
        measure(select([str(paths[2])], paths[2]).versions[0].version)
    assert not seed.llm and not seed.judge_scores
    assert judged.llm["judge"]["tokens"] > 0 and judged.llm["judge"]["cost_usd"] > 0
    assert judged.rejects[("annotate:judge", "judge")] > 0 and min(judged.judge_scores) >= 3
    assert "department" in judged.categorical and "lang" in judged.categorical


def test_report_has_every_section_and_a_png_for_each_plot(built, report):
    _, paths = built
    page, _ = report
    for anchor, title in SECTIONS.items():
        assert f'<section id="{anchor}"><h2>{title}</h2>' in page
    measures = [measure(c.version) for c in select(list(map(str, paths)), paths[0]).versions]
    images = IMAGE.findall(page)
    fields = categorical_fields(measures)
    assert "department" in fields
    assert len(images) == 3 + len(fields) + 2  # question, cot, response lengths; labels; judge; tokens and cost
    assert all(base64.b64decode(data).startswith(b"\x89PNG\r\n\x1a\n") for _, data in images)
    assert {alt for alt, _ in images} >= {"cot length distribution", "department distribution",
                                          "judge score distribution", "tokens and cost"}
    assert "http://" not in page.replace("http://www.w3.org", "") and "https://" not in page
    assert "<link" not in page and "<script" not in page


def test_overlap_counts_shared_rows_by_id_split_and_text(built):
    _, paths = built
    measures = [measure(c.version) for c in select(list(map(str, paths)), paths[0]).versions]
    found = overlap(measures)
    rows = [m.rows.num_rows for m in measures]
    assert [found.by_id[i][i] for i in range(3)] == rows
    assert found.by_id[0][1] == rows[0] == 156  # another seed: the same rows, in other splits
    assert found.same_split[0][1] < 156
    assert found.by_id[0][2] == rows[2] < 156  # the judge only removed rows
    assert found.text_field == "question" and found.by_text[0][1] == found.by_id[0][1]


def test_samples_put_the_same_input_side_by_side_judged_rows_first(built, report):
    _, paths = built
    measures = [measure(c.version) for c in select(list(map(str, paths)), paths[0]).versions]
    samples = pick_samples(measures, 4)
    assert len(samples) == 4 and all(s.matched_by == "id" for s in samples)
    assert all(len(s.cells) == 3 and s.cells[2] and "judge_score" in s.cells[2] for s in samples)
    assert all(s.cells[0]["response"] == s.cells[2]["response"] for s in samples)
    page, _ = report
    samples_html = page.split('<section id="samples">')[1]
    assert samples_html.count('<table class="samples">') == 5 and samples[0].question in samples_html


def test_report_is_the_same_file_every_time(built, tmp_path):
    _, paths = built
    outputs = [tmp_path / "a.html", tmp_path / "b.html"]
    for out in outputs:
        assert main(["compare", *map(str, paths[:2]), "--html", str(out)]) == 0
    assert outputs[0].read_bytes() == outputs[1].read_bytes()


def test_a_sweep_folder_is_labelled_by_swept_values_and_keeps_failed_jobs(built, tmp_path, capsys):
    _, paths = built
    sweep = tmp_path / "sweep"
    sweep.mkdir()
    rows = [{"job": 0, "swept": ["split.seed=1"], "overrides": ["split.seed=1"], **version_row(paths[0])},
            {"job": 1, "swept": ["split.seed=2"], "overrides": ["split.seed=2"], **version_row(paths[1])},
            {"job": 2, "swept": ["split.ratios=[0.5,0.2,0.2]"], "overrides": [], "error": "split.ratios sums to 0.9"}]
    write_summary(sweep, rows)
    assert main(["compare", str(sweep)]) == 0
    printed = capsys.readouterr().out
    header = next(line for line in printed.splitlines() if "split.seed=1" in line)
    assert "split.seed=2" in header
    assert "not compared (the job failed): split.ratios=[0.5,0.2,0.2]: split.ratios sums to 0.9" in printed
    page = (sweep / "compare.html").read_text(encoding="utf-8")
    assert "split.seed=2" in page and "sums to 0.9" in page


def test_version_ids_are_looked_up_under_root_and_repeats_get_their_own_column(built, tmp_path, capsys,
                                                                                monkeypatch):
    root, paths = built
    monkeypatch.chdir(tmp_path)
    assert main(["compare", paths[0].name, paths[0].name, "--root", str(root)]) == 0
    printed = capsys.readouterr().out
    assert f"{paths[0].name} (2)" in printed and (tmp_path / "compare.html").is_file()


def test_a_copied_version_folder_compares_like_the_original(built, tmp_path, capsys):
    _, paths = built
    copy = shutil.copytree(paths[0], tmp_path / "copy")
    assert main(["compare", str(paths[0]), str(copy), "--html", str(tmp_path / "r.html")]) == 0
    measures = [measure(c.version) for c in select([str(paths[0]), str(copy)], paths[0]).versions]
    assert overlap(measures).same_split == [[156, 156], [156, 156]]
