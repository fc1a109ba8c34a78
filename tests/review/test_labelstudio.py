"""Label Studio round trip from the CLI: the same annotations exported as JSON, JSON_MIN or CSV make one version."""

import json
import re
import xml.etree.ElementTree as ET

import pytest
from review.labelstudio_exports import annotation, json_export, json_min_export, legacy_tasks, write_csv_export

from dsbuild.errors import UserError
from dsbuild.review.pack import write_pack
from dsbuild.review.sampling import draw_sample
from dsbuild.review.verdict_files import read_verdicts
from dsbuild.review.version_reader import read_version

COUNTS = re.compile(r"reviewed (\d+): (\d+) accepted, (\d+) rejected, (\d+) edited")


def pack_tasks(version_dir, tmp_path, size=6):
    """The sampled items and the tasks of their pack's labelstudio.json."""
    version = read_version(version_dir)
    sample = draw_sample(version.splits, size, seed=3)
    out, _ = write_pack(version, sample, size, tmp_path / "pack")
    return sample.items, json.loads((out / "labelstudio.json").read_text(encoding="utf-8"))


def reviewed_annotations():
    """By task: a later reject; an accept updated after a newer reject, with an edit ending in the editor's line
    break; edits with spaces and \\r\\n and in two texts; one more edit; a cancelled task; an untouched task."""
    return {
        0: [annotation(1, "accept", created="2024-05-02T09:00:00.000000Z"),
            annotation(2, "reject", reason="unsafe advice\n", created="2024-05-02T10:00:00.000000Z")],
        1: [annotation(3, "accept", edits={"response": "Rest, fluids and sleep.\n"},
                       created="2024-05-02T09:00:00.000000Z", updated="2024-05-02T11:00:00.000000Z"),
            annotation(4, "reject", created="2024-05-02T10:00:00.000000Z")],
        2: [annotation(5, "accept", edits={"question": "  What helps a fever?  \r\n", "cot": ["Step one.", "Two.\n"]})],
        3: [annotation(6, "accept", edits={"cot": "Check the temperature first."})],
        4: [annotation(7, "reject", cancelled=True)],
    }


def records_by_id(version_path, split):
    """{id: record} of a cot_sft split file, matched to ids through its lineage file."""
    records = json.loads((version_path / f"{split}.json").read_text(encoding="utf-8"))
    lineage = [json.loads(line) for line in (version_path / f"{split}.lineage.jsonl").read_text().splitlines()]
    return {line["id"]: record for line, record in zip(lineage, records, strict=True)}


