"""Reading an audio file with soundfile (libsndfile) to prove it decodes, and reading its rate and length.

The whole file is decoded block by block, so a damaged stream fails here rather than in training;
the duration comes from the frames actually decoded, not from what the header claims.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import soundfile

from . import MediaError

AUDIO_SUFFIXES = frozenset({".wav", ".flac", ".ogg", ".oga", ".mp3"})
_BLOCK_FRAMES = 1 << 16


@dataclass(frozen=True)
class AudioInfo:
    sample_rate: int
    channels: int
    duration_s: float


def mp3_supported() -> bool:
    """True when the installed libsndfile decodes MP3 (libsndfile 1.1 and later)."""
    return "MP3" in soundfile.available_formats()


def probe_audio(path: Path) -> AudioInfo:
    """Sample rate, channels and duration of the audio at `path`, after decoding all of it."""
    if path.suffix.lower() == ".mp3" and not mp3_supported():
        raise MediaError(
            f"MP3 needs libsndfile >= 1.1 (this one is {soundfile.__libsndfile_version__}); "
            "upgrade soundfile or convert the file to WAV or FLAC"
        )
    try:
        with soundfile.SoundFile(path) as audio:
            rate, channels = audio.samplerate, audio.channels
            frames = sum(len(block) for block in audio.blocks(blocksize=_BLOCK_FRAMES, always_2d=True))
    except (soundfile.LibsndfileError, RuntimeError, OSError, ValueError) as exc:
        raise MediaError(f"not readable as audio ({_first_line(exc)})") from None
    if rate <= 0 or frames == 0:
        raise MediaError("audio has no samples")
    return AudioInfo(rate, channels, round(frames / rate, 3))


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
