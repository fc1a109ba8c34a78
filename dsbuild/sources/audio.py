"""`source=audio`: audio datasets (WAV, FLAC, OGG, MP3) from class folders or a CSV/JSONL label table.

Rows hold the audio path (absolute), `label` and/or `text` (a transcript), `sample_rate`, `channels`,
`duration_s` and `audio_sha256`. Every file is decoded once with soundfile; a file that does not
decode, or a table row naming a missing file, becomes a reject row with the reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pyarrow as pa

from ..media.audio_probe import AUDIO_SUFFIXES, probe_audio
from .media import MediaSource, labels_file, media_files, media_folder, referenced_files
from .media_entries import MediaEntry, folder_entries, table_entries

TABLE_COLUMNS = {"path": ("path",), "label": ("label",), "text": ("transcript", "text")}


class AudioSource(MediaSource):
    """Audio clips with labels or transcripts; `columns` maps path/label/text to label-table columns."""

    media_field = "audio"
    sha_field = "audio_sha256"

    def __init__(
        self,
        path: str,
        labels: str | None = None,
        columns: Mapping[str, str | None] | None = None,
        name: str | None = None,
    ):
        self.root = media_folder(path)
        if labels:
            label_path = labels_file(labels)
            self.entries = table_entries(label_path, self.root, columns, TABLE_COLUMNS)
            self.files = referenced_files(label_path, self.entries)
        else:
            self.files = media_files(self.root, AUDIO_SUFFIXES)
            self.entries = folder_entries(self.root, self.files)
        present = set().union(*(e.fields for e in self.entries)) if self.entries else {"label"}
        self.text_fields = [f for f in ("label", "text") if f in present]
        self.name = name or self.root.resolve().name

    def probe(self, path: Path) -> dict:
        info = probe_audio(path)
        return {"sample_rate": info.sample_rate, "channels": info.channels, "duration_s": info.duration_s}

    def annotate(self, entry: MediaEntry, probed: dict) -> dict:
        return {f: entry.fields.get(f) for f in self.text_fields}

    def schema(self) -> list[pa.Field]:
        return [*(pa.field(f, pa.string()) for f in self.text_fields), pa.field("sample_rate", pa.int32()),
                pa.field("channels", pa.int16()), pa.field("duration_s", pa.float64())]
