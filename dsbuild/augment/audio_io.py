"""Decoding a clip into the array audiomentations expects, and encoding the result to WAV or FLAC bytes.

The bytes depend only on the samples, rate and sample format, so equal seeds give equal files: the
one volatile field libsndfile writes (the creation time in the PEAK chunk of float WAV files) is zeroed.
"""

from __future__ import annotations

import io
import struct
from pathlib import Path

import numpy as np
import soundfile

from ..errors import UserError

FORMATS = ("same", "wav", "flac")
KEPT_AS_IS = {".wav": ("WAV", ".wav"), ".flac": ("FLAC", ".flac")}  # OGG / MP3 re-encode lossily: FLAC instead
FLAC_SUBTYPES = frozenset({"PCM_S8", "PCM_16", "PCM_24"})
READ_ERRORS = (soundfile.LibsndfileError, RuntimeError, OSError, ValueError)


def read_clip(path: Path) -> tuple[np.ndarray, int]:
    """The clip's samples as float32, shaped (samples,) for mono and (channels, samples) otherwise, and its rate."""
    data, rate = soundfile.read(path, dtype="float32", always_2d=True)
    samples = data[:, 0].copy() if data.shape[1] == 1 else np.ascontiguousarray(data.T)
    return samples, rate


def frames_of(samples: np.ndarray) -> int:
    """Number of sample frames in an array shaped like `read_clip`'s output."""
    return samples.shape[-1]


def check_output(format: str, subtype: str) -> None:
    """Raise a UserError when `augment.audio.format` / `.subtype` name something that cannot be written."""
    if format not in FORMATS:
        raise UserError(f"augment.audio.format is {format!r}; use one of {', '.join(FORMATS)}")
    if not soundfile.check_format("WAV", subtype):
        wav = ", ".join(sorted(soundfile.available_subtypes("WAV")))
        raise UserError(f"augment.audio.subtype {subtype!r} is not a WAV sample format; use one of {wav}")


def output_format(suffix: str, format: str, subtype: str) -> tuple[str, str, str]:
    """(libsndfile format, subtype, file suffix) of the copy of a clip whose file ends in `suffix`.

    FLAC takes `subtype` when FLAC can hold it, else its deepest format (PCM_24).
    """
    if format == "same":
        major, ending = KEPT_AS_IS.get(suffix.lower(), ("FLAC", ".flac"))
    else:
        major, ending = format.upper(), f".{format}"
    if major == "FLAC" and subtype not in FLAC_SUBTYPES:
        subtype = "PCM_24"
    return major, subtype, ending


def encode_clip(samples: np.ndarray, rate: int, major: str, subtype: str) -> bytes:
    """The samples as a complete file in memory; integer formats clip values beyond full scale."""
    buffer = io.BytesIO()
    soundfile.write(buffer, samples.T if samples.ndim == 2 else samples, rate, subtype=subtype, format=major)
    data = buffer.getvalue()
    return _zero_peak_time(data) if major == "WAV" else data


def _zero_peak_time(data: bytes) -> bytes:
    """WAV bytes with the PEAK chunk's timestamp (seconds since 1970, written for float formats) set to 0."""
    offset = 12  # after "RIFF", the size and "WAVE"
    while offset + 8 <= len(data):
        chunk, size = data[offset:offset + 4], struct.unpack_from("<I", data, offset + 4)[0]
        if chunk == b"PEAK":
            stamp = offset + 12  # chunk header (8 bytes), then the version (4), then the timestamp (4)
            return data[:stamp] + b"\0\0\0\0" + data[stamp + 4:]
        if chunk == b"data":
            break
        offset += 8 + size + (size & 1)
    return data
