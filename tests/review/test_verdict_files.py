"""Reading verdicts: the filled-in items.csv, the page's verdicts.json, a Label Studio export, and bad files."""

import csv
import json

import pytest

from dsbuild.errors import UserError
from dsbuild.review.verdict_files import read_verdicts


def write_csv(path, rows, header=("id", "split", "question", "verdict", "reason", "edited_question")):
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def labelstudio_task(number, row_id, *annotations):
    """One task as Label Studio's JSON export writes it (see labelstud.io/guide/task_format)."""
    return {
        "id": 100 + number, "inner_id": number, "project": 3, "created_at": "2024-05-02T08:00:00.000000Z",
        "updated_at": "2024-05-02T09:00:00.000000Z", "total_annotations": len(annotations),
        "cancelled_annotations": sum(a["was_cancelled"] for a in annotations), "predictions": [], "drafts": [],
        "meta": {}, "file_upload": "labelstudio.json",
        "data": {"id": row_id, "split": "train", "question": f"question of {row_id}", "response": "an answer"},
        "annotations": list(annotations),
    }


def annotation(number, results, updated_at="2024-05-02T09:10:00.000000Z", cancelled=False):
    return {"id": 500 + number, "completed_by": 1, "result": results, "was_cancelled": cancelled,
            "ground_truth": False, "created_at": "2024-05-02T09:00:00.000000Z", "updated_at": updated_at,
            "lead_time": 12.5, "prediction": {}, "result_count": len(results), "task": number, "project": 3,
            "parent_prediction": None, "parent_annotation": None, "last_action": None}


def choice(value):
    return {"value": {"choices": [value]}, "id": "c1", "from_name": "verdict", "to_name": "text_id",
            "type": "choices", "origin": "manual"}


def text(name, value):
    return {"value": {"text": [value]}, "id": "t1", "from_name": name, "to_name": "text_id", "type": "textarea",
            "origin": "manual"}


def test_filled_in_items_csv(tmp_path):
    path = write_csv(tmp_path / "items.csv", [
        ["a1", "train", "q1", "accept", "", ""],
        ["a2", "train", "q2", "Rejected", " made-up drug name \r\n", ""],
        ["a3", "test", "q3", "", "", "What helps\r\na headache?"],  # an edit alone means accept
        ["a4", "test", "q4", "", "", ""],  # not reviewed
        ["a5", "train", "q5", "reject", "", "ignored: the row is rejected"],
    ])
    found = read_verdicts(path)
    assert found.kind == "csv" and len(found.sha256) == 64
    got = {v.id: (v.verdict, v.reason, v.edits, v.where) for v in found.verdicts}
    assert got == {"a1": ("accept", None, {}, "row 2"), "a2": ("reject", "made-up drug name", {}, "row 3"),
                   "a3": ("accept", None, {"question": "What helps\na headache?"}, "row 4"),
                   "a5": ("reject", None, {}, "row 6")}


def test_page_export_and_a_bare_list_give_the_same_digest_as_the_csv(tmp_path):
    csv_file = write_csv(tmp_path / "v.csv", [["a1", "train", "q", "accept", "", "new q"],
                                              ["a2", "train", "q", "reject", "off topic", ""]])
    entries = [{"id": "a2", "split": "train", "verdict": "reject", "reason": "off topic"},
               {"id": "a1", "split": "train", "verdict": "accept", "edits": {"question": "new q"}}]
    page = tmp_path / "verdicts.json"
    page.write_text(json.dumps({"format": "dsbuild-review-verdicts", "version_id": "abc", "pack_id": "p1",
                                "exported_at": "2024-01-01T00:00:00Z", "items": 2, "verdicts": entries}))
    bare = tmp_path / "list.json"
    bare.write_text(json.dumps(entries))
    from_page, from_list = read_verdicts(page), read_verdicts(bare)
    assert from_page.kind == "json" and from_page.version_id == "abc" and from_page.pack_id == "p1"
    assert from_page.digest() == from_list.digest() == read_verdicts(csv_file).digest()


