"""augment.image on real photos (scikit-learn's china.jpg and flower.jpg): pixels, boxes, keypoints, seeds, presets."""

import hashlib
import json
import os

import numpy as np
import pyarrow as pa
import pytest
from helpers import REPO
from hydra import compose, initialize_config_dir
from hydra.utils import instantiate
from omegaconf import OmegaConf
from PIL import Image
from sklearn.datasets import load_sample_images

from dsbuild.augment.base import AugmentContext, Copies, MediaFolder
from dsbuild.augment.images import ImageAugment
from dsbuild.config import CONF_DIR
from dsbuild.errors import UserError

os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")
import albumentations as A  # noqa: E402

PRESET_DIR = REPO / "conf" / "augment" / "image"
PRESETS = sorted(p.stem for p in PRESET_DIR.glob("*.yaml"))
W, H = 640, 427  # both sample photos
SCHEMA = [pa.field("image", pa.string()), pa.field("label", pa.string()), pa.field("width", pa.int32()),
          pa.field("height", pa.int32()), pa.field("format", pa.string()), pa.field("image_sha256", pa.string())]
BOXES = [pa.field("boxes", pa.list_(pa.list_(pa.float64()))), pa.field("box_labels", pa.list_(pa.string()))]
KEYPOINTS = [pa.field("keypoints", pa.list_(pa.list_(pa.float64())))]


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    """{"china": JPEG path, "flower": PNG path} of the full-size 640x427 sample photos, and their pixels."""
    root = tmp_path_factory.mktemp("photos")
    china, flower = load_sample_images().images
    Image.fromarray(china).save(root / "china.jpg", "JPEG", quality=90)
    Image.fromarray(flower).save(root / "flower.png", "PNG")
    return {"china": root / "china.jpg", "flower": root / "flower.png"}


def table(paths, boxes=None, box_labels=None, keypoints=None) -> pa.Table:
    """Rows as source=images makes them (absolute paths, probed size and format), with optional annotations."""
    rows, fields = [], list(SCHEMA)
    for i, path in enumerate(paths):
        with Image.open(path) as image:
            row = {"image": str(path), "label": "x", "width": image.width, "height": image.height,
                   "format": image.format, "image_sha256": "0" * 64}
        if boxes is not None:
            row.update(boxes=boxes[i], box_labels=box_labels[i])
        if keypoints is not None:
            row["keypoints"] = keypoints[i]
        rows.append(row)
    fields += (BOXES if boxes is not None else []) + (KEYPOINTS if keypoints is not None else [])
    return pa.Table.from_pylist(rows, schema=pa.schema(fields))


def run(modality, rows, seeds, folder, workers=1, progress=None):
    context = AugmentContext(MediaFolder(folder), workers=workers, progress=progress)
    result = modality.augment(Copies(rows, np.array(seeds, dtype=np.uint32)), context)
    assert all(f is None for f in result.failed), result.failed
    return result


def pixels(path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image)


def preset(name: str) -> dict:
    return instantiate(OmegaConf.load(PRESET_DIR / f"{name}.yaml").transforms, _convert_="all")


def test_copies_change_pixels_and_keep_the_original_format(photos, tmp_path):
    rows = table([photos["china"], photos["flower"]])
    result = run(ImageAugment(preset("brightness_contrast"), quality=90), rows, [7, 7], tmp_path)
    assert result.changed == [True, True]
    assert result.columns["format"] == ["JPEG", "PNG"] and result.columns["width"] == [W, W]
    assert result.columns["height"] == [H, H]
    for relative, sha, original in zip(result.columns["image"], result.columns["image_sha256"], rows["image"]):
        written = tmp_path / relative
        assert relative == f"media/{sha}{written.suffix}" and written.suffix in (".jpg", ".png")
        assert hashlib.sha256(written.read_bytes()).hexdigest() == sha
        assert np.abs(pixels(written).astype(int) - pixels(original.as_py()).astype(int)).mean() > 2
    with Image.open(tmp_path / result.columns["image"][0]) as image:
        assert image.format == "JPEG"
    assert set(result.columns) == {"image", "image_sha256", "width", "height", "format"}


