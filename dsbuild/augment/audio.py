"""`augment.audio`: copies of audio clips run through an audiomentations pipeline configured in YAML.

Each copy decodes its clip once, seeds Python's `random` and numpy's global RNG (where audiomentations
draws every parameter and noise sample) from the copy's seed right before the transforms, and writes
the result into the version's media folder. So a seed gives the same bytes in any process and for any
worker count. Output: WAV stays WAV (`subtype`, default PCM_16), FLAC stays FLAC; OGG and MP3 become
FLAC because encoding them again is lossy (Vorbis, MP3) or not byte-reproducible. `format: wav|flac`
writes every copy in one format. Integer formats clip samples beyond full scale (e.g. after a gain).
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from multiprocessing import get_context
from pathlib import Path

import audiomentations
import numpy as np
import pyarrow as pa
from audiomentations.core.transforms_interface import BaseWaveformTransform
from audiomentations.core.utils import find_audio_files_in_paths

from ..errors import UserError
from ..sources.files import file_inputs
from .audio_io import READ_ERRORS, check_output, encode_clip, frames_of, output_format, read_clip
from .base import AugmentContext, Augmented, Copies, MediaFolder, Modality

MEDIA_FIELD = "audio"
OUTPUT_COLUMNS = ("audio", "audio_sha256", "sample_rate", "channels", "duration_s")
NOISE_KEY = "augment.audio.transforms.background_noise.sounds_path"
_PROGRESS_STEPS = 50
# One copy's outcome: new column values (None when nothing was written), applied, changed, failure reason.
Made = tuple[dict | None, list[dict], bool, str | None]


class AudioAugment(Modality):
    """Runs `transforms` (audiomentations waveform transforms, in order) on each copy's clip.

    Rewrites `audio` (media path relative to the version folder), `audio_sha256`, `sample_rate`,
    `channels` and `duration_s` (added when the rows lack them). `applied` lists each transform that
    fired with its sampled parameters; noise and impulse-response files are named relative to their folder.
    """

    name = "audio"

    def __init__(self, transforms: Mapping[str, object | None], format: str = "same", subtype: str = "PCM_16"):
        self.transforms = _waveform_transforms(transforms)
        check_output(format, subtype)
        self.format, self.subtype = format, subtype
        self._file_names = {path: name for t in self.transforms.values() for path, name in _read_files(t).items()}
        self._inputs: list[dict] | None = None

    def check(self, schema: pa.Schema) -> None:
        if MEDIA_FIELD not in schema.names:
            raise UserError(
                f"augment.audio needs an `{MEDIA_FIELD}` column (the path of each clip) and the rows have "
                f"{', '.join(schema.names)}; load them with source=audio or drop augment.audio"
            )

    def fingerprint(self) -> list[dict]:
        if self._inputs is None:
            self._inputs = file_inputs([Path(p) for p in self._file_names], lambda f: self._file_names[str(f)])
        return self._inputs

    def augment(self, copies: Copies, context: AugmentContext) -> Augmented:
        rows = copies.rows
        jobs = [(_absolute(path, context.media), int(seed))
                for path, seed in zip(rows.column(MEDIA_FIELD).to_pylist(), copies.seeds)]
        originals = {c: rows.column(c).to_pylist() if c in rows.column_names else [None] * len(jobs)
                     for c in OUTPUT_COLUMNS}
        columns: dict[str, list] = {c: [] for c in OUTPUT_COLUMNS}
        applied, changed, failed = [], [], []
        every = max(1, len(jobs) // _PROGRESS_STEPS)
        for i, (made, done, was_changed, reason) in enumerate(self._map(jobs, context)):
            for c in OUTPUT_COLUMNS:
                columns[c].append(made[c] if made else originals[c][i])
            applied.append(done)
            changed.append(was_changed)
            failed.append(reason)
            if context.progress and (i + 1) % every == 0:
                context.progress(f"augment audio {i + 1}/{len(jobs)}")
        return Augmented(columns, applied, changed, failed)

    def _map(self, jobs: list[tuple[Path | None, int]], context: AugmentContext) -> Iterator[Made]:
        """Each job's result in order: in this process, or in `context.workers` forked processes."""
        if context.workers <= 1 or len(jobs) < 2:
            with _global_rngs_kept():
                yield from (self.make_copy(path, seed, context.media) for path, seed in jobs)
            return
        chunk = max(1, len(jobs) // (context.workers * 8))
        with ProcessPoolExecutor(context.workers, mp_context=get_context("fork"), initializer=_start_worker,
                                 initargs=(self, context.media)) as pool:
            yield from pool.map(_worker_copy, jobs, chunksize=chunk)

    def make_copy(self, path: Path | None, seed: int, media: MediaFolder) -> Made:
        """Decode the clip at `path`, run the transforms seeded with `seed`, write the result when it changed."""
        if path is None:
            return None, [], False, f"the row has no {MEDIA_FIELD} path"
        try:
            original, rate = read_clip(path)
        except READ_ERRORS as exc:
            return None, [], False, f"{path}: not readable as audio ({_first_line(exc)})"
        random.seed(seed)
        np.random.seed(seed)
        samples, applied = original, []
        for key, transform in self.transforms.items():
            try:
                samples = _apply(transform, samples, rate)
            except Exception as exc:  # noqa: BLE001 - any third-party transform error fails this copy, with the reason
                reason = f"augment.audio.transforms.{key} ({type(transform).__name__}): {_first_line(exc)}"
                return None, applied, False, reason
            if transform.parameters.get("should_apply"):
                applied.append({"transform": type(transform).__name__, **self._json_ready(transform.parameters)})
        if frames_of(samples) == 0 or not np.isfinite(samples).all():
            return None, applied, False, "the transforms left no samples or non-finite values"
        if samples.shape == original.shape and np.array_equal(samples, original):
            return None, applied, False, None
        major, subtype, suffix = output_format(path.suffix, self.format, self.subtype)
        relative, sha = media.write(encode_clip(samples, rate, major, subtype), suffix)
        channels = 1 if samples.ndim == 1 else samples.shape[0]
        made = {"audio": relative, "audio_sha256": sha, "sample_rate": rate, "channels": channels,
                "duration_s": round(frames_of(samples) / rate, 3)}
        return made, applied, True, None

    def _json_ready(self, value):
        """Sampled parameters as plain JSON values; files the transforms read are named relative to their folder."""
        if isinstance(value, Mapping):
            return {str(k): self._json_ready(v) for k, v in value.items() if k != "should_apply"}
        if isinstance(value, (list, tuple)):
            return [self._json_ready(v) for v in value]
        if isinstance(value, np.ndarray):
            return self._json_ready(value.tolist())
        if isinstance(value, np.generic):
            return value.item()
        if isinstance(value, (str, os.PathLike)):
            return self._file_names.get(str(value), str(value))
        return value if value is None or isinstance(value, (bool, int, float)) else str(value)


class AddBackgroundNoise(audiomentations.AddBackgroundNoise):
    """audiomentations' AddBackgroundNoise that says which key to fix when `sounds_path` holds no audio files."""

    def __init__(
        self,
        sounds_path: Sequence[str] | str,
        min_snr_db: float = 3.0,
        max_snr_db: float = 30.0,
        noise_rms: str = "relative",
        min_absolute_rms_db: float = -45.0,
        max_absolute_rms_db: float = -15.0,
        noise_transform=None,
        p: float = 0.5,
    ):
        for path in [sounds_path] if isinstance(sounds_path, (str, os.PathLike)) else list(sounds_path or []):
            if not os.path.exists(path):
                raise UserError(f"{NOISE_KEY}: {str(path)!r} does not exist (working directory: {Path.cwd()}); "
                                f"set it to a folder of noise clips, e.g. {NOISE_KEY}=data/noise")
        if not sounds_path or not find_audio_files_in_paths(sounds_path):
            raise UserError(f"{NOISE_KEY}: {sounds_path!r} holds no audio files (.wav, .flac, .ogg ...); "
                            "add noise clips there or point it at another folder")
        super().__init__(sounds_path, min_snr_db=min_snr_db, max_snr_db=max_snr_db, noise_rms=noise_rms,
                         min_absolute_rms_db=min_absolute_rms_db, max_absolute_rms_db=max_absolute_rms_db,
                         noise_transform=noise_transform, p=p)


def _waveform_transforms(transforms: Mapping[str, object | None]) -> dict[str, BaseWaveformTransform]:
    """The configured transforms in order, without the ones set to null; each must be a waveform transform."""
    if not isinstance(transforms, Mapping):
        raise UserError("augment.audio.transforms must map names to transforms; pick presets, "
                        "e.g. augment/audio=[standard]")
    kept = {str(key): t for key, t in transforms.items() if t is not None}
    for key, transform in kept.items():
        if not isinstance(transform, BaseWaveformTransform):
            raise UserError(
                f"augment.audio.transforms.{key} is a {type(transform).__name__}, not an audiomentations waveform "
                "transform; give it a _target_ such as audiomentations.Gain (list one transform per key)"
            )
    if not kept:
        raise UserError("augment.audio.transforms is empty; pick presets, e.g. augment/audio=[standard]")
    return kept


def _read_files(transform: BaseWaveformTransform) -> dict[str, str]:
    """Noise / impulse-response files a transform reads: absolute path -> name relative to its configured folder."""
    files = getattr(transform, "sound_file_paths", None) or getattr(transform, "ir_files", None) or []
    roots = getattr(transform, "sounds_path", None) or getattr(transform, "ir_path", None) or []
    roots = [roots] if isinstance(roots, (str, os.PathLike)) else list(roots)
    folders = [Path(os.path.abspath(r)) for r in roots if os.path.isdir(r)]
    names = {}
    for file in files:
        path = Path(file)
        folder = next((f for f in folders if path.is_relative_to(f)), None)
        names[str(file)] = path.relative_to(folder).as_posix() if folder else path.name
    return names


def _apply(transform: BaseWaveformTransform, samples: np.ndarray, rate: int) -> np.ndarray:
    """One transform on (samples,) or (channels, samples) float32; mono-only transforms (e.g. background
    noise) run on each channel of a multichannel clip with one set of sampled parameters."""
    if samples.ndim == 2 and not transform.supports_multichannel:
        transform.randomize_parameters(samples[0], rate)
        if not transform.parameters["should_apply"]:
            return samples
        return np.stack([np.asarray(transform.apply(channel, rate), dtype=np.float32) for channel in samples])
    return np.asarray(transform(samples, rate), dtype=np.float32)


def _absolute(path: str | None, media: MediaFolder) -> Path | None:
    """Original rows hold absolute paths; a relative one names a file of the version folder."""
    if path is None:
        return None
    return Path(path) if os.path.isabs(path) else media.resolve(path)


@contextmanager
def _global_rngs_kept():
    """Seeding per copy uses the global RNGs; give the caller its own state back afterwards."""
    state = random.getstate(), np.random.get_state()
    try:
        yield
    finally:
        random.setstate(state[0])
        np.random.set_state(state[1])


_WORKER: tuple[AudioAugment, MediaFolder] | None = None  # set in each forked worker process


def _start_worker(modality: AudioAugment, media: MediaFolder) -> None:
    global _WORKER
    _WORKER = (modality, media)


def _worker_copy(job: tuple[Path | None, int]) -> Made:
    modality, media = _WORKER
    return modality.make_copy(job[0], job[1], media)


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
