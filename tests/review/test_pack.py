"""The review pack: review.html, items.csv, Label Studio tasks and config, pack.json, and `dsbuild review sample`."""

import csv
import json
import re
import xml.etree.ElementTree as ET

import pyarrow as pa
import pytest

from dsbuild.review import cli as review_cli
from dsbuild.review.pack import write_pack
from dsbuild.review.sampling import draw_sample
from dsbuild.review.version_reader import read_version

EMBEDDED = re.compile(r'<script type="application/json" id="pack-data">(.*?)</script>', re.DOTALL)


def make_pack(version_dir, out, size=12, seed=0, stratify_by="department"):
    version = read_version(version_dir)
    sample = draw_sample(version.splits, size, seed, stratify_by)
    return version, sample, *write_pack(version, sample, size, out)


def test_pack_files_describe_the_same_items(version_dir, tmp_path):
    version, sample, out, pid = make_pack(version_dir, tmp_path / "pack")
    ids = [item.id for item in sample.items]
    pack = json.loads((out / "pack.json").read_text(encoding="utf-8"))
    assert pack["version_id"] == version.id and pack["pack_id"] == pid and pack["ids"] == ids
    assert pack["seed"] == 0 and pack["stratify_by"] == "department" and pack["editable"] == ["question", "cot",
                                                                                                "response"]
    assert pack["sizes"]["requested"] == pack["sizes"]["sampled"] == 12 and pack["sizes"]["rows"] == 156
    assert sum(s["sampled"] for s in pack["sizes"]["per_split"].values()) == 12

    with open(out / "items.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["id"] for r in rows] == ids
    assert list(rows[0])[-5:] == ["verdict", "reason", "edited_question", "edited_cot", "edited_response"]
    assert all(r["verdict"] == r["reason"] == r["edited_cot"] == "" for r in rows)
    first = sample.items[0]
    assert rows[0]["question"] == first.fields["question"] and rows[0]["split"] == first.split

    tasks = json.loads((out / "labelstudio.json").read_text(encoding="utf-8"))
    assert [t["data"]["dsb_id"] for t in tasks] == ids
    assert tasks[0]["data"]["dsb_cot"] == first.fields["cot"] and tasks[0]["data"]["dsb_split"] == first.split

    config = ET.fromstring((out / "labelstudio.xml").read_text(encoding="utf-8"))
    choices = config.find("Choices")
    assert choices.get("name") == "verdict" and [c.get("value") for c in choices] == ["accept", "reject"]
    areas = {a.get("name") for a in config.iter("TextArea")}
    assert areas == {"reason", "edit_question", "edit_cot", "edit_response"}
    texts = {t.get("value") for t in config.iter("Text")}
    assert {"$dsb_id", "$dsb_question", "$dsb_cot", "$dsb_response", "$dsb_department"} <= texts


def test_review_page_is_self_contained_and_embeds_the_items(version_dir, tmp_path):
    _, sample, out, pid = make_pack(version_dir, tmp_path / "pack")
    html = (out / "review.html").read_text(encoding="utf-8")
    assert not re.search(r"<(link|img|iframe)\b|\bsrc=|https?://", html)  # nothing fetched: works offline
    data = json.loads(EMBEDDED.search(html).group(1))
    assert data["pack_id"] == pid and [i["id"] for i in data["items"]] == [i.id for i in sample.items]
    assert "localStorage" in html and "dsbuildReview" in html


def test_field_text_cannot_break_out_of_the_page(tmp_path):
    hostile = "</script><script>alert(1)</script> & <b>"
    splits = {"train": pa.table({"id": ["x1"], "question": [hostile], "response": ["ok"]})}

    class Stub:
        id, name, path = "abc123abc123", "demo", tmp_path

    stub = Stub()
    stub.splits = splits
    sample = draw_sample(splits, 1, seed=0)
    out, _ = write_pack(stub, sample, 1, tmp_path / "pack")
    html = (out / "review.html").read_text(encoding="utf-8")
    assert html.count("</script>") == 2  # the data element's and the code's own
    assert json.loads(EMBEDDED.search(html).group(1))["items"][0]["fields"]["question"] == hostile


def test_same_draw_writes_the_same_bytes(version_dir, tmp_path):
    _, _, first, pid1 = make_pack(version_dir, tmp_path / "a", seed=5)
    _, _, second, pid2 = make_pack(version_dir, tmp_path / "b", seed=5)
    assert pid1 == pid2
    for name in ("review.html", "items.csv", "labelstudio.json", "labelstudio.xml", "pack.json"):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    assert make_pack(version_dir, tmp_path / "c", seed=6)[3] != pid1


def test_cli_sample_finds_a_version_by_id_and_writes_the_pack_in_the_working_directory(version_dir, run_review,
                                                                                         tmp_path):
    result = run_review("sample", version_dir.name, "--root", tmp_path / "datasets", "--size", 9, "--seed", 2)
    assert result.returncode == 0, result.stderr
    [pack_dir] = tmp_path.glob(f"review-{version_dir.name}-*")
    assert f"review pack written: {pack_dir}" in result.stdout
    assert len(json.loads((pack_dir / "pack.json").read_text(encoding="utf-8"))["ids"]) == 9


@pytest.mark.parametrize("args, expected", [
    (["sample", "f00f00f00f00", "--size", "3"], "f00f00f00f00"),
    (["sample", "{version}", "--size", "many"], "--size"),
    (["sample", "{version}", "--size", "3", "--stratify-by", "ward"], "'ward'"),
    (["sample", "{version}"], "--size"),
    (["sample", "{version}", "--size", "0"], "--size"),
])
def test_cli_sample_mistakes_are_one_line_with_exit_2(version_dir, capsys, args, expected):
    code = review_cli.main([a.format(version=version_dir) for a in args])
    lines = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(lines) == 1, lines
    assert lines[0].startswith("dsbuild: error: ") and expected in lines[0]