def test_equal_seeds_give_identical_bytes_in_any_worker_count_and_other_seeds_differ(photos, tmp_path):
    rows = table([photos["china"], photos["flower"]] * 3)
    seeds = [11, 11, 12, 12, 13, 13]
    one = run(ImageAugment(preset("standard")), rows, seeds, tmp_path / "a", workers=1)
    labels = []
    two = run(ImageAugment(preset("standard")), rows, seeds, tmp_path / "b", workers=2, progress=labels.append)
    assert labels[-1] == "augment image 6/6"
    assert one.columns == two.columns and one.applied == two.applied and one.changed == two.changed
    for relative in one.columns["image"]:
        if relative.startswith("media/"):
            assert (tmp_path / "a" / relative).read_bytes() == (tmp_path / "b" / relative).read_bytes()
    china = [sha for sha, changed in zip(one.columns["image_sha256"][0::2], one.changed[0::2]) if changed]
    assert len(set(china)) == len(china) >= 2  # seeds 11, 12, 13 on the same photo: different copies


def test_horizontal_flip_moves_boxes_and_keypoints_exactly(photos, tmp_path):
    boxes = [[[10.0, 20.0, 100.0, 50.0], [512.5, 300.25, 64.0, 32.0]]]
    rows = table([photos["flower"]], boxes, [["petal", "leaf"]], keypoints=[[[5.0, 7.0], [300.5, 200.0]]])
    result = run(ImageAugment({"flip": A.HorizontalFlip(p=1.0)}), rows, [1], tmp_path)
    assert result.columns["boxes"] == [[[W - x - w, y, w, h] for x, y, w, h in boxes[0]]]
    assert result.columns["box_labels"] == [["petal", "leaf"]]
    # albumentations puts keypoints on the pixel grid: the pixel in column x lands in column W - 1 - x
    assert result.columns["keypoints"] == [[[W - 1 - 5.0, 7.0], [W - 1 - 300.5, 200.0]]]
    flipped = pixels(tmp_path / result.columns["image"][0])
    assert np.array_equal(flipped, pixels(photos["flower"])[:, ::-1])  # PNG: lossless
    assert result.applied == [[{"transform": "HorizontalFlip"}]]


def test_rotated_boxes_stay_inside_the_image_and_follow_the_rotation(photos, tmp_path):
    centre = [300.0, 200.0, 40.0, 30.0]
    corners = [[0.0, 0.0, 80.0, 60.0], [560.0, 360.0, 80.0, 67.0], [5.0, 380.0, 200.0, 40.0]]
    n = 8
    rows = table([photos["china"]] * n, [[centre, *corners]] * n, [["c", "a", "b", "d"]] * n)
    result = run(ImageAugment(preset("rotate45")), rows, list(range(n)), tmp_path)
    angles = set()
    for boxes, labels, applied in zip(result.columns["boxes"], result.columns["box_labels"], result.applied):
        assert len(boxes) == len(labels) and labels[0] == "c"
        for x, y, w, h in boxes:
            assert x >= 0 and y >= 0 and w > 0 and h > 0 and x + w <= W + 1e-9 and y + h <= H + 1e-9
        [affine] = applied
        angles.add(affine["rotate"])
        matrix = np.array(affine["bbox_matrix"])
        cx, cy = matrix[:2] @ [centre[0] + centre[2] / 2, centre[1] + centre[3] / 2, 1.0]
        x, y, w, h = boxes[0]
        assert abs(x + w / 2 - cx) < 0.01 and abs(y + h / 2 - cy) < 0.01
        assert w > centre[2] or h > centre[3] or affine["rotate"] == 0  # a rotated box's bounding box grows
    assert len(angles) == n and all(-45 <= a <= 45 for a in angles)
    assert any(len(b) < 4 for b in result.columns["boxes"])  # corner boxes do leave the image sometimes


@pytest.mark.parametrize("rule, min_visibility, expected", [
    ("clip", 0.0, {"A": [130.0, 100.0, 50.0, 50.0], "B": [620.0, 10.0, 20.0, 20.0], "C": [630.0, 200.0, 10.0, 20.0]}),
    ("clip", 0.4, {"A": [130.0, 100.0, 50.0, 50.0], "B": [620.0, 10.0, 20.0, 20.0]}),
    ("drop", 0.0, {"A": [130.0, 100.0, 50.0, 50.0]}),
])
def test_boxes_partly_outside_are_clipped_or_dropped_by_the_rule(photos, tmp_path, rule, min_visibility, expected):
    boxes = [[100.0, 100.0, 50.0, 50.0], [590.0, 10.0, 40.0, 20.0], [600.0, 200.0, 30.0, 20.0],
             [620.0, 300.0, 20.0, 20.0]]
    rows = table([photos["china"]], [boxes], [["A", "B", "C", "D"]], keypoints=[[[10.0, 10.0], [625.0, 100.0]]])
    shift = {"shift": A.Affine(translate_px={"x": 30, "y": 0}, p=1.0)}
    result = run(ImageAugment(shift, boxes=rule, min_visibility=min_visibility), rows, [3], tmp_path)
    got = dict(zip(result.columns["box_labels"][0], result.columns["boxes"][0]))
    assert got == expected  # D (fully outside) is always dropped, with its label
    assert result.columns["keypoints"] == [[[40.0, 10.0]]]  # the keypoint pushed off the image is dropped


