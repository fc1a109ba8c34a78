"""source=images on real photos (scikit-learn's samples): class folders, label tables, COCO boxes, broken files."""

import json
from pathlib import Path

import pyarrow as pa
import pytest
from helpers import write_jsonl
from PIL import Image
from sklearn.datasets import load_sample_images

from dsbuild.errors import UserError
from dsbuild.sources.images import ImagesSource


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    """china.jpg and flower.png (427x640 each, downscaled to 213x320 to stay fast) as PIL images."""
    samples = load_sample_images()
    return [Image.fromarray(img).resize((320, 213)) for img in samples.images]


def save(image, path, fmt):
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, fmt)
    return path


@pytest.fixture
def folders(tmp_path, photos):
    """Class folders with two good photos, a truncated JPEG and a text file named .png."""
    root = tmp_path / "photos"
    save(photos[0], root / "temple" / "china.jpg", "JPEG")
    save(photos[1], root / "flower" / "flower.png", "PNG")
    whole = save(photos[0], tmp_path / "whole.jpg", "JPEG").read_bytes()
    (root / "temple" / "cut.jpg").write_bytes(whole[: len(whole) // 2])
    (root / "flower" / "notes.png").write_text("not an image at all", encoding="utf-8")
    (root / "flower" / "README.txt").write_text("ignored: not an image suffix", encoding="utf-8")
    return root


def rejects_by_ref(loaded):
    return {r["source_ref"]: r for r in loaded.rejected.to_pylist()}


def test_class_folders_give_labelled_rows_and_broken_files_become_rejects(folders):
    loaded = ImagesSource(str(folders)).load()
    rows = {Path(r["image"]).name: r for r in loaded.table.to_pylist()}
    assert set(rows) == {"china.jpg", "flower.png"}
    assert rows["china.jpg"]["label"] == "temple" and rows["flower.png"]["label"] == "flower"
    assert (rows["china.jpg"]["width"], rows["china.jpg"]["height"], rows["china.jpg"]["format"]) == (320, 213, "JPEG")
    assert rows["flower.png"]["format"] == "PNG" and Path(rows["flower.png"]["image"]).is_absolute()
    assert rows["china.jpg"]["source_ref"] == "temple/china.jpg" and len(rows["china.jpg"]["image_sha256"]) == 64
    rejected = rejects_by_ref(loaded)
    assert set(rejected) == {"temple/cut.jpg", "flower/notes.png"}
    assert "truncated" in rejected["temple/cut.jpg"]["_reason"] and rejected["temple/cut.jpg"]["_rule"] == "unreadable"
    assert rejected["flower/notes.png"]["_reason"].startswith("flower/notes.png: not an image")
    assert loaded.rows_read == loaded.table.num_rows + loaded.rejected.num_rows == 4


def test_without_verify_a_truncated_jpeg_passes_on_its_header(folders):
    loaded = ImagesSource(str(folders), verify=False).load()
    assert "temple/cut.jpg" in {r["source_ref"] for r in loaded.table.to_pylist()}
    assert set(rejects_by_ref(loaded)) == {"flower/notes.png"}


def test_ids_follow_content_and_label_not_the_file_name(tmp_path, photos):
    root = tmp_path / "photos"
    save(photos[0], root / "temple" / "a.jpg", "JPEG")
    (root / "building").mkdir()
    (root / "building" / "a.jpg").write_bytes((root / "temple" / "a.jpg").read_bytes())
    first = {r["label"]: r["id"] for r in ImagesSource(str(root)).load().table.to_pylist()}
    assert first["temple"] != first["building"]  # same photo, two labels: two ids
    (root / "temple" / "a.jpg").rename(root / "temple" / "renamed.jpg")
    again = {r["label"]: r["id"] for r in ImagesSource(str(root)).load().table.to_pylist()}
    assert again == first


def test_label_table_with_boxes_rejects_missing_files_and_bad_boxes(tmp_path, photos):
    root = tmp_path / "imgs"
    save(photos[0], root / "china.jpg", "JPEG")
    save(photos[1], root / "flower.png", "PNG")
    labels = tmp_path / "labels.csv"
    labels.write_text(
        "path,label,boxes,box_labels\n"
        'china.jpg,temple,"[[10, 20, 100, 50]]","[""roof""]"\n'
        'flower.png,flower,"[[300, 0, 40, 10]]","[""petal""]"\n'
        "gone.jpg,temple,,\n"
        ",flower,,\n",
        encoding="utf-8",
    )
    loaded = ImagesSource(str(root), labels=str(labels)).load()
    [row] = loaded.table.to_pylist()
    assert row["boxes"] == [[10.0, 20.0, 100.0, 50.0]] and row["box_labels"] == ["roof"]
    assert row["source_ref"] == "labels.csv:row 1" and row["label"] == "temple"
    rejected = rejects_by_ref(loaded)
    assert "box 1 [300.0, 0.0, 40.0, 10.0] lies outside the 320x213 image" in rejected["labels.csv:row 2"]["_reason"]
    assert rejected["labels.csv:row 2"]["_reason"].startswith("labels.csv:row 2: flower.png:")
    missing = rejected["labels.csv:row 3"]
    assert missing["_rule"] == "missing_file" and "gone.jpg" in missing["_reason"]
    assert "cell is empty" in rejected["labels.csv:row 4"]["_reason"]
    assert loaded.rows_read == 4
    assert {Path(i["path"]).name for i in ImagesSource(str(root), labels=str(labels)).fingerprint()} == {
        "labels.csv", "china.jpg", "flower.png"}


def test_jsonl_table_with_renamed_columns(tmp_path, photos):
    root = tmp_path / "imgs"
    save(photos[1], root / "f.png", "PNG")
    labels = write_jsonl(tmp_path / "labels.jsonl", [{"file": "f.png", "class": 3}])
    source = ImagesSource(str(root), labels=str(labels), columns={"path": "file", "label": "class"})
    [row] = source.load().table.to_pylist()
    assert row["label"] == "3" and row["source_ref"] == "labels.jsonl:line 1" and "boxes" not in row
    with pytest.raises(UserError, match="source.columns.label names column 'klass'"):
        ImagesSource(str(root), labels=str(labels), columns={"path": "file", "label": "klass"})


def test_coco_file_gives_boxes_and_category_names(tmp_path, photos):
    root = tmp_path / "coco"
    save(photos[0], root / "china.jpg", "JPEG")
    save(photos[1], root / "flower.png", "PNG")
    coco = {
        "images": [{"id": 1, "file_name": "china.jpg", "width": 320, "height": 213},
                   {"id": 2, "file_name": "flower.png", "width": 320, "height": 213},
                   {"id": 3, "file_name": "missing.jpg", "width": 10, "height": 10}],
        "annotations": [{"id": 10, "image_id": 1, "bbox": [0, 0, 50, 40], "category_id": 1},
                        {"id": 11, "image_id": 1, "bbox": [100, 100, 20, 20], "category_id": 2},
                        {"id": 12, "image_id": 2, "bbox": [310, 200, 30, 30], "category_id": 2},
                        {"id": 13, "image_id": 99, "bbox": [0, 0, 1, 1], "category_id": 1}],
        "categories": [{"id": 1, "name": "roof"}, {"id": 2, "name": "tree"}],
    }
    (tmp_path / "annotations.json").write_text(json.dumps(coco), encoding="utf-8")
    loaded = ImagesSource(str(root), labels=str(tmp_path / "annotations.json")).load()
    [row] = loaded.table.to_pylist()
    assert row["box_labels"] == ["roof", "tree"] and row["boxes"] == [[0, 0, 50, 40], [100, 100, 20, 20]]
    assert (row["width"], row["height"], row["source_ref"]) == (320, 213, "annotations.json:image 1")
    rejected = rejects_by_ref(loaded)
    assert "lies outside the 320x213 image" in rejected["annotations.json:image 2"]["_reason"]
    assert rejected["annotations.json:image 3"]["_rule"] == "missing_file"
    assert "image_id 99 is not in the images list" in rejected["annotations.json:annotation 13"]["_reason"]
    assert loaded.rows_read == loaded.table.num_rows + loaded.rejected.num_rows == 4


@pytest.mark.parametrize("kwargs, message", [
    ({"layout": "grid"}, "source.layout 'grid' is unknown"),
    ({"layout": "coco"}, "needs source.labels"),
    ({"labels": "nowhere.csv"}, "source.labels 'nowhere.csv' is not a file"),
])
def test_config_mistakes_are_one_line_user_errors(folders, kwargs, message):
    with pytest.raises(UserError, match=message):
        ImagesSource(str(folders), **kwargs)


def test_a_folder_without_images_is_a_user_error(tmp_path):
    (tmp_path / "a.txt").write_text("x", encoding="utf-8")
    with pytest.raises(UserError, match="holds no media files"):
        ImagesSource(str(tmp_path))


def test_build_with_jsonl_keeps_paths_and_writes_rejects_and_card(folders, compose_cfg, tmp_path):
    from dsbuild.build import build

    cfg = compose_cfg(["source=images", f"source.path={folders}", "format=jsonl", "cleaning=none",
                       f"output_dir={tmp_path / 'out'}", "name=photos", "split.ratios=[1.0,0.0,0.0]"])
    result = build(cfg, show_progress=False)
    rows = [json.loads(line) for line in (result.path / "train.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {r["label"] for r in rows} == {"temple", "flower"} and all(Path(r["image"]).is_file() for r in rows)
    rejects = [json.loads(line) for line in (result.path / "rejects.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {r["source_ref"] for r in rejects} == {"temple/cut.jpg", "flower/notes.png"}
    card = (result.path / "README.md").read_text(encoding="utf-8")
    assert "unreadable" in card


COCO_BOXES = [[10.0, 20.0, 100.0, 50.0], [200.5, 100.25, 119.5, 112.75]]  # the second touches the bottom-right corner


@pytest.mark.parametrize("box_format, written", [
    ("coco", COCO_BOXES),
    ("pascal_voc", [[x, y, x + w, y + h] for x, y, w, h in COCO_BOXES]),
    ("yolo", [[(x + w / 2) / 320, (y + h / 2) / 213, w / 320, h / 213] for x, y, w, h in COCO_BOXES]),
])
def test_yolo_and_pascal_voc_boxes_load_into_the_same_coco_pixel_boxes(tmp_path, photos, box_format, written):
    root = tmp_path / "imgs"
    save(photos[0], root / "china.jpg", "JPEG")
    labels = write_jsonl(tmp_path / "labels.jsonl", [{"path": "china.jpg", "label": "temple", "boxes": written,
                                                      "box_labels": ["roof", "tree"]}])
    [row] = ImagesSource(str(root), labels=str(labels), box_format=box_format).load().table.to_pylist()
    assert row["boxes"] == COCO_BOXES and row["box_labels"] == ["roof", "tree"]


def test_a_converted_box_outside_the_image_is_rejected_with_the_numbers_the_user_wrote(tmp_path, photos):
    root = tmp_path / "imgs"
    save(photos[0], root / "china.jpg", "JPEG")
    row = {"path": "china.jpg", "label": "t", "boxes": [[0.9, 0.5, 0.4, 0.2]], "box_labels": ["roof"]}
    labels = write_jsonl(tmp_path / "labels.jsonl", [row])
    loaded = ImagesSource(str(root), labels=str(labels), box_format="yolo").load()
    assert loaded.table.num_rows == 0
    [reject] = loaded.rejected.to_pylist()
    assert reject["_rule"] == "bad_annotation" and "box 1 [0.9, 0.5, 0.4, 0.2] lies outside the 320x213" in reject[
        "_reason"]


def test_keypoints_column_gives_pixel_keypoints_and_rejects_those_off_the_image(tmp_path, photos):
    root = tmp_path / "imgs"
    save(photos[0], root / "china.jpg", "JPEG")
    save(photos[1], root / "flower.png", "PNG")
    labels = tmp_path / "labels.csv"
    labels.write_text(
        "path,label,points\n"
        'china.jpg,temple,"[[0, 0], [319.5, 212]]"\n'
        'flower.png,flower,"[[320, 10]]"\n'
        'china.jpg,temple,"[[1, 2, 3]]"\n'
        "flower.png,flower,\n",
        encoding="utf-8",
    )
    loaded = ImagesSource(str(root), labels=str(labels), columns={"keypoints": "points"}).load()
    rows = {r["source_ref"]: r for r in loaded.table.to_pylist()}
    assert rows["labels.csv:row 1"]["keypoints"] == [[0.0, 0.0], [319.5, 212.0]]
    assert rows["labels.csv:row 4"]["keypoints"] == [] and "boxes" not in rows["labels.csv:row 4"]
    assert loaded.table.schema.field("keypoints").type == pa.list_(pa.list_(pa.float64()))
    rejected = rejects_by_ref(loaded)
    assert "keypoint 1 [320.0, 10.0] lies outside the 320x213 image" in rejected["labels.csv:row 2"]["_reason"]
    assert "keypoint 1 [1, 2, 3] is not [x, y] pixels" in rejected["labels.csv:row 3"]["_reason"]
    assert {r["_rule"] for r in rejected.values()} == {"bad_annotation"}


def test_box_format_mistakes_are_one_line_user_errors(tmp_path, photos):
    root = tmp_path / "imgs"
    save(photos[0], root / "china.jpg", "JPEG")
    labels = write_jsonl(tmp_path / "labels.jsonl", [{"path": "china.jpg", "label": "t"}])
    with pytest.raises(UserError, match="source.box_format 'xyxy' is unknown; use one of coco, pascal_voc, yolo"):
        ImagesSource(str(root), labels=str(labels), box_format="xyxy")
    coco = tmp_path / "annotations.json"
    coco.write_text(json.dumps({"images": [{"id": 1, "file_name": "china.jpg"}], "annotations": []}), encoding="utf-8")
    with pytest.raises(UserError, match="a COCO file's bbox is always"):
        ImagesSource(str(root), labels=str(coco), box_format="yolo")
