"""Whole builds that augment media: `dsbuild` with source=images / source=audio and augment=images / audio,
then `dsbuild verify` and `dsbuild rebuild` on the version, all through the command line."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess

import numpy as np
import pytest
import soundfile
from PIL import Image
from sklearn.datasets import load_sample_images

SPLITS = ("train", "validation", "test", "test_noisy")


@pytest.fixture(scope="module")
def photo_table(tmp_path_factory):
    """24 distinct crops of scikit-learn's photos in two classes, with a box each, in a label table."""
    root = tmp_path_factory.mktemp("photos")
    lines = ["path,label,boxes,box_labels"]
    for i in range(24):
        photo = load_sample_images().images[i % 2]
        crop = Image.fromarray(photo[i * 5:i * 5 + 200, i * 7:i * 7 + 300])
        name = f"{'temple' if i % 2 == 0 else 'flower'}_{i}.jpg"
        crop.save(root / name, "JPEG", quality=90)
        lines.append(f'{name},{"temple" if i % 2 == 0 else "flower"},"[[100, 60, 80, 50]]","[""thing""]"')
    (root / "labels.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def rows_of(folder):
    rows = {}
    for split in SPLITS:
        path = folder / f"{split}.jsonl"
        rows[split] = [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
    return rows


def cli(*args, cwd):
    return subprocess.run(["dsbuild", *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_images_augmented_inside_their_split_verified_and_rebuilt_byte_identical(photo_table, run_cli, tmp_path):
    built = run_cli("source=images", f"source.path={photo_table}", f"source.labels={photo_table / 'labels.csv'}",
                    "format=jsonl", "cleaning=none", "name=photos", "augment=images", "augment/image=[rotate45,flips]",
                    "augment.copies=2", "augment.max_fraction=0.6", "augment.noisy.splits=[test]",
                    "split.ratios=[0.5,0.25,0.25]")
    assert built.returncode == 0, built.stderr
    folder = next((tmp_path / "datasets" / "photos").iterdir())
    rows = rows_of(folder)
    home = {r["id"]: split for split in ("train", "validation", "test") for r in rows[split]}
    copies = [(split, r) for split in SPLITS for r in rows[split] if r.get("augmented_from")]
    assert copies and {s for s, _ in copies} == {"train", "test_noisy"}
    for split, row in copies:
        assert home[row["augmented_from"]] == split.removesuffix("_noisy")  # never in another split
        image = folder / row["image"]
        assert row["image"].startswith("media/") and hashlib.sha256(image.read_bytes()).hexdigest() == \
            row["image_sha256"]
        with Image.open(image) as opened:
            assert opened.size == (row["width"], row["height"])
        for x, y, w, h in row["boxes"]:
            assert 0 <= x and 0 <= y and x + w <= row["width"] + 1e-6 and y + h <= row["height"] + 1e-6
        assert {t["transform"] for t in json.loads(row["augment"])} <= {"Affine", "HorizontalFlip", "VerticalFlip"}
    originals = sum(1 for r in rows["train"] if not r.get("augmented_from"))
    assert len([c for c in copies if c[0] == "train"]) / len(rows["train"]) <= 0.6
    assert originals + len([c for c in copies if c[0] == "train"]) == len(rows["train"])
    card = (folder / "README.md").read_text()
    assert "| train | temple |" in card and "media.sha256" in card

    assert cli("verify", folder, cwd=tmp_path).returncode == 0
    rebuilt = cli("rebuild", folder, cwd=tmp_path)
    assert rebuilt.returncode == 0 and rebuilt.stdout.splitlines()[-1].startswith("byte-identical"), rebuilt.stdout

    tampered = folder / copies[0][1]["image"]
    tampered.write_bytes(tampered.read_bytes()[:-10])
    check = cli("verify", folder, cwd=tmp_path)
    assert check.returncode == 1 and copies[0][1]["image"] in check.stdout


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed (apt-get install espeak-ng)")
def test_speech_time_stretched_copies_have_duration_over_rate(run_cli, tmp_path):
    clips = tmp_path / "clips"
    for i, text in enumerate(["the fever went down", "take one tablet", "drink some water", "rest at home",
                              "see a doctor", "the cough is better"]):
        (clips / "speech").mkdir(parents=True, exist_ok=True)
        subprocess.run(["espeak-ng", "-w", str(clips / "speech" / f"{i}.wav"), text], check=True)
    built = run_cli("source=audio", f"source.path={clips}", "format=jsonl", "cleaning=none", "name=speech",
                    "augment=audio", "augment/audio=time_stretch", "augment.max_fraction=1.0",
                    "split.ratios=[1,0,0]")
    assert built.returncode == 0, built.stderr
    folder = next((tmp_path / "datasets" / "speech").iterdir())
    train = rows_of(folder)["train"]
    by_id = {r["id"]: r for r in train}
    copies = [r for r in train if r.get("augmented_from")]
    assert len(copies) == 6
    for row in copies:
        rate = json.loads(row["augment"])[0]["rate"]
        samples, sample_rate = soundfile.read(folder / row["audio"])
        assert len(samples) / sample_rate == pytest.approx(by_id[row["augmented_from"]]["duration_s"] / rate, rel=0.03)
        original, _ = soundfile.read(by_id[row["augmented_from"]]["audio"])
        assert len(samples) != len(original) or not np.array_equal(samples, original)