def test_applied_is_json_ready_with_the_sampled_parameters(photos, tmp_path):
    rows = table([photos["china"]] * 2)
    result = run(ImageAugment({**preset("rotate30"), **preset("gaussian_noise"), **preset("random_crop")}),
                 rows, [5, 6], tmp_path)
    json.dumps(result.applied)  # numpy values converted, the noise map left out
    for applied in result.applied:
        rotate, noise, crop = applied
        assert rotate["transform"] == "Affine" and -30 <= rotate["rotate"] <= 30
        assert noise == {"transform": "GaussNoise"}
        x1, y1, x2, y2 = crop["crop_coords"]
        assert crop["transform"] == "RandomCropFromBorders" and 0 <= x1 < x2 <= W and 0 <= y1 < y2 <= H
    assert result.applied[0][0]["rotate"] != result.applied[1][0]["rotate"]
    widths = result.columns["width"]
    assert all(w == c["crop_coords"][2] - c["crop_coords"][0] for w, (_, _, c) in zip(widths, result.applied))


def test_two_transforms_with_p_half_fire_independently_and_untouched_copies_are_marked(photos, tmp_path):
    n = 24
    rows = table([photos["flower"]] * n)
    result = run(ImageAugment(preset("flips")), rows, list(range(n)), tmp_path)
    fired = [tuple(a["transform"] for a in applied) for applied in result.applied]
    assert set(fired) == {(), ("HorizontalFlip",), ("VerticalFlip",), ("HorizontalFlip", "VerticalFlip")}
    for combo, changed, image in zip(fired, result.changed, result.columns["image"]):
        assert changed == bool(combo)
        assert (image == str(photos["flower"])) == (not combo)  # an untouched copy keeps the original's values


@pytest.mark.parametrize("name", PRESETS)
def test_every_preset_composes_instantiates_and_changes_pixels(name, photos, tmp_path):
    header = (PRESET_DIR / f"{name}.yaml").read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("# dsbuild ") and f"augment/image={name}" in header
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose("config", overrides=["augment=images", f"augment/image={name}"])
    modality = instantiate(cfg.augment.image, _convert_="all")
    assert isinstance(modality, ImageAugment) and list(modality.transforms)
    original = pixels(photos["china"])
    result = run(modality, table([photos["china"]] * 4), [0, 1, 2, 3], tmp_path)
    assert any(result.changed)
    for relative, changed in zip(result.columns["image"], result.changed):
        if changed:
            copy = pixels(tmp_path / relative)
            assert copy.shape != original.shape or np.abs(copy.astype(int) - original.astype(int)).mean() > 0.5


def test_presets_merge_and_a_null_entry_removes_a_transform():
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose("config", overrides=["augment=images", "augment/image=[flips,rotate30]",
                                           "augment.image.transforms.vflip=null", "augment.image.boxes=drop"])
    modality = instantiate(cfg.augment.image, _convert_="all")
    assert list(modality.transforms) == ["hflip", "rotate"] and modality.boxes == "drop"


def test_other_formats_become_png_and_alpha_survives(photos, tmp_path):
    china = pixels(photos["china"])[:120, :160]
    Image.fromarray(china).convert("P").save(tmp_path / "palette.gif")
    rgba = np.dstack([china, np.full(china.shape[:2], 128, np.uint8)])
    Image.fromarray(rgba, "RGBA").save(tmp_path / "alpha.png")
    Image.fromarray(china).convert("L").save(tmp_path / "grey.jpg", quality=95)
    rows = table([tmp_path / "palette.gif", tmp_path / "alpha.png", tmp_path / "grey.jpg"])
    result = run(ImageAugment({"flip": A.VerticalFlip(p=1.0)}), rows, [1, 1, 1], tmp_path / "v")
    assert result.columns["format"] == ["PNG", "PNG", "JPEG"]
    gif, alpha, grey = (tmp_path / "v" / r for r in result.columns["image"])
    assert gif.suffix == ".png" and pixels(gif).shape == (120, 160, 3)
    assert np.array_equal(pixels(alpha), rgba[::-1])
    assert pixels(grey).ndim == 2


