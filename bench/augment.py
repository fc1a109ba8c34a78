"""Benchmark: the augment stage against the same albumentations / audiomentations pipeline called directly.

    python bench/augment.py                  # images and audio; appends to bench/RESULTS.md
    python bench/augment.py --quick          # fewer items, nothing written

Both sides do the same work per copy: read the file, run the pipeline seeded for that copy, encode
and write the result. dsbuild's side is the real `augment` stage (`run_augment`: planning, seeds,
the modality, content-addressed media files, the copy rows), with one worker so the ratio measures
overhead, not parallelism; a second dsbuild run with two workers shows what the 2 cores give.
Runs alternate (direct, dsbuild, direct, dsbuild, ...) and the median of each is reported.

Target (issue: augmentation): dsbuild time / direct time <= 1.2 for images and for audio.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"
SENTENCES = ("the patient has a mild fever since yesterday evening", "take two tablets after meals for five days",
             "call the doctor at once if the chest pain gets worse", "drink plenty of water and rest at home",
             "the rash should fade within a week without treatment")


def image_pipeline():
    """The albumentations pipeline both sides run: a mix like the `standard` preset, every transform fires."""
    import albumentations as A

    return {"rotate": A.Affine(rotate=(-30, 30), p=1.0), "flip": A.HorizontalFlip(p=0.5),
            "color": A.RandomBrightnessContrast(p=1.0), "blur": A.GaussianBlur(blur_limit=(3, 5), p=0.5)}


def audio_pipeline():
    """The audiomentations pipeline both sides run (the `standard` preset's transforms)."""
    from audiomentations import AddGaussianSNR, Gain, PitchShift, TimeStretch

    return {"time_stretch": TimeStretch(min_rate=0.9, max_rate=1.1, leave_length_unchanged=False, p=0.5),
            "pitch_shift": PitchShift(min_semitones=-2, max_semitones=2, p=0.5),
            "gain": Gain(min_gain_db=-6, max_gain_db=6, p=0.5),
            "gaussian_noise": AddGaussianSNR(min_snr_db=20, max_snr_db=40, p=1.0)}


def make_images(folder: Path, n: int) -> pa.Table:
    """n JPEGs (640x427 crops of scikit-learn's two photos) loaded through source=images."""
    import cv2
    from sklearn.datasets import load_sample_images

    from dsbuild.sources.images import ImagesSource

    photos = load_sample_images().images
    rng = np.random.default_rng(0)
    for i in range(n):
        photo = photos[i % 2]
        y, x = rng.integers(0, photo.shape[0] - 300), rng.integers(0, photo.shape[1] - 400)
        crop = cv2.resize(photo[y:y + 300, x:x + 400], (640, 427))
        (folder / ("china" if i % 2 == 0 else "flower")).mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(folder / ("china" if i % 2 == 0 else "flower") / f"{i}.jpg"), crop[:, :, ::-1],
                    [cv2.IMWRITE_JPEG_QUALITY, 95])
    return ImagesSource(str(folder)).load().table


def make_audio(folder: Path, n: int) -> pa.Table:
    """n clips of speech from espeak-ng (numpy tones when it is missing) loaded through source=audio."""
    import soundfile

    from dsbuild.sources.audio import AudioSource

    (folder / "speech").mkdir(parents=True, exist_ok=True)
    for i in range(n):
        path = folder / "speech" / f"{i}.wav"
        if shutil.which("espeak-ng"):
            subprocess.run(["espeak-ng", "-s", str(130 + i % 40), "-w", str(path), SENTENCES[i % len(SENTENCES)]],
                           check=True)
        else:
            t = np.arange(3 * 16000) / 16000
            soundfile.write(path, 0.3 * np.sin(2 * np.pi * (220 + 10 * i) * t), 16000, subtype="PCM_16")
    return AudioSource(str(folder)).load().table


def direct_images(table: pa.Table, seeds: np.ndarray, out: Path) -> None:
    """The plain albumentations loop: read, seed, apply, encode, write."""
    import albumentations as A
    import cv2

    compose = A.Compose(list(image_pipeline().values()))
    out.mkdir(parents=True, exist_ok=True)
    for i, path in enumerate(table.column("image").to_pylist()):
        pixels = cv2.cvtColor(cv2.imread(path, cv2.IMREAD_UNCHANGED), cv2.COLOR_BGR2RGB)
        compose.set_random_state(np.random.default_rng(int(seeds[i])), random.Random(int(seeds[i])))
        result = compose(image=pixels)["image"]
        ok, data = cv2.imencode(".jpg", cv2.cvtColor(result, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 95])
        (out / f"{i}.jpg").write_bytes(data.tobytes())


