"""source=audio on real audio: numpy tones written by soundfile, espeak-ng speech, corrupt files."""

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile

from dsbuild.errors import UserError
from dsbuild.media import audio_probe
from dsbuild.sources.audio import AudioSource

ESPEAK = shutil.which("espeak-ng")
needs_espeak = pytest.mark.skipif(ESPEAK is None, reason="espeak-ng is not installed (apt-get install espeak-ng)")


def tone(path, hz, seconds=0.5, rate=16000, channels=1, fmt=None):
    path.parent.mkdir(parents=True, exist_ok=True)
    t = np.arange(int(seconds * rate)) / rate
    wave = 0.3 * np.sin(2 * np.pi * hz * t)
    soundfile.write(path, np.column_stack([wave] * channels) if channels > 1 else wave, rate, format=fmt)
    return path


@pytest.fixture
def clips(tmp_path):
    """Class folders of tones in WAV, FLAC and OGG, a file of random bytes and a WAV cut inside its header."""
    root = tmp_path / "clips"
    tone(root / "low" / "a.wav", 220)
    tone(root / "low" / "b.flac", 240, seconds=1.0, channels=2)
    tone(root / "high" / "c.ogg", 880)
    (root / "high" / "noise.wav").write_bytes(np.random.default_rng(0).bytes(2000))
    whole = tone(tmp_path / "whole.wav", 500).read_bytes()
    (root / "high" / "cut.wav").write_bytes(whole[:30])
    return root


def test_class_folders_give_rate_channels_duration_and_rejects(clips):
    loaded = AudioSource(str(clips)).load()
    rows = {Path(r["audio"]).name: r for r in loaded.table.to_pylist()}
    assert set(rows) == {"a.wav", "b.flac", "c.ogg"}
    assert rows["a.wav"]["label"] == "low" and rows["c.ogg"]["label"] == "high"
    assert (rows["b.flac"]["sample_rate"], rows["b.flac"]["channels"], rows["b.flac"]["duration_s"]) == (16000, 2, 1.0)
    assert rows["a.wav"]["duration_s"] == 0.5 and len(rows["a.wav"]["audio_sha256"]) == 64
    assert "text" not in rows["a.wav"]
    rejected = {r["source_ref"]: r for r in loaded.rejected.to_pylist()}
    assert set(rejected) == {"high/noise.wav", "high/cut.wav"}
    assert all(r["_rule"] == "unreadable" and "not readable as audio" in r["_reason"] for r in rejected.values())
    assert loaded.rows_read == loaded.table.num_rows + loaded.rejected.num_rows == 5


@pytest.mark.skipif(not audio_probe.mp3_supported(), reason="this libsndfile cannot write MP3")
def test_mp3_reads_when_libsndfile_supports_it_and_is_a_clear_reject_otherwise(tmp_path, monkeypatch):
    tone(tmp_path / "mp3" / "beep" / "x.mp3", 440, rate=16000, fmt="MP3")
    [row] = AudioSource(str(tmp_path / "mp3")).load().table.to_pylist()
    assert row["sample_rate"] == 16000 and row["duration_s"] > 0.4
    monkeypatch.setattr(audio_probe, "mp3_supported", lambda: False)
    [reject] = AudioSource(str(tmp_path / "mp3")).load().rejected.to_pylist()
    assert "MP3 needs libsndfile >= 1.1" in reject["_reason"] and reject["source_ref"] == "beep/x.mp3"


@needs_espeak
def test_transcript_table_of_espeak_speech_becomes_text(tmp_path):
    root = tmp_path / "speech"
    root.mkdir()
    sentences = {"one.wav": "the patient has a mild fever", "two.wav": "take the tablets after meals"}
    for name, sentence in sentences.items():
        subprocess.run([ESPEAK, "-w", str(root / name), sentence], check=True, capture_output=True)
    labels = tmp_path / "transcripts.csv"
    labels.write_text("path,transcript\none.wav,the patient has a mild fever\n"
                      "two.wav,take the tablets after meals\nthree.wav,never recorded\n", encoding="utf-8")
    loaded = AudioSource(str(root), labels=str(labels)).load()
    rows = {Path(r["audio"]).name: r for r in loaded.table.to_pylist()}
    assert {n: r["text"] for n, r in rows.items()} == sentences
    assert all(r["sample_rate"] == 22050 and r["duration_s"] > 1.0 for r in rows.values())
    assert rows["one.wav"]["source_ref"] == "transcripts.csv:row 1" and "label" not in rows["one.wav"]
    [missing] = loaded.rejected.to_pylist()
    assert missing["_rule"] == "missing_file" and missing["_reason"].startswith("transcripts.csv:row 3: three.wav")


def test_ids_hash_the_bytes_and_label_so_renaming_keeps_them(clips):
    before = {r["label"]: r["id"] for r in AudioSource(str(clips)).load().table.to_pylist() if r["label"] == "low"}
    (clips / "low" / "a.wav").rename(clips / "low" / "renamed.wav")
    after = AudioSource(str(clips)).load().table.to_pylist()
    assert before["low"] in {r["id"] for r in after}


def test_label_table_naming_an_unknown_field_is_a_user_error(clips, tmp_path):
    labels = tmp_path / "l.csv"
    labels.write_text("file,label\nlow/a.wav,low\n", encoding="utf-8")
    with pytest.raises(UserError, match="source.columns.speaker is not a media table field"):
        AudioSource(str(clips), labels=str(labels), columns={"path": "file", "speaker": "who"})
    with pytest.raises(UserError, match="no 'path' column"):
        AudioSource(str(clips), labels=str(labels))


def test_build_with_jsonl_keeps_paths_and_writes_rejects_and_card(clips, compose_cfg, tmp_path):
    from dsbuild.build import build

    cfg = compose_cfg(["source=audio", f"source.path={clips}", "format=jsonl", "cleaning=none",
                       f"output_dir={tmp_path / 'out'}", "name=tones", "split.ratios=[1.0,0.0,0.0]"])
    result = build(cfg, show_progress=False)
    rows = [json.loads(line) for line in (result.path / "train.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sorted(r["label"] for r in rows) == ["high", "low", "low"] and all(Path(r["audio"]).is_file() for r in rows)
    rejects = [json.loads(line) for line in (result.path / "rejects.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {r["source_ref"] for r in rejects} == {"high/noise.wav", "high/cut.wav"}
    assert "unreadable" in (result.path / "README.md").read_text(encoding="utf-8")
