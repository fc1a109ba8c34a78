"""Plain text files (.txt): decoded with dsbuild's encoding detection, tidied, one section.

Also the decoding step for Markdown. A file whose bytes fit no known encoding is a broken input
(`ExtractionError`), not a stopping error: the other files of the folder still build.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import UserError
from ..sources.encoding import AUTO, decode, detect_encoding
from .model import Document, ExtractionError, Section
from .tidy import tidy


def extract_text(path: Path) -> Document:
    """The whole file as one section; `meta["encoding"]` is the codec it was read with."""
    text, encoding = read_text(path)
    text = tidy(text)
    return Document([Section(text)] if text else [], meta={"encoding": encoding})


def read_text(path: Path) -> tuple[str, str]:
    """The text of the file at `path` (BOM removed) and the codec detected for it."""
    data = path.read_bytes()
    try:
        encoding = detect_encoding(data, AUTO, where=path.name)
        text = decode(data, encoding, where=path.name)
    except UserError:
        raise ExtractionError(
            "the text is not UTF-8, UTF-16 or GB18030 (the encodings dsbuild detects); save it as UTF-8"
        ) from None
    return text.removeprefix("\ufeff"), encoding