def test_jpeg_quality_sets_the_copy_size(photos, tmp_path):
    rows = table([photos["china"]])
    low = run(ImageAugment({"flip": A.HorizontalFlip(p=1.0)}, quality=40), rows, [1], tmp_path)
    high = run(ImageAugment({"flip": A.HorizontalFlip(p=1.0)}, quality=95), rows, [1], tmp_path)
    low_file, high_file = (tmp_path / r.columns["image"][0] for r in (low, high))
    assert low_file.stat().st_size < high_file.stat().st_size * 0.6


def test_rows_from_the_images_source_fit_their_own_arrow_types(photos, tmp_path):
    from dsbuild.sources.images import ImagesSource

    labels = tmp_path / "labels.jsonl"
    labels.write_text(json.dumps({"path": str(photos["china"]), "label": "temple", "boxes": [[10, 20, 100, 50]],
                                  "box_labels": ["roof"], "keypoints": [[320, 200]]}) + "\n", encoding="utf-8")
    rows = ImagesSource(str(photos["china"].parent), labels=str(labels)).load().table
    result = run(ImageAugment(preset("rotate30")), rows, [9], tmp_path / "v")
    for name, values in result.columns.items():
        assert pa.array(values, rows.schema.field(name).type).to_pylist() == values
    assert result.columns["box_labels"] == [["roof"]] and len(result.columns["keypoints"][0]) == 1


def test_a_file_gone_since_loading_fails_that_copy_only(photos, tmp_path):
    gone = tmp_path / "gone.jpg"
    gone.write_bytes(photos["china"].read_bytes())
    rows = table([gone, photos["flower"]])
    gone.unlink()
    result = ImageAugment(preset("gaussian_blur")).augment(
        Copies(rows, np.array([1, 2], np.uint32)), AugmentContext(MediaFolder(tmp_path / "v")))
    assert "gone.jpg: cannot be decoded" in result.failed[0] and result.changed == [False, True]
    assert result.failed[1] is None


@pytest.mark.parametrize("kwargs, message", [
    ({"transforms": {}}, "augment.image.transforms is empty"),
    ({"transforms": {"rotate": None}}, "augment.image.transforms is empty"),
    ({"transforms": {"rotate": "Rotate"}}, "augment.image.transforms.rotate is a str, not an albumentations"),
    ({"transforms": [A.HorizontalFlip()]}, "augment.image.transforms must map names to transforms"),
    ({"boxes": "crop"}, "augment.image.boxes 'crop' is unknown; use clip or drop"),
    ({"min_visibility": 1.5}, "augment.image.min_visibility must be a number between 0 and 1"),
    ({"quality": 0}, "augment.image.quality must be a whole number from 1 to 100"),
])
def test_option_mistakes_are_one_line_user_errors(kwargs, message):
    with pytest.raises(UserError, match=message) as caught:
        ImageAugment(**{"transforms": {"flip": A.HorizontalFlip()}, **kwargs})
    assert "\n" not in str(caught.value)


def test_a_misspelt_transform_argument_is_a_user_error_not_a_warning():
    with pytest.warns(UserWarning):
        rotate = A.Rotate(limt=30)
    with pytest.raises(UserError, match=r"augment.image.transforms.rotate: limt is not an argument of Rotate"):
        ImageAugment({"rotate": rotate})


def test_an_unknown_target_is_a_one_line_user_error():
    from dsbuild.build import _instantiate

    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose("config", overrides=["augment=images", "augment/image=rotate30",
                                           "augment.image.transforms.rotate._target_=albumentations.Rotat"])
    with pytest.raises(UserError, match="albumentations.Rotat") as caught:
        _instantiate(cfg.augment.image, "augment.image")
    assert "\n" not in str(caught.value) and str(caught.value).startswith("augment.image")


def test_rows_without_an_image_column_are_a_one_line_user_error(tmp_path):
    rows = pa.table({"question": ["q"], "label": ["x"]})
    modality = ImageAugment({"flip": A.HorizontalFlip()})
    with pytest.raises(UserError, match="augment.image needs an `image` column") as caught:
        modality.check(rows.schema)
    assert "\n" not in str(caught.value) and "question, label" in str(caught.value)
    with pytest.raises(UserError, match="needs an `image` column"):
        modality.augment(Copies(rows, np.array([1], np.uint32)), AugmentContext(MediaFolder(tmp_path)))


def test_a_pipeline_that_turns_pixels_into_floats_is_a_user_error(photos, tmp_path):
    modality = ImageAugment({"float": A.ToFloat(p=1.0)})
    with pytest.raises(UserError, match="turn uint8 pixels into float32"):
        modality.augment(Copies(table([photos["china"]]), np.array([1], np.uint32)),
                         AugmentContext(MediaFolder(tmp_path)))