@pytest.mark.slow
def test_json_csv_and_json_min_exports_of_the_same_annotations_make_the_same_version(version_dir, tmp_path, run_cli):
    items, tasks = pack_tasks(version_dir, tmp_path)
    export = json_export(tasks, reviewed_annotations())
    files = {"json": tmp_path / "project-3-at-2024-05-02.json", "min": tmp_path / "project-3-min.json",
             "csv": tmp_path / "project-3-at-2024-05-02.csv"}
    files["json"].write_text(json.dumps(export, ensure_ascii=False), encoding="utf-8")
    files["min"].write_text(json.dumps(json_min_export(export), ensure_ascii=False, indent=2), encoding="utf-8")
    write_csv_export(export, files["csv"])
    header = files["csv"].read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith('"annotation_id","annotator","created_at","dsb_cot"') and '"edit_response"' in header

    written = None
    for kind in ("csv", "json", "min"):
        result = run_cli("review", "apply", str(version_dir), str(files[kind]))
        assert result.returncode == 0, (kind, result.stderr)
        assert [tuple(map(int, m)) for m in COUNTS.findall(result.stdout)] == [(4, 3, 1, 3)], (kind, result.stdout)
        first_line = result.stdout.splitlines()[0]
        assert first_line.startswith("dataset version already exists: " if written else "dataset version written: ")
        written = written or first_line.split(": ", 1)[1]

    new = version_dir.parent / written.rsplit("/", 1)[-1]
    manifest = json.loads((new / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["review"]["verdicts"]["kind"] == "labelstudio"
    assert manifest["review"]["verdicts"]["file"] == files["csv"].name  # the first apply wrote the version
    after = {item.id: records_by_id(new, item.split).get(item.id) for item in items}
    assert after[items[0].id] is None  # the later annotation rejected it
    assert after[items[1].id]["Response"] == "Rest, fluids and sleep."  # updated last: the accept with its edit
    assert after[items[2].id]["Question"] == "What helps a fever?"
    assert after[items[2].id]["Complex-CoT"] == "Step one.\nTwo."
    assert after[items[3].id]["Complex-CoT"] == "Check the temperature first."
    rejects = [json.loads(line) for line in (new / "rejects.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["_reason"] for r in rejects if r["_stage"] == "review"] == ["unsafe advice"]


@pytest.mark.slow
def test_exports_of_a_pack_written_before_the_prefix(version_dir, tmp_path, run_cli):
    _, tasks = pack_tasks(version_dir, tmp_path)
    export = json_export(legacy_tasks(tasks), reviewed_annotations())
    csv_file = write_csv_export(export, tmp_path / "old.csv")
    result = run_cli("review", "apply", str(version_dir), str(csv_file))
    assert result.returncode == 0, result.stderr
    assert [tuple(map(int, m)) for m in COUNTS.findall(result.stdout)] == [(4, 3, 1, 3)]

    min_file = tmp_path / "old-min.json"
    min_file.write_text(json.dumps(json_min_export(export)), encoding="utf-8")
    result = run_cli("review", "apply", str(version_dir), str(min_file))
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.splitlines() == [
        "dsbuild: error: old-min.json: record 1 (Label Studio task 100): JSON_MIN puts Label Studio's task id in "
        "`id` and the record has no dsb_id to tell the row; export the project as JSON or CSV instead"]


def test_pack_tasks_use_prefixed_data_fields_that_the_labeling_config_names(version_dir, tmp_path):
    items, tasks = pack_tasks(version_dir, tmp_path)
    data = tasks[0]["data"]
    assert data["dsb_id"] == items[0].id and data["dsb_split"] == items[0].split
    assert data["dsb_source"] == items[0].fields["source"] and "source" not in data and "id" not in data
    assert all(key.startswith("dsb_") for task in tasks for key in task["data"])
    config = ET.fromstring((tmp_path / "pack" / "labelstudio.xml").read_text(encoding="utf-8"))
    variables = {t.get("value")[1:] for t in config.iter("Text")}
    assert "dsb_source" in variables and variables <= set(data)


@pytest.mark.parametrize("cells, expected", [
    ({"verdict": '{"choices":["accept","reject"]}'}, "old.csv: row 2 (Label Studio task 100): the verdict has 2 "
                                                     "choices; pick accept or reject"),
    ({"verdict": "fine"}, "old.csv: row 2 (Label Studio task 100): verdict 'fine' is not accept or reject"),
    ({"dsb_id": ""}, "old.csv: row 2 (Label Studio task 100): dsb_id is empty"),
])
def test_bad_csv_export_cells_are_one_line_errors(tmp_path, cells, expected):
    task = {"data": {"dsb_id": "r1", "dsb_split": "train", "dsb_question": "q"}}
    export = json_export([task], {0: [annotation(1, "accept")]})
    path = write_csv_export(export, tmp_path / "old.csv")
    text = path.read_text(encoding="utf-8")
    header, row = text.splitlines()[:2]
    names = [n.strip('"') for n in header.split(",")]
    values = row.split(",")
    for name, cell in cells.items():
        values[names.index(name)] = '"' + cell.replace('"', '""') + '"'
    path.write_text(header + "\r\n" + ",".join(values) + "\r\n", encoding="utf-8")
    with pytest.raises(UserError) as err:
        read_verdicts(path)
    assert expected in str(err.value) and "\n" not in str(err.value)


def test_a_csv_export_of_unannotated_tasks_has_no_verdict(tmp_path):
    task = {"data": {"dsb_id": "r1", "dsb_split": "train", "dsb_question": "q"}}
    path = write_csv_export(json_export([task, task], {}), tmp_path / "none.csv")
    with pytest.raises(UserError, match="none.csv: no item has a verdict"):
        read_verdicts(path)
