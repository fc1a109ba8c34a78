"""The card's quality statistics: per-rule drops with shares and example rejects, before/after histograms."""

import json
import re
import subprocess
import sys

import numpy as np
import pyarrow as pa
import pytest
from PIL import Image

from dsbuild.version.card import rejects_section
from dsbuild.version.fingerprint import file_sha256
from dsbuild.version.histograms import write_histograms
from dsbuild.version.stats import FEATURES, Profile, profile
from dsbuild.version.writer import reject_examples


def build_into(out):
    from hydra import compose, initialize_config_dir

    from dsbuild.build import build
    from dsbuild.config import CONF_DIR

    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose(config_name="config", overrides=[f"output_dir={out}"])
    return build(cfg, show_progress=False)


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory):
    return build_into(tmp_path_factory.mktemp("a")), build_into(tmp_path_factory.mktemp("b"))


def read_rejects(folder):
    return [json.loads(line) for line in (folder / "rejects.jsonl").read_text(encoding="utf-8").splitlines()]


def test_card_lists_each_rule_with_its_share_of_the_stage_and_its_first_five_rejects(two_builds):
    result, _ = two_builds
    card = (result.path / "README.md").read_text(encoding="utf-8")
    rejects = read_rejects(result.path)
    clean = next(s for s in result.stages if s["stage"] == "clean")
    assert len(clean["by_rule"]) >= 4
    for rule, n in clean["by_rule"].items():
        share = f"{100 * n / clean['rows_in']:.1f}%"
        assert f"| clean | {rule} | {n} | {share} |" in card
        refs = [r["source_ref"] for r in rejects if r["_rule"] == rule][:5]
        block = card.split(f"- **clean / {rule}** ({len(refs)} of {n})\n", 1)[1].split("\n- **", 1)[0]
        items = re.findall(r"^  - `([^`]+)`: ", block, flags=re.M)
        assert items == refs
    assert "| clean | exact_dedup | 20 | 10.2% |" in card and "(5 of 20)" in card


def test_histogram_pngs_are_valid_referenced_and_in_the_manifest_with_their_sha256(two_builds):
    result, _ = two_builds
    card = (result.path / "README.md").read_text(encoding="utf-8")
    manifest = json.loads((result.path / "manifest.json").read_text(encoding="utf-8"))
    pngs = sorted(p.name for p in result.path.glob("*.png"))
    assert pngs == sorted(manifest["figures"]) == ["card_cot.png", "card_question.png", "card_response.png"]
    for name in pngs:
        data = (result.path / name).read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n") and b"tIME" not in data and b"Software" not in data
        with Image.open(result.path / name) as image:
            image.verify()
        assert f"]({name})" in card
        assert manifest["figures"][name] == {"field": name[5:-4], "sha256": file_sha256(result.path / name)}


def test_two_builds_in_different_folders_give_identical_pngs_card_and_manifest_figures(two_builds):
    first, second = two_builds
    assert first.version_id == second.version_id and first.path != second.path
    for name in ["README.md", *(p.name for p in first.path.glob("*.png"))]:
        assert (first.path / name).read_bytes() == (second.path / name).read_bytes(), name
    figures = [json.loads((r.path / "manifest.json").read_text(encoding="utf-8"))["figures"] for r in two_builds]
    assert figures[0] == figures[1]


def test_reject_examples_keep_the_first_five_per_rule_in_file_order():
    rules = ["a"] * 3 + ["b"] + ["a"] * 9
    rejects = pa.table({
        "id": [f"r{i}" for i in range(13)],
        "source_ref": [None if i == 1 else f"f.jsonl:line {i}" for i in range(13)],
        "_stage": ["clean"] * 13, "_rule": rules, "_reason": [f"why {i}" for i in range(13)],
    })
    examples = reject_examples(rejects)
    assert examples[("clean", "a")] == [("f.jsonl:line 0", "why 0"), ("r1", "why 1"), ("f.jsonl:line 2", "why 2"),
                                        ("f.jsonl:line 4", "why 4"), ("f.jsonl:line 5", "why 5")]
    assert examples[("clean", "b")] == [("f.jsonl:line 3", "why 3")]
    assert reject_examples(None) == {} and reject_examples(rejects.slice(0, 0)) == {}


def test_example_reasons_are_escaped_and_shortened_and_refs_kept_verbatim():
    stages = [{"stage": "clean", "rows_in": 30_000, "added": 0, "by_rule": {"html": 2}}]
    long_ref = "docs/" + "x" * 200 + ".pdf:p3"
    examples = {("clean", "html"): [("a`b.jsonl:line 7", "has <b>*bold*</b> | &nbsp; [x](y)\nsecond line"),
                                    (long_ref, "y" * 500)]}
    lines = rejects_section(stages, examples)
    assert "| clean | html | 2 | <0.1% |" in lines
    first, second = [line for line in lines if line.startswith("  - ")]
    assert first == r"  - ``a`b.jsonl:line 7``: has \<b\>\*bold\*\</b\> \| \&nbsp; \[x\](y) second line"
    ref, reason = second[len("  - "):].split(": ", 1)
    assert len(ref) == 82 and ref.endswith(".pdf:p3`") and "…" in ref
    assert len(reason) == 200 and reason.endswith("…")


def test_profile_measures_every_row_and_histograms_are_deterministic(tmp_path):
    lengths = np.r_[np.full(990, 20), np.full(10, 100_000)]
    table = pa.table({"id": [str(i) for i in range(1001)],
                      "question": ["q" * int(n) for n in lengths] + [None], "department": ["x"] * 1001})
    measured = profile(table)
    assert measured.rows == 1001 and {k.split(".")[0] for k in measured.values} == {"question"}
    assert np.array_equal(measured.values["question.length"], lengths)
    assert {k for k in measured.values if k != "question.length"} == {f"question.{f}" for f in FEATURES}
    assert all(v.size == 1000 for v in measured.values.values())  # the null is missing, not a zero ratio
    assert np.all(measured.values["question.repeated_ngram_ratio"] == 0)
    after = profile(table.slice(0, 990))
    for folder in (tmp_path / "one", tmp_path / "two"):
        folder.mkdir()
        assert write_histograms(folder, measured, after) == {"question": "card_question.png"}
    one, two = ((tmp_path / d / "card_question.png").read_bytes() for d in ("one", "two"))
    assert one == two
    assert write_histograms(tmp_path, Profile(), Profile()) == {}


def test_lengths_cover_every_row_and_features_an_evenly_spaced_sample(monkeypatch):
    import dsbuild.version.stats as stats

    monkeypatch.setattr(stats, "SAMPLE_ROWS", 10)
    table = pa.table({"response": [f"{i} " + "word " * (i % 7) for i in range(1000)]})
    measured = stats.profile(table)
    assert measured.values["response.length"].size == 1000
    assert measured.values["response.digit_ratio"].size == 10
    picked = table.take(stats.sample_rows(table.num_rows, 10)).column("response").to_pylist()
    assert picked[0].startswith("0 ") and picked[-1].startswith("999 ") and len(set(picked)) == 10


def test_importing_dsbuild_does_not_import_matplotlib():
    code = "import sys, dsbuild.build, dsbuild.cli; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
