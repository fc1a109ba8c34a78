"""augment.audio on real audio: numpy tones (mono, stereo, WAV, FLAC, OGG), espeak-ng speech and noise folders."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
import soundfile
from audiomentations import AddGaussianSNR, Gain, PitchShift, TimeStretch
from hydra.utils import instantiate

from dsbuild.augment.audio import AddBackgroundNoise, AudioAugment
from dsbuild.augment.base import AugmentContext, Copies, MediaFolder
from dsbuild.config import CONF_DIR
from dsbuild.errors import UserError
from dsbuild.sources.audio import AudioSource

ESPEAK = shutil.which("espeak-ng")
RATE = 16000
PRESETS = sorted(p.stem for p in (CONF_DIR / "augment" / "audio").glob("*.yaml"))


def tone(path: Path, hz=(440.0,), seconds=1.0, amplitude=0.3, rate=RATE) -> Path:
    """A sine per channel (one frequency each) written with soundfile in the format of the suffix."""
    path.parent.mkdir(parents=True, exist_ok=True)
    t = np.arange(int(seconds * rate)) / rate
    soundfile.write(path, np.column_stack([amplitude * np.sin(2 * np.pi * f * t) for f in hz]), rate)
    return path


def rows_of(root: Path) -> pa.Table:
    """The rows source=audio loads from a folder of class folders."""
    return AudioSource(str(root)).load().table


def run(modality, rows, seeds, version: Path, workers=1):
    copies = Copies(rows, np.asarray(seeds, dtype=np.uint32))
    return modality.augment(copies, AugmentContext(MediaFolder(version), workers=workers))


def decoded(version: Path, relative: str) -> tuple[np.ndarray, int]:
    data, rate = soundfile.read(version / relative, dtype="float64", always_2d=True)
    return data, rate


def dominant_hz(channel: np.ndarray, rate: int) -> float:
    window = channel * np.hanning(len(channel))
    return float(np.fft.rfftfreq(len(channel), 1 / rate)[np.argmax(np.abs(np.fft.rfft(window)))])


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x))))


@pytest.fixture
def clips(tmp_path):
    """A mono WAV tone at 440 Hz and a stereo FLAC tone (440 Hz left, 660 Hz right)."""
    root = tmp_path / "clips"
    tone(root / "tones" / "mono.wav")
    tone(root / "tones" / "stereo.flac", hz=(440.0, 660.0))
    return root


@pytest.fixture
def noise_folder(tmp_path):
    """Two white-noise WAVs, one in a subfolder, longer and shorter than the clips."""
    folder = tmp_path / "noise"
    (folder / "street").mkdir(parents=True)
    rng = np.random.default_rng(7)
    soundfile.write(folder / "hum.wav", 0.1 * rng.standard_normal(RATE * 3), RATE)
    soundfile.write(folder / "street" / "cars.wav", 0.2 * rng.standard_normal(RATE // 2), RATE)
    return folder


@pytest.mark.parametrize("rate", [0.8, 1.25])
def test_time_stretch_changes_duration_by_one_over_rate_and_keeps_pitch(clips, tmp_path, rate):
    rows = rows_of(clips)
    stretch = AudioAugment({"stretch": TimeStretch(min_rate=rate, max_rate=rate, leave_length_unchanged=False,
                                                   method="signalsmith_stretch", p=1.0)})
    out = run(stretch, rows, [1, 2], tmp_path / "v")
    assert out.changed == [True, True] and out.failed == [None, None]
    assert out.applied == [[{"transform": "TimeStretch", "rate": rate}]] * 2
    for i, original in enumerate(rows.to_pylist()):
        data, sr = decoded(tmp_path / "v", out.columns["audio"][i])
        assert Path(out.columns["audio"][i]).suffix == Path(original["audio"]).suffix  # WAV stays WAV, FLAC FLAC
        assert sr == RATE and data.shape[1] == original["channels"] == out.columns["channels"][i]
        assert len(data) / RATE == pytest.approx(original["duration_s"] / rate, rel=0.03)
        assert out.columns["duration_s"][i] == round(len(data) / RATE, 3)
        expected = [440.0] if original["channels"] == 1 else [440.0, 660.0]
        assert [dominant_hz(data[:, c], sr) for c in range(data.shape[1])] == pytest.approx(expected, rel=0.02)


def test_pitch_shift_moves_the_frequency_by_the_semitone_ratio_at_the_same_length(clips, tmp_path):
    rows = rows_of(clips)
    shift = AudioAugment({"pitch": PitchShift(min_semitones=-5, max_semitones=5, p=1.0)})
    out = run(shift, rows, [11, 12], tmp_path / "v")
    for i, original in enumerate(rows.to_pylist()):
        [done] = out.applied[i]
        ratio = 2 ** (done["num_semitones"] / 12)
        data, sr = decoded(tmp_path / "v", out.columns["audio"][i])
        assert len(data) == original["duration_s"] * RATE
        expected = [440.0 * ratio] if original["channels"] == 1 else [440.0 * ratio, 660.0 * ratio]
        assert [dominant_hz(data[:, c], sr) for c in range(data.shape[1])] == pytest.approx(expected, rel=0.02)


def test_gain_changes_rms_by_the_sampled_decibels(clips, tmp_path):
    rows = rows_of(clips)
    gain = AudioAugment({"gain": Gain(min_gain_db=-6, max_gain_db=6, p=1.0)})
    out = run(gain, rows, [3, 4], tmp_path / "v")
    for i, original in enumerate(rows.to_pylist()):
        before, _ = soundfile.read(original["audio"], always_2d=True)
        after, _ = decoded(tmp_path / "v", out.columns["audio"][i])
        [done] = out.applied[i]
        assert done["transform"] == "Gain" and isinstance(done["amplitude_ratio"], float)
        assert 20 * np.log10(rms(after) / rms(before)) == pytest.approx(20 * np.log10(done["amplitude_ratio"]),
                                                                         abs=0.05)


def test_background_noise_from_a_folder_lands_in_the_snr_range(clips, noise_folder, tmp_path):
    rows = rows_of(clips)
    noise = AudioAugment({"noise": AddBackgroundNoise(sounds_path=str(noise_folder), min_snr_db=10, max_snr_db=20,
                                                      p=1.0)}, subtype="FLOAT")
    seeds = list(range(6))
    out = run(noise, pa.concat_tables([rows] * 3), seeds, tmp_path / "v")
    assert all(out.changed) and out.failed == [None] * 6
    used = set()
    for i, original in enumerate(pa.concat_tables([rows] * 3).to_pylist()):
        clean, _ = soundfile.read(original["audio"], always_2d=True)
        noisy, _ = decoded(tmp_path / "v", out.columns["audio"][i])
        [done] = out.applied[i]
        used.add(done["noise_file_path"])
        snr = 20 * np.log10(rms(clean) / rms(noisy - clean))
        assert 10 - 0.2 <= snr <= 20 + 0.2 and snr == pytest.approx(done["snr_db"], abs=0.2)
    assert used == {"hum.wav", "street/cars.wav"}  # named relative to the folder, never absolute


def test_same_seed_same_bytes_for_any_worker_count_and_other_seeds_differ(clips, tmp_path):
    rows = pa.concat_tables([rows_of(clips)] * 3)
    pipeline = AudioAugment({
        "stretch": TimeStretch(min_rate=0.9, max_rate=1.1, leave_length_unchanged=False, p=0.5),
        "pitch": PitchShift(min_semitones=-2, max_semitones=2, p=0.5),
        "gain": Gain(min_gain_db=-6, max_gain_db=6, p=0.5),
        "noise": AddGaussianSNR(min_snr_db=20, max_snr_db=40, p=1.0),
    })
    seeds = [5, 6, 7, 8, 9, 10]
    one = run(pipeline, rows, seeds, tmp_path / "one", workers=1)
    two = run(pipeline, rows, seeds, tmp_path / "two", workers=2)
    assert one.columns == two.columns and one.applied == two.applied
    for relative in one.columns["audio"]:
        assert (tmp_path / "one" / relative).read_bytes() == (tmp_path / "two" / relative).read_bytes()
    other = run(pipeline, rows, [s + 100 for s in seeds], tmp_path / "other")
    assert not set(other.columns["audio_sha256"]) & set(one.columns["audio_sha256"])
    assert len(set(one.columns["audio_sha256"])) == 6
    assert all(a[-1]["transform"] == "AddGaussianSNR" for a in one.applied)
    assert {a["transform"] for done in one.applied for a in done} >= {"TimeStretch", "PitchShift", "Gain"}


def test_float_wav_copies_made_a_second_apart_are_byte_identical(clips, tmp_path):
    gain = AudioAugment({"gain": Gain(p=1.0)}, format="wav", subtype="FLOAT")
    rows = rows_of(clips)
    first = run(gain, rows, [1, 2], tmp_path / "a")
    time.sleep(1.1)  # libsndfile stamps float WAVs with the time of writing
    second = run(gain, rows, [1, 2], tmp_path / "b")
    assert first.columns["audio_sha256"] == second.columns["audio_sha256"]
    assert all(p.endswith(".wav") for p in first.columns["audio"])
    assert soundfile.info(tmp_path / "a" / first.columns["audio"][1]).subtype == "FLOAT"


def test_nothing_fired_means_unchanged_and_nothing_written(clips, tmp_path):
    out = run(AudioAugment({"gain": Gain(p=0.0), "gone": None}), rows_of(clips), [1, 2], tmp_path / "v")
    assert out.changed == [False, False] and out.applied == [[], []] and not (tmp_path / "v").exists()


def test_ogg_becomes_flac_and_an_unreadable_file_fails_its_copy(tmp_path):
    root = tmp_path / "clips"
    tone(root / "x" / "a.ogg")
    tone(root / "x" / "b.wav")
    rows = rows_of(root)
    (root / "x" / "b.wav").unlink()
    out = run(AudioAugment({"gain": Gain(min_gain_db=3, max_gain_db=3, p=1.0)}), rows, [1, 2], tmp_path / "v")
    assert out.columns["audio"][0].endswith(".flac") and out.changed == [True, False]
    assert out.failed[0] is None and "b.wav: not readable as audio" in out.failed[1]
    assert out.columns["audio"][1] == rows.column("audio")[1].as_py()  # the original's value where nothing was made


@pytest.mark.skipif(ESPEAK is None, reason="espeak-ng is not installed (apt-get install espeak-ng)")
def test_espeak_speech_is_stretched_and_noised(tmp_path):
    speech = tmp_path / "speech" / "said"
    speech.mkdir(parents=True)
    subprocess.run([ESPEAK, "-w", str(speech / "one.wav"), "the patient has a mild fever"], check=True)
    rows = rows_of(tmp_path / "speech")
    pipeline = AudioAugment({"stretch": TimeStretch(min_rate=1.25, max_rate=1.25, leave_length_unchanged=False, p=1.0),
                             "noise": AddGaussianSNR(min_snr_db=20, max_snr_db=20, p=1.0)})
    out = run(pipeline, rows, [42], tmp_path / "v")
    [original] = rows.to_pylist()
    data, sr = decoded(tmp_path / "v", out.columns["audio"][0])
    assert out.changed == [True] and sr == original["sample_rate"] == 22050
    assert len(data) / sr == pytest.approx(original["duration_s"] / 1.25, rel=0.03)
    assert [a["transform"] for a in out.applied[0]] == ["TimeStretch", "AddGaussianSNR"]
    assert out.applied[0][1]["noise_std"] > 0  # AddGaussianSNR keeps the noise level it derived from the SNR


@pytest.mark.parametrize("preset", PRESETS)
def test_every_preset_composes_and_instantiates(preset, compose_cfg, noise_folder):
    overrides = ["augment=audio", f"augment/audio=[{preset}]"]
    if preset == "background_noise":
        overrides.append(f"augment.audio.transforms.background_noise.sounds_path={noise_folder}")
    modality = instantiate(compose_cfg(overrides).augment.audio, _convert_="all")
    assert isinstance(modality, AudioAugment) and modality.transforms
    stretch = modality.transforms.get("time_stretch")
    assert stretch is None or stretch.leave_length_unchanged is False
    assert ("background_noise" in modality.transforms) == (preset == "background_noise")


def test_presets_merge_and_null_removes_a_transform(compose_cfg):
    cfg = compose_cfg(["augment=audio", "augment/audio=[standard,gain]", "augment.audio.transforms.pitch_shift=null"])
    modality = instantiate(cfg.augment.audio, _convert_="all")
    assert list(modality.transforms) == ["time_stretch", "gain", "gaussian_noise"]
    assert modality.transforms["gain"].p == 1.0  # the gain preset overrides standard's


def test_mistakes_are_one_line_user_errors(tmp_path):
    with pytest.raises(UserError, match="needs an `audio` column") as missing:
        AudioAugment({"gain": Gain()}).check(pa.schema([("text", pa.string())]))
    with pytest.raises(UserError, match="background_noise.sounds_path: .* does not exist") as absent:
        AddBackgroundNoise(sounds_path=str(tmp_path / "nowhere"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(UserError, match="background_noise.sounds_path: .* holds no audio files") as empty:
        AddBackgroundNoise(sounds_path=str(tmp_path / "empty"))
    with pytest.raises(UserError, match="transforms.gain is a dict") as raw:
        AudioAugment({"gain": {"min_gain_db": 1}})
    with pytest.raises(UserError, match="augment.audio.transforms is empty"):
        AudioAugment({"gain": None})
    with pytest.raises(UserError, match="augment.audio.format is 'mp3'"):
        AudioAugment({"gain": Gain()}, format="mp3")
    with pytest.raises(UserError, match="subtype 'PCM_17' is not a WAV sample format"):
        AudioAugment({"gain": Gain()}, subtype="PCM_17")
    assert all("\n" not in str(e.value) for e in (missing, absent, empty, raw))


def test_composed_missing_noise_folder_is_a_user_error_from_the_build(compose_cfg, tmp_path):
    from dsbuild.build import _instantiate

    cfg = compose_cfg(["augment=audio", "augment/audio=[background_noise]",
                       f"augment.audio.transforms.background_noise.sounds_path={tmp_path / 'nowhere'}"])
    with pytest.raises(UserError, match="augment.audio.transforms.background_noise.sounds_path: .*nowhere"):
        _instantiate(cfg.augment.audio, "augment.audio")


def test_fingerprint_lists_each_noise_file_and_changes_with_it(noise_folder):
    def fingerprint():
        return AudioAugment({"gain": Gain(), "noise": AddBackgroundNoise(sounds_path=str(noise_folder))}).fingerprint()

    before = fingerprint()
    assert [f["name"] for f in before] == ["hum.wav", "street/cars.wav"]
    assert all(Path(f["path"]).is_absolute() and len(f["sha256"]) == 64 for f in before)
    soundfile.write(noise_folder / "hum.wav", np.full(RATE, 0.05), RATE)
    after = fingerprint()
    assert after[0]["sha256"] != before[0]["sha256"] and after[1] == before[1]