def test_labelstudio_export_takes_each_tasks_latest_annotation_that_was_not_cancelled(tmp_path):
    export = [
        labelstudio_task(1, "r1", annotation(1, [choice("accept")], "2024-05-02T09:00:00Z"),
                         annotation(2, [choice("reject"), text("reason", "unsafe advice")], "2024-05-02T10:00:00Z")),
        labelstudio_task(2, "r2", annotation(3, [choice("accept"), text("edit_response", "A better answer.")])),
        labelstudio_task(3, "r3"),  # nobody annotated it
        labelstudio_task(4, "r4", annotation(4, [choice("reject")], cancelled=True)),  # skipped: not reviewed
        labelstudio_task(5, "r5", annotation(5, [choice("accept"), text("edit_question", "  ")])),  # empty fix
    ]
    path = tmp_path / "project-3-at-2024-05-02.json"
    path.write_text(json.dumps(export))
    found = read_verdicts(path)
    assert found.kind == "labelstudio"
    got = {v.id: (v.verdict, v.reason, v.edits) for v in found.verdicts}
    assert got == {"r1": ("reject", "unsafe advice", {}), "r2": ("accept", None, {"response": "A better answer."}),
                   "r5": ("accept", None, {})}
    assert found.verdicts[0].where == "task 1 (Label Studio id 101)"


@pytest.mark.parametrize("name, content, expected", [
    ("v.csv", [["a1", "train", "q", "maybe", "", ""]], "v.csv: row 2: verdict 'maybe' is not accept or reject"),
    ("v.csv", [["a1", "train", "q", "accept", "", ""], ["a1", "train", "q", "reject", "", ""]],
     "v.csv: row 3: id a1 already has a verdict (row 2)"),
    ("v.csv", [["", "train", "q", "accept", "", ""]], "v.csv: row 2: the id is empty"),
    ("v.csv", [["a1", "train", "q", "", "", ""]], "no item has a verdict"),
    ("v.json", {"verdicts": [{"id": "a1", "verdict": "yes"}]}, "v.json: item 1: verdict 'yes'"),
    ("v.json", [{"verdict": "accept"}], "v.json: item 1: id is missing"),
    ("v.json", [{"id": "a1", "verdict": "accept", "edits": ["new text"]}], "v.json: item 1: edits must be"),
    ("v.json", {"format": "something-else", "verdicts": []}, "format 'something-else'"),
    ("v.json", {"rows": []}, "not a verdicts file"),
    ("v.json", [labelstudio_task(1, "r1", annotation(1, [choice("maybe")]))], "v.json: task 1 (Label Studio id 101)"),
    ("v.json", [labelstudio_task(1, "r1", annotation(1, [text("sentiment", "x")]))], "result 'sentiment'"),
    ("v.json", [{**labelstudio_task(1, "r1"), "data": {"question": "q"}}], "data has no row id"),
    ("v.txt", "id,verdict\n", "give a .csv"),
])
def test_bad_verdict_files_are_one_line_errors_naming_file_and_row(tmp_path, name, content, expected):
    path = tmp_path / name
    if name.endswith(".csv"):
        write_csv(path, content)
    else:
        path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    with pytest.raises(UserError) as err:
        read_verdicts(path)
    assert expected in str(err.value) and "\n" not in str(err.value)


def test_csv_without_the_verdict_column_and_broken_json(tmp_path):
    bad_header = write_csv(tmp_path / "v.csv", [["a1", "accept"]], header=("id", "decision"))
    with pytest.raises(UserError, match="the header needs the columns id and verdict"):
        read_verdicts(bad_header)
    broken = tmp_path / "v.json"
    broken.write_text('{"verdicts": [', encoding="utf-8")
    with pytest.raises(UserError, match="v.json: not valid JSON"):
        read_verdicts(broken)
