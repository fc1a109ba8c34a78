"""Reading an image file into a pixel array and encoding pixels back, the same way every time.

Pixels are RGB (RGBA with alpha, a 2-D array for grayscale) in the file's own pixel grid: EXIF
orientation is not applied, so boxes written against the stored image stay valid. OpenCV decodes
and encodes (faster than Pillow); Pillow reads what OpenCV cannot (e.g. some GIFs). Encoding is
deterministic: JPEG stays JPEG at the given quality, everything else is written as PNG.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from PIL import Image

KEPT_FORMATS = {"JPEG": ".jpg", "PNG": ".png"}  # Pillow format name -> suffix; any other format becomes PNG
_TO_RGB = {3: cv2.COLOR_BGR2RGB, 4: cv2.COLOR_BGRA2RGBA}
_FROM_RGB = {3: cv2.COLOR_RGB2BGR, 4: cv2.COLOR_RGBA2BGRA}


class ImageReadError(Exception):
    """The file cannot be decoded any more (moved, truncated since it was loaded)."""


def read_pixels(path: Path) -> np.ndarray:
    """The image at `path` as a uint8/uint16 array: HxW (gray), HxWx3 (RGB) or HxWx4 (RGBA)."""
    pixels = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if pixels is None:
        return _read_with_pillow(path)
    channels = pixels.shape[2] if pixels.ndim == 3 else 1
    if channels == 1:
        return pixels.reshape(pixels.shape[:2])
    return cv2.cvtColor(pixels, _TO_RGB[channels])


def output_format(source_format: str | None) -> str:
    """The format a copy is written in: the original's when it is JPEG or PNG, else PNG."""
    return source_format if source_format in KEPT_FORMATS else "PNG"


def encode_pixels(pixels: np.ndarray, image_format: str, quality: int) -> bytes:
    """`pixels` (from `read_pixels`, after transforms) as file bytes in `image_format` (JPEG or PNG)."""
    channels = pixels.shape[2] if pixels.ndim == 3 else 1
    data = pixels if channels == 1 else cv2.cvtColor(pixels, _FROM_RGB[channels])
    if image_format == "JPEG":
        ok, encoded = cv2.imencode(".jpg", data, [cv2.IMWRITE_JPEG_QUALITY, quality])
    else:
        ok, encoded = cv2.imencode(".png", data)
    if not ok:
        raise ValueError(f"OpenCV could not encode a {pixels.shape} {pixels.dtype} image as {image_format}")
    return encoded.tobytes()


def _read_with_pillow(path: Path) -> np.ndarray:
    try:
        with Image.open(path) as image:
            transparent = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
            mode = "RGBA" if transparent else "L" if image.mode in ("1", "L") else "RGB"
            return np.asarray(image.convert(mode))
    except (OSError, SyntaxError, ValueError) as exc:  # UnidentifiedImageError is an OSError
        reason = (str(exc).strip() or type(exc).__name__).splitlines()[0]
        raise ImageReadError(f"{path}: cannot be decoded ({reason})") from None
