"""Opening an image with Pillow to prove it decodes fully, and reading its width, height and format.

`verify()` catches broken structure (bad chunks, checksums) but not a file cut short, so the image
is opened again and `load()`ed, which decodes every pixel and fails on truncation.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from . import MediaError

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".gif", ".bmp", ".tif", ".tiff", ".webp"})


@dataclass(frozen=True)
class ImageInfo:
    width: int
    height: int
    format: str


def probe_image(path: Path, verify: bool = True) -> ImageInfo:
    """Width, height and format of the image at `path`; with `verify`, decode it fully first."""
    try:
        with Image.open(path) as image:
            info = ImageInfo(image.width, image.height, image.format or path.suffix.lstrip(".").upper())
            if verify:
                image.verify()
        if verify:
            with Image.open(path) as image:
                image.load()
    except UnidentifiedImageError:
        raise MediaError("not an image Pillow can read (wrong extension or not an image file)") from None
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise MediaError(f"corrupt image ({_first_line(exc)})") from None
    if info.width <= 0 or info.height <= 0:
        raise MediaError(f"image has no pixels ({info.width}x{info.height})")
    return info


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