def direct_audio(table: pa.Table, seeds: np.ndarray, out: Path) -> None:
    """The plain audiomentations loop: read, seed, apply, write."""
    import soundfile

    transforms = list(audio_pipeline().values())
    out.mkdir(parents=True, exist_ok=True)
    for i, path in enumerate(table.column("audio").to_pylist()):
        samples, rate = soundfile.read(path, dtype="float32")
        random.seed(int(seeds[i]))
        np.random.seed(int(seeds[i]))
        for transform in transforms:
            samples = transform(samples, rate)
        soundfile.write(out / f"{i}.wav", samples, rate, subtype="PCM_16")


def through_stage(table: pa.Table, modality, out: Path, workers: int) -> int:
    """The real augment stage over `table` as the train split; returns the copies it kept."""
    from dsbuild.augment.base import AugmentContext, MediaFolder
    from dsbuild.augment.policy import augment_policy
    from dsbuild.augment.stage import run_augment

    policy = augment_policy({"splits": ["train"], "copies": 1, "max_fraction": 1.0, "workers": workers},
                            {modality.name: modality})
    empty = table.schema.empty_table()
    splits, report, _ = run_augment({"train": table, "validation": empty, "test": empty}, policy, 0,
                                    AugmentContext(MediaFolder(out), workers))
    return report.added


def measure(label: str, table: pa.Table, direct, modality, unit_per_item: np.ndarray, rounds: int,
            work: Path) -> dict:
    """Alternate direct and dsbuild runs; medians of each, and a 2-worker dsbuild run."""
    from dsbuild.augment.stage import copy_seed

    ids = table.column("id").to_pylist()
    seeds = np.array([copy_seed(0, i, "1") for i in ids], dtype=np.uint32)
    times: dict[str, list[float]] = {"direct": [], "dsbuild": []}
    for r in range(rounds):
        for side in ("direct", "dsbuild"):
            out = work / f"{label}-{side}-{r}"
            start = time.perf_counter()
            if side == "direct":
                direct(table, seeds, out)
            else:
                through_stage(table, modality, out, workers=1)
            times[side].append(time.perf_counter() - start)
            shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    kept = through_stage(table, modality, work / f"{label}-two", workers=2)
    two = time.perf_counter() - start
    total = float(unit_per_item.sum())
    direct_s, ours_s = statistics.median(times["direct"]), statistics.median(times["dsbuild"])
    return {"label": label, "items": table.num_rows, "units": total, "direct": total / direct_s,
            "dsbuild": total / ours_s, "ratio": ours_s / direct_s, "two_workers": total / two, "kept": kept}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer items and rounds; nothing written")
    args = parser.parse_args()
    os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")
    from dsbuild.augment.audio import AudioAugment
    from dsbuild.augment.images import ImageAugment

    n_images, n_clips, rounds = (60, 20, 2) if args.quick else (300, 60, 3)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        images = make_images(work / "photos", n_images)
        clips = make_audio(work / "clips", n_clips)
        rows = [
            measure("images", images, direct_images, ImageAugment(image_pipeline()),
                    np.ones(images.num_rows), rounds, work),
            measure("audio", clips, direct_audio, AudioAugment(audio_pipeline()),
                    np.array(clips.column("duration_s").to_pylist()), rounds, work),
        ]
    units = {"images": "images/s", "audio": "audio-seconds/s"}
    lines = ["| what | items | direct | dsbuild stage (1 worker) | time ratio | target | dsbuild, 2 workers |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        unit = units[r["label"]]
        lines.append(f"| {r['label']} ({unit}) | {r['items']} | {r['direct']:,.1f} | {r['dsbuild']:,.1f} | "
                     f"{r['ratio']:.2f}x | <= 1.2x | {r['two_workers']:,.1f} |")
    print("\n".join(lines))
    if args.quick:
        return
    import albumentations
    import audiomentations
    from pipeline import machine  # bench/ is on the path when this file runs

    with open(RESULTS, "a", encoding="utf-8") as fh:
        fh.write(f"\n## augment: {date.today().isoformat()}\n\nMachine: {machine()}; albumentations "
                 f"{albumentations.__version__}, audiomentations {audiomentations.__version__}.\n"
                 f"Command: `python bench/augment.py` ({rounds} alternating rounds, medians; images are 640x427 "
                 "JPEG crops of scikit-learn's photos written back as JPEG q95, audio is espeak-ng speech written "
                 "as 16-bit WAV).\n\n" + "\n".join(lines) + "\n")


if __name__ == "__main__":
    sys.exit(main())
